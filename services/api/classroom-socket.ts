import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { Context, type ServiceBroker } from "moleculer";
import { WebSocketServer, type WebSocket } from "ws";
import {
  ClassroomAction,
  ClassroomError,
  RoomClose,
  type Admission,
  type RoomBroadcast,
  type SequencedEvent,
} from "../../contracts/classroom";
import type { Principal } from "../../contracts/users";
import { ShopMetric } from "../../contracts/metrics";
import { isId } from "../../platform/actions/ids";
import { countMetric, setGauge } from "../../platform/observability/metrics";
import { nodesHosting, placeOf } from "./room-placement";

export const PROTOCOL = "bazaar.classroom.v1";
const PATH = /^\/ws\/classroom\/([^/?#]+)$/;
/** Frames past this close the socket (the room's own limit is checked by the room). */
const MAX_FRAME_BYTES = 16 * 1024;
/** Frames a client may send before its join is answered; later ones wait no more. */
const EARLY_FRAMES = 20;

interface Seat {
  ws: WebSocket;
  user: Principal;
  /** Answered the last ping: a socket that did not by the next is half-open, and closed. */
  alive: boolean;
  /** Events that came while the join was answered: sent after the snapshot, if newer. */
  waiting?: SequencedEvent[];
  seen: number;
}

export interface ClassroomSocketDeps {
  broker: ServiceBroker;
  /** The bearer token's principal, or a refusal (expired, ended session). */
  principalOf(token: string): Promise<Principal | null>;
  /** When the token stops being good (epoch ms); none for a key that does not expire. */
  expiryOf(token: string): number | undefined;
  /** The client's address, as the gateway's rate limits read it. */
  addressOf(req: IncomingMessage): string;
  allowedOrigins: string[];
  maxSockets: number;
  maxSocketsPerAddress: number;
  pingMs: number;
  /** A socket whose unsent output passes this is a reader too slow to keep: it is closed. */
  maxBufferedBytes: number;
}

/**
 * The live classroom on this gateway: WebSockets at `/ws/classroom/:sessionId`, each a seat
 * of one participant in one session. The room's order is the classroom service's; this only
 * passes frames in and events out, and closes what misbehaves with its code.
 */
export class ClassroomSockets {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
  });
  private readonly seats = new Map<string, Set<Seat>>();
  private readonly perAddress = new Map<string, number>();
  /** Where each session's room was when its seats joined it. */
  private readonly placed = new Map<string, string | undefined>();
  private count = 0;
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly deps: ClassroomSocketDeps) {
    this.pinger = setInterval(() => this.ping(), deps.pingMs);
    this.pinger.unref();
    // Every series from the start, so a panel shows 0 rather than no data.
    setGauge(deps.broker, ShopMetric.CLASSROOM_SOCKETS, 0);
    for (const direction of ["in", "out"])
      countMetric(deps.broker, ShopMetric.CLASSROOM_FRAMES, { direction }, 0);
    for (const reason of [...Object.values(DROPPED), "node_full", "address_full", "no_pong"])
      countMetric(deps.broker, ShopMetric.CLASSROOM_DROPPED, { reason }, 0);
  }

  /** Takes an upgrade that is ours; answers anything else with a plain refusal. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? "";
    const [pathname, query = ""] = url.split("?");
    const match = PATH.exec(pathname);
    if (!match) return refuseUpgrade(socket, 404, "Not Found");
    // A token in the URL lands in logs: refused, and the URL is never written anywhere.
    if (/(^|&)(token|access_token|jwt)=/i.test(query))
      return refuseUpgrade(socket, 400, "Bad Request");
    const origin = req.headers.origin;
    if (
      origin &&
      !this.deps.allowedOrigins.includes("*") &&
      !this.deps.allowedOrigins.includes(origin)
    )
      return refuseUpgrade(socket, 403, "Forbidden");
    const address = this.deps.addressOf(req);
    if ((this.perAddress.get(address) ?? 0) >= this.deps.maxSocketsPerAddress) {
      countMetric(this.deps.broker, ShopMetric.CLASSROOM_DROPPED, { reason: "address_full" });
      return refuseUpgrade(socket, 429, "Too Many Requests");
    }
    if (this.count >= this.deps.maxSockets) {
      countMetric(this.deps.broker, ShopMetric.CLASSROOM_DROPPED, { reason: "node_full" });
      this.wss.handleUpgrade(req, socket, head, (ws) =>
        ws.close(RoomClose.NODE_FULL, "This node is full; try another"),
      );
      return;
    }
    const sessionId = decodeURIComponent(match[1]);
    const token = bearerOf(req.headers["sec-websocket-protocol"]);
    const lastSeq = lastSeqOf(query);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
      ws.once("close", () => {
        const held = (this.perAddress.get(address) ?? 1) - 1;
        if (held > 0) this.perAddress.set(address, held);
        else this.perAddress.delete(address);
      });
      void this.seat(ws, sessionId, token, lastSeq);
    });
  }

  /** What the room told, to this node's seats of that session, in order. */
  deliver(told: RoomBroadcast): void {
    // Each event is written once for every socket: at a thousand seats, serialising per seat
    // was most of the node's work.
    const frames = told.events.map((event) => Buffer.from(JSON.stringify(event)));
    let sent = 0;
    for (const seat of this.seats.get(told.sessionId) ?? []) {
      if (seat.waiting) {
        seat.waiting.push(...told.events);
        continue;
      }
      told.events.forEach((event, i) => {
        // A room left behind by a move may still speak: what is not newer than seen is old news.
        if (event.seq <= seat.seen || !this.ready(seat)) return;
        seat.seen = event.seq;
        seat.ws.send(frames[i], { binary: false });
        sent++;
        this.follow(seat, told.sessionId, event);
      });
    }
    if (sent)
      countMetric(this.deps.broker, ShopMetric.CLASSROOM_FRAMES, { direction: "out" }, sent);
  }

  get sockets(): number {
    return this.count;
  }

  /** The user signed out or changed their password: their sockets go with their tokens. */
  signedOut(userId: string): void {
    for (const seats of this.seats.values())
      for (const seat of seats)
        if (seat.user.id === userId)
          seat.ws.close(RoomClose.UNAUTHORIZED, "Your session ended; sign in again");
  }

  /** A socket that left the last ping unanswered is half-open: it is let go, the rest pinged. */
  private ping(): void {
    for (const seats of this.seats.values())
      for (const seat of seats) {
        if (!seat.alive) {
          countMetric(this.deps.broker, ShopMetric.CLASSROOM_DROPPED, { reason: "no_pong" });
          seat.ws.terminate();
          continue;
        }
        seat.alive = false;
        seat.ws.ping();
      }
  }

  close(): void {
    clearInterval(this.pinger);
    for (const seats of this.seats.values())
      for (const seat of seats) seat.ws.close(1001, "The node is stopping");
    this.wss.close();
  }

  private async seat(
    ws: WebSocket,
    sessionId: string,
    token: string | undefined,
    lastSeq: number | undefined,
  ): Promise<void> {
    this.count++;
    setGauge(this.deps.broker, ShopMetric.CLASSROOM_SOCKETS, this.count);
    ws.once("close", (code) => {
      this.count--;
      setGauge(this.deps.broker, ShopMetric.CLASSROOM_SOCKETS, this.count);
      const reason = DROPPED[code];
      if (reason) countMetric(this.deps.broker, ShopMetric.CLASSROOM_DROPPED, { reason });
    });
    // A frame past the limit or a broken connection is an error on the socket, which then
    // closes (1009, 1006): nothing for the node to do, and never a crash.
    ws.on("error", () => undefined);
    if (!isId(sessionId)) return ws.close(RoomClose.NOT_FOUND, "No such session");
    const user = token ? await this.deps.principalOf(token).catch(() => null) : null;
    if (!user)
      return ws.close(RoomClose.UNAUTHORIZED, "Send a valid token in Sec-WebSocket-Protocol");
    // Frames sent before the join is answered wait for it (a few; more are a client's fault).
    const early: Buffer[] = [];
    const hold = (data: Buffer) => void (early.length < EARLY_FRAMES && early.push(data));
    ws.on("message", hold);
    const seat: Seat = { ws, user, alive: true, waiting: [], seen: 0 };
    ws.on("pong", () => (seat.alive = true));
    // A token that runs out closes its socket; the client reconnects with a fresh one.
    const expiresAt = token ? this.deps.expiryOf(token) : undefined;
    const expiry =
      expiresAt === undefined
        ? undefined
        : setTimeout(
            () => ws.close(RoomClose.UNAUTHORIZED, "Your token expired; reconnect with a new one"),
            Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now())),
          );
    expiry?.unref();
    ws.once("close", () => clearTimeout(expiry));
    const seats = this.seats.get(sessionId) ?? new Set<Seat>();
    if (!this.seats.has(sessionId))
      this.placed.set(sessionId, placeOf(sessionId, nodesHosting(this.deps.broker, "classroom")));
    this.seats.set(sessionId, seats.add(seat));
    const ctx = this.contextOf(user);
    let admission: Admission;
    try {
      admission = (await this.room(ctx, ClassroomAction.join, {
        sessionId,
        ...(lastSeq !== undefined ? { lastSeq } : {}),
      })) as Admission;
    } catch (err) {
      seats.delete(seat);
      const [code, reason] = closeFor(err);
      return ws.close(code, reason);
    }
    this.welcome(seat, admission);
    ws.off("message", hold);
    // One frame at a time per socket: a participant's messages reach the room in the order sent.
    let inbox = Promise.resolve();
    const take = (data: Buffer) => (inbox = inbox.then(() => this.received(seat, sessionId, data)));
    for (const data of early) void take(data);
    ws.on("message", (data: Buffer) => void take(data));
    ws.on("close", () => {
      seats.delete(seat);
      if (seats.size === 0 && this.seats.get(sessionId) === seats) {
        this.seats.delete(sessionId);
        this.placed.delete(sessionId);
      }
      void this.room(ctx, ClassroomAction.leave, { sessionId }).catch(() => undefined);
    });
  }

  /**
   * The room's answer to a join: who you are, the room, and (after a reconnect) what was
   * missed, in order, or the snapshot alone when too far behind; then what came meanwhile.
   */
  private welcome(seat: Seat, { participant, snapshot, missed }: Admission): void {
    this.send(seat, { type: "welcome", you: participant, snapshot, missed });
    seat.seen = Math.max(snapshot.seq, ...(missed ?? []).map((event) => event.seq));
    const waiting = seat.waiting ?? [];
    seat.waiting = undefined;
    for (const event of waiting) if (event.seq > seat.seen) this.send(seat, event);
  }

  /**
   * The nodes hosting rooms changed (one died, one joined): each session whose room now
   * lives elsewhere seats its participants there again, and they are welcomed anew.
   */
  roomsMoved(): void {
    const nodes = nodesHosting(this.deps.broker, "classroom");
    for (const [sessionId, seats] of this.seats) {
      const place = placeOf(sessionId, nodes);
      if (place === this.placed.get(sessionId)) continue;
      this.placed.set(sessionId, place);
      for (const seat of seats) if (!seat.waiting) void this.reseat(seat, sessionId);
    }
  }

  private async reseat(seat: Seat, sessionId: string): Promise<void> {
    seat.waiting = [];
    try {
      const admission = (await this.room(this.contextOf(seat.user), ClassroomAction.join, {
        sessionId,
        lastSeq: seat.seen,
      })) as Admission;
      this.welcome(seat, admission);
    } catch (err) {
      const [code, reason] = closeFor(err);
      seat.ws.close(code, reason);
    }
  }

  private async received(seat: Seat, sessionId: string, data: Buffer): Promise<void> {
    countMetric(this.deps.broker, ShopMetric.CLASSROOM_FRAMES, { direction: "in" });
    const ctx = this.contextOf(seat.user);
    const send = () =>
      this.room(ctx, ClassroomAction.send, { sessionId, frame: data.toString("utf8") }) as Promise<
        { told: number } | { error: string; message: string }
      >;
    let answer = await send().catch(() => ({
      error: "unavailable",
      message: "The room did not answer; try again",
    }));
    // The room moved (its node left the cluster): seated again there, the frame goes once more.
    if ("error" in answer && answer.error === "not_joined") {
      const rejoined = await this.room(ctx, ClassroomAction.join, { sessionId }).catch(() => null);
      if (rejoined) answer = await send().catch(() => answer);
    }
    if (!("error" in answer)) return;
    if (answer.error === "bad_frame")
      return seat.ws.close(RoomClose.BAD_FRAME, answer.message.slice(0, 100));
    this.send(seat, { type: "error", ...answer });
  }

  private send(seat: Seat, message: object): void {
    if (!this.ready(seat)) return;
    if ("seq" in message) seat.seen = (message as SequencedEvent).seq;
    seat.ws.send(JSON.stringify(message));
    countMetric(this.deps.broker, ShopMetric.CLASSROOM_FRAMES, { direction: "out" });
  }

  /** Open and keeping up; a reader that does not is let go, and never slows the others. */
  private ready(seat: Seat): boolean {
    if (seat.ws.readyState !== seat.ws.OPEN) return false;
    if (seat.ws.bufferedAmount <= this.deps.maxBufferedBytes) return true;
    seat.ws.close(RoomClose.TOO_SLOW, "Too far behind");
    return false;
  }

  /** Removal, a revoked enrolment and the end close the seats they concern. */
  private follow(seat: Seat, _sessionId: string, event: SequencedEvent): void {
    if (event.type === "ended") seat.ws.close(RoomClose.ENDED, "The session ended");
    if (event.type === "removed" && event.userId === seat.user.id)
      seat.ws.close(RoomClose.REMOVED, "You were removed from this session");
    if (event.type === "left" && event.reason === "revoked" && event.userId === seat.user.id)
      seat.ws.close(RoomClose.FORBIDDEN, "Your enrolment in this course ended");
  }

  /** A call to the node that holds the session's room, whichever gateway asks. */
  private room(
    ctx: Context,
    action: string,
    params: { sessionId: string } & Record<string, unknown>,
  ): Promise<unknown> {
    const nodeID = placeOf(params.sessionId, nodesHosting(this.deps.broker, "classroom"));
    return ctx.call(action, params, nodeID ? { nodeID } : {});
  }

  private contextOf(user: Principal): Context {
    const ctx = Context.create(this.deps.broker);
    ctx.meta = { user };
    return ctx;
  }
}

