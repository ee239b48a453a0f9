/**
 * A live session from the terminal: joins a session's room and prints what the room tells;
 * each line typed is said in the chat (`/hand`, `/lower` and `/end` do what they say).
 *
 *   TOKEN=<a JWT> node --import tsx scripts/classroom.ts <sessionId> [http://localhost:3000]
 */
import { createInterface } from "node:readline";
import WebSocket from "ws";

const [sessionId, base = "http://localhost:3000"] = process.argv.slice(2);
const token = process.env.TOKEN;
if (!sessionId || !token) {
  console.error(
    "usage: TOKEN=<jwt> node --import tsx scripts/classroom.ts <sessionId> [gatewayUrl]",
  );
  process.exit(2);
}

let lastSeq: number | undefined;
/** Lines typed before the room's welcome, said once it comes. */
let pending: string[] | undefined = [];

function connect(): void {
  const resume = lastSeq === undefined ? "" : `?lastSeq=${lastSeq}`;
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/ws/classroom/${sessionId}${resume}`, [
    "bazaar.classroom.v1",
    `bearer.${token}`,
  ]);
  ws.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (typeof message.seq === "number") lastSeq = message.seq;
    if (message.type === "welcome") lastSeq = message.missed?.at(-1)?.seq ?? message.snapshot.seq;
    console.log(JSON.stringify(message));
    if (message.type === "welcome") {
      for (const frame of pending ?? []) ws.send(frame);
      pending = undefined;
    }
  });
  ws.on("close", (code, reason) => {
    console.log(`closed ${code} ${reason.toString()}`);
    pending = [];
    // A dropped connection (not a refusal of ours, 4000–4999) is tried again, resuming.
    if (code < 4000 && code !== 1000) setTimeout(connect, 1000);
    else process.exit(0);
  });
  ws.on("error", () => undefined);
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const said =
      line === "/hand"
        ? { type: "hand", raised: true }
        : line === "/lower"
          ? { type: "hand", raised: false }
          : line === "/end"
            ? { type: "end" }
            : { type: "chat", text: line };
    if (pending) pending.push(JSON.stringify(said));
    else if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(said));
  });
  ws.on("close", () => lines.close());
}

connect();
