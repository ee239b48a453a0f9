import { PEOPLE_PER_PART } from "../../contracts/classroom";
import type { AttendanceDoc } from "../../services/classroom/attendance";
import { peopleOf, summaryParts } from "../../services/classroom/ending";
import type { LiveSessionDoc } from "../../services/classroom/model";

const session: LiveSessionDoc = {
  id: "live_1",
  courseId: "crs_1",
  title: "Live",
  startsAt: "2026-07-01T10:00:00.000Z",
  plannedMinutes: 60,
  cap: 300,
  opensAt: "2026-07-01T09:50:00.000Z",
  closesAt: "2026-07-01T12:00:00.000Z",
  endedAt: "2026-07-01T11:00:00.000Z",
  endedBy: "instructor",
  createdAt: "2026-06-01T00:00:00.000Z",
  scheduledBy: "t1",
  state: "ended",
};

const stay = (userId: string, role: AttendanceDoc["role"], seconds: number, since?: string) => ({
  id: `live_1:${userId}`,
  sessionId: "live_1",
  userId,
  name: userId,
  role,
  seconds,
  joins: 1,
  firstJoinedAt: "2026-07-01T10:00:00.000Z",
  ...(since ? { since } : {}),
});

describe("A live session's summary", () => {
  test("Each person is told once: who led, who came (a stay still open counts up to the end), and each enrolled learner who missed it", () => {
    const people = peopleOf(
      [stay("t1", "instructor", 3600), stay("a1", "learner", 600, "2026-07-01T10:50:00.000Z")],
      ["a1", "b1"],
      session.endedAt!,
    );
    expect(people).toEqual([
      { userId: "t1", role: "instructor", minutes: 60, attended: true },
      { userId: "a1", role: "learner", minutes: 20, attended: true },
      { userId: "b1", role: "learner", minutes: 0, attended: false },
    ]);
    const [only] = summaryParts(session, people, 2);
    expect(only).toMatchObject({
      sessionId: "live_1",
      courseId: "crs_1",
      endedBy: "instructor",
      attended: 1,
      enrolled: 2,
      part: 1,
      parts: 1,
    });
  });

  test("A course with more learners than a message holds is told in parts, each with the session's totals", () => {
    const learners = Array.from({ length: PEOPLE_PER_PART * 2 + 1 }, (_, i) => `u${i}`);
    const parts = summaryParts(session, peopleOf([], learners, session.endedAt!), learners.length);
    expect(parts.map((p) => [p.part, p.parts, p.people.length, p.enrolled])).toEqual([
      [1, 3, PEOPLE_PER_PART, learners.length],
      [2, 3, PEOPLE_PER_PART, learners.length],
      [3, 3, 1, learners.length],
    ]);
    expect(new Set(parts.flatMap((p) => p.people.map((x) => x.userId))).size).toBe(learners.length);
  });
});