/** `?lastSeq=<n>`: the last event a reconnecting client saw (not a secret, unlike a token). */
function lastSeqOf(query: string): number | undefined {
  const match = /(?:^|&)lastSeq=(\d{1,12})(?:&|$)/.exec(query);
  return match ? Number(match[1]) : undefined;
}

function bearerOf(header: string | undefined): string | undefined {
  for (const protocol of (header ?? "").split(",").map((p) => p.trim()))
    if (protocol.startsWith("bearer.")) return protocol.slice("bearer.".length);
  return undefined;
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Closes that are the client's fault, counted by reason. */
const DROPPED: Record<number, string> = {
  [RoomClose.BAD_FRAME]: "bad_frame",
  [RoomClose.TOO_SLOW]: "too_slow",
  1009: "frame_too_large",
};

const CLOSE_BY_TYPE: Record<string, number> = {
  [ClassroomError.SESSION_NOT_OPEN]: RoomClose.NOT_OPEN,
  [ClassroomError.SESSION_FULL]: RoomClose.FULL,
  [ClassroomError.REMOVED_FROM_SESSION]: RoomClose.REMOVED,
};

/** A refused join as its close code and a short reason; internals stay inside. */
function closeFor(err: unknown): [number, string] {
  const e = err as { code?: number; type?: string; message?: string };
  const reason = (e.message ?? "").slice(0, 100);
  if (e.type && CLOSE_BY_TYPE[e.type]) return [CLOSE_BY_TYPE[e.type], reason];
  if (e.code === 404) return [RoomClose.NOT_FOUND, "No such session"];
  if (e.code === 403) return [RoomClose.FORBIDDEN, reason];
  if (e.code === 401) return [RoomClose.UNAUTHORIZED, reason];
  return [1011, "The room is not available; try again"];
}
