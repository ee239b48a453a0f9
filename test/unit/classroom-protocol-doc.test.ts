import { readFileSync } from "node:fs";
import path from "node:path";
import {
  CLIENT_MESSAGE_TYPES,
  ROOM_EVENT_TYPES,
  RoomClose,
  type ClientMessage,
  type RoomEvent,
} from "../../contracts/classroom";

/** Each list names every type of its union, and nothing else: the compiler holds them equal. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const clientTypesMatch: Same<ClientMessage["type"], (typeof CLIENT_MESSAGE_TYPES)[number]> = true;
const roomTypesMatch: Same<RoomEvent["type"], (typeof ROOM_EVENT_TYPES)[number]> = true;

const doc = JSON.parse(
  readFileSync(path.join(__dirname, "..", "..", "docs", "classroom.asyncapi.json"), "utf8"),
);

describe("The classroom protocol's AsyncAPI description", () => {
  test("Then it documents every message a participant sends and every event the room tells, no more", () => {
    expect(clientTypesMatch && roomTypesMatch).toBe(true);
    const named = (prefix: string) =>
      Object.entries(doc.components.messages as Record<string, { name: string }>)
        .filter(([key]) => key.startsWith(prefix))
        .map(([, message]) => message.name)
        .sort();
    expect(named("client_")).toEqual([...CLIENT_MESSAGE_TYPES].sort());
    expect(named("room_")).toEqual([...ROOM_EVENT_TYPES].sort());
    expect(doc.asyncapi).toBe("3.0.0");
  });

  test("Then every close code the room uses is explained", () => {
    for (const code of Object.values(RoomClose))
      expect(doc.info.description).toContain(String(code));
  });
});
