/**
 * A share of a live session's participants, in a worker thread of the classroom bench: it opens
 * their sockets, has its chatters chat, and keeps, for every message it heard, the slowest of
 * its receivers. Each chat carries its send time, so no clock is shared but the machine's.
 */
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

export interface ClientShare {
  /** Gateway address of each participant, and their token. */
  seats: { url: string; token: string; chats: boolean }[];
  sessionId: string;
  /** How long the chatters chat, and how often each (under the room's 5 in 10 s). */
  seconds: number;
  chatEveryMs: number;
  worker: number;
}

export interface ShareResult {
  /** Message id → the slowest of this share's receivers, in ms after it was sent. */
  slowest: Record<string, number>;
  sent: number;
  refused: number;
  closed: number[];
}

const now = () => performance.timeOrigin + performance.now();

async function run(share: ClientShare): Promise<ShareResult> {
  const slowest: Record<string, number> = {};
  const closed: number[] = [];
  let refused = 0;
  const open = (seat: ClientShare["seats"][number]) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(
        `${seat.url.replace("http", "ws")}/ws/classroom/${share.sessionId}`,
        ["bazaar.classroom.v1", `bearer.${seat.token}`],
      );
      ws.on("message", (data) => {
        const text = data.toString();
        // Only chats are timed; their text is `m:<id>:<sent at>`.
        const at = text.indexOf('"text":"m:');
        if (at < 0) {
          if (text.startsWith('{"type":"welcome"')) resolve(ws);
          else if (text.startsWith('{"type":"error"')) refused++;
          return;
        }
        const [, id, sentAt] = text.slice(at + 8, text.indexOf('"', at + 8)).split(":");
        const late = now() - Number(sentAt);
        if (!(slowest[id] >= late)) slowest[id] = late;
      });
      let refusedWith = "";
      ws.on("unexpected-response", (_req, res) => {
        refusedWith = ` (HTTP ${res.statusCode})`;
        ws.terminate();
      });
      ws.on("close", (code) => {
        closed.push(code);
        reject(new Error(`closed ${code}${refusedWith} before the welcome`));
      });
      ws.on("error", () => undefined);
    });
  // In waves, as a class arrives: 1,500 handshakes in one instant overflow the listen backlog.
  const sockets: WebSocket[] = [];
  for (let i = 0; i < share.seats.length; i += 50)
    sockets.push(...(await Promise.all(share.seats.slice(i, i + 50).map(open))));
  let sent = 0;
  const chatters = sockets.filter((_, i) => share.seats[i].chats);
  const timers = chatters.map((ws, i) =>
    // Spread over the interval, so the chatters do not speak in one burst.
    setTimeout(
      () => {
        const tick = () => {
          ws.send(
            JSON.stringify({ type: "chat", text: `m:${share.worker}-${i}-${sent++}:${now()}` }),
          );
        };
        tick();
        timers.push(setInterval(tick, share.chatEveryMs));
      },
      (share.chatEveryMs * i) / Math.max(1, chatters.length),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, share.seconds * 1000));
  for (const timer of timers) clearInterval(timer);
  // The last messages still travel: wait for them before closing.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const ws of sockets) ws.close();
  return { slowest, sent, refused, closed };
}

if (parentPort)
  run(workerData as ClientShare).then(
    (result) => parentPort!.postMessage(result),
    (err: Error) => parentPort!.postMessage({ error: err.message }),
  );
