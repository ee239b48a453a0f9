import WebSocket from "ws";
import { newAccount, type Client } from "./http";
import { waitFor } from "./node-process";

export type Account = { id: string; token: string };

/** A participant's socket, as a browser would open it, keeping everything it heard. */
export interface Seat {
  ws: WebSocket;
  heard: any[];
  closed: Promise<{ code: number; reason: string }>;
  /** The HTTP status of a handshake the gateway refused. */
  failed: Promise<number>;
  /** The welcome, when it comes (no polling: a thousand seats wait on it cheaply). */
  welcomed: Promise<any>;
  until(what: (m: any) => boolean, ms?: number): Promise<any>;
  say(message: object | string): void;
  /** The events heard, as `seq:type`, after a sequence number. */
  sequence(after?: number): string[];
}

export function seat(
  baseUrl: string,
  sessionId: string,
  token?: string,
  path = `/ws/classroom/${sessionId}`,
  headers: Record<string, string> = {},
): Seat {
  const protocols = ["bazaar.classroom.v1", ...(token ? [`bearer.${token}`] : [])];
  const ws = new WebSocket(`${baseUrl.replace("http", "ws")}${path}`, protocols, { headers });
  const heard: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on("message", (data) => heard.push(JSON.parse(data.toString())));
  const failed = new Promise<number>((resolve) =>
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
  );
  ws.on("error", () => undefined);
  const welcomed = new Promise((resolve) =>
    ws.on("message", (data) => {
      const message = JSON.parse(data.toString());
      if (message.type === "welcome") resolve(message);
    }),
  );
  return {
    ws,
    heard,
    closed,
    failed,
    welcomed,
    until: (what, ms = 5000) => waitFor(async () => heard.find(what), ms, "a message"),
    say: (m) => ws.send(typeof m === "string" ? m : JSON.stringify(m)),
    sequence: (after = 0) => heard.filter((m) => m.seq > after).map((m) => `${m.seq}:${m.type}`),
  };
}

/** The first thing a seat hears: its welcome, or the close that refused it. */
export const firstWord = (s: Seat) =>
  Promise.race([
    s.welcomed.then((m) => ({ welcome: m })),
    s.closed.then((c) => ({ closed: c.code })),
  ]);

export const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** A published course taught by a new instructor, free unless priced. */
export async function liveCourse(
  api: Client,
  admin: string,
  label: string,
  fields: Record<string, unknown> = {},
): Promise<{ teacher: Account; courseId: string }> {
  const teacher = await newAccount(api, `${label}-teacher`, {
    roles: ["customer", "instructor"],
    admin,
  });
  const course = await api.post(
    "/api/v1/courses",
    {
      title: `Live ${label}`,
      slug: `${label}-${Date.now()}-${process.pid}`,
      category: "c",
      ...fields,
    },
    teacher,
  );
  const courseId = course.body.id as string;
  const mod = await api.post(`/api/v1/courses/${courseId}/modules`, { title: "M" }, teacher);
  await api.post(
    `/api/v1/modules/${mod.body.id}/lessons`,
    { title: "L", kind: "text", body: "b" },
    teacher,
  );
  const published = await api.post(`/api/v1/courses/${courseId}/publish`, {}, teacher);
  if (published.status !== 200) throw new Error(`publishing answered ${published.status}`);
  return { teacher, courseId };
}

/** A session of the course open for joining now. */
export async function openSession(
  api: Client,
  courseId: string,
  teacher: Account,
  fields: Record<string, unknown> = {},
): Promise<string> {
  const made = await api.post(
    `/api/v1/courses/${courseId}/sessions`,
    { title: "Now", startsAt: inMinutes(5), plannedMinutes: 30, ...fields },
    teacher,
  );
  if (made.status !== 201) throw new Error(`scheduling answered ${made.status}`);
  return made.body.id;
}

/** A learner enrolled in a free course. */
export async function learnerOf(api: Client, courseId: string, label: string): Promise<Account> {
  const learner = await newAccount(api, label);
  const enrolled = await api.post(`/api/v1/courses/${courseId}/enrol`, {}, learner);
  if (enrolled.status !== 201 && enrolled.status !== 200)
    throw new Error(`enrolling answered ${enrolled.status}`);
  return learner;
}
