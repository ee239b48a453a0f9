import { SessionFloors, type SessionsEnded } from "../../services/api/session-floors";

describe("ended sessions on a gateway", () => {
  const ended = (userId: string, sessionVersion: number, endedAt: string): SessionsEnded => ({
    userId,
    sessionVersion,
    endedAt,
  });

  test("When a user's sessions end, then tokens of older versions are refused and newer ones taken", () => {
    const floors = new SessionFloors(3600);
    floors.record(ended("u1", 2, "2026-12-01T10:00:00.000Z"));
    expect(floors.accepts({ id: "u1", roles: [], sessionVersion: 1 })).toBe(false);
    expect(floors.accepts({ id: "u1", roles: [], sessionVersion: 2 })).toBe(true);
    expect(floors.accepts({ id: "u2", roles: [], sessionVersion: 0 })).toBe(true);
    // A late, older event never lowers the floor.
    floors.record(ended("u1", 1, "2026-12-01T09:00:00.000Z"));
    expect(floors.accepts({ id: "u1", roles: [], sessionVersion: 1 })).toBe(false);
  });

  test("When it polls, then it reads from where it was, a little behind, by the users node's clock", async () => {
    const now = Date.parse("2026-12-01T12:00:00.000Z");
    const floors = new SessionFloors(3600, now);
    const asked: string[] = [];
    const rows = [ended("u1", 1, "2026-12-01T11:59:50.000Z")];
    await floors.refresh(async (since) => {
      asked.push(since);
      return rows;
    });
    await floors.refresh(async (since) => {
      asked.push(since);
      return [];
    });
    expect(floors.loaded).toBe(true);
    expect(asked).toEqual(["2026-12-01T11:00:00.000Z", "2026-12-01T11:59:48.000Z"]);
  });

  test("When nothing was loaded yet, then it says so, and a failed load leaves it so", async () => {
    const floors = new SessionFloors(60);
    await expect(
      floors.refresh(async () => {
        throw new Error("users is away");
      }),
    ).rejects.toThrow();
    expect(floors.loaded).toBe(false);
  });

  test("When a floor is older than a token's life, then it is forgotten, and the tokens it guarded have expired", async () => {
    const now = Date.parse("2026-12-01T12:00:00.000Z");
    const floors = new SessionFloors(3600, now - 3 * 3600_000);
    floors.record(ended("old", 1, "2026-12-01T09:30:00.000Z"));
    floors.record(ended("recent", 1, "2026-12-01T11:50:00.000Z"));
    await floors.refresh(async () => [ended("now", 1, "2026-12-01T12:00:00.000Z")]);
    expect(floors.size).toBe(2);
    expect(floors.accepts({ id: "recent", roles: [], sessionVersion: 0 })).toBe(false);
    // A version-0 token of "old" was issued before 09:30, so it expired by 10:30 anyway.
    expect(floors.accepts({ id: "old", roles: [], sessionVersion: 1 })).toBe(true);
  });
});
