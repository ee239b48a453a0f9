import { placeOf } from "../../services/api/room-placement";

describe("Where a session's room lives", () => {
  const nodes = ["consumers-1", "consumers-2", "consumers-3"];
  const sessions = Array.from({ length: 300 }, (_, i) => `live_${i}`);

  test("Every gateway, asking with the same nodes in any order, finds the same node", () => {
    for (const id of sessions) expect(placeOf(id, [...nodes].reverse())).toBe(placeOf(id, nodes));
  });

  test("Sessions spread over the nodes, and a node leaving moves only the sessions it held", () => {
    const before = new Map(sessions.map((id) => [id, placeOf(id, nodes)]));
    const counts = nodes.map((n) => [...before.values()].filter((p) => p === n).length);
    for (const count of counts) expect(count).toBeGreaterThan(60);
    const after = new Map(sessions.map((id) => [id, placeOf(id, ["consumers-1", "consumers-3"])]));
    for (const id of sessions)
      if (before.get(id) !== "consumers-2") expect(after.get(id)).toBe(before.get(id));
  });

  test("With no node hosting rooms there is no place", () => {
    expect(placeOf("live_1", [])).toBeUndefined();
  });
});
