import type { LiveSessionView } from "../../contracts/classroom";
import type { IndexSpec, Repository } from "../../platform/data/repository";
import { dateTime, integer, object, string } from "../../platform/actions/openapi";

export interface LiveSessionDoc extends LiveSessionView {
  /** Who scheduled it: the course's instructor, or an admin. */
  scheduledBy: string;
  /** `ended` owes its summary (`classroom.session_ended`); `summarized` has told it. */
  state: "scheduled" | "ended" | "summarized";
  endedBy?: "instructor" | "schedule";
  /** How many times its room was opened: each opening numbers its events past the last's. */
  roomEpoch?: number;
}
export type LiveSessions = Repository<LiveSessionDoc>;

export const LIVE_SESSION_INDEXES: IndexSpec[] = [
  { fields: ["courseId", "startsAt"] },
  { fields: ["state", "closesAt"] },
];

export const LIVE_SESSION_SHAPE = object(
  {
    id: string,
    courseId: string,
    title: string,
    startsAt: dateTime,
    plannedMinutes: integer,
    cap: integer,
    opensAt: dateTime,
    closesAt: dateTime,
    endedAt: dateTime,
    createdAt: dateTime,
  },
  ["endedAt"],
  "LiveSession",
);

export const toLiveSessionView = ({
  scheduledBy: _by,
  state: _state,
  endedBy: _endedBy,
  roomEpoch: _epoch,
  ...view
}: LiveSessionDoc): LiveSessionView => view;
