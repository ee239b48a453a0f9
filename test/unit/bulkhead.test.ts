import { hasType, ErrorType } from "../../platform/actions/errors";
import { Bulkhead } from "../../services/api/bulkhead";

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { code: number; type: string };
  }
  throw new Error("admitted");
};

describe("the gateway's bulkhead", () => {
  test("When the node holds its limit, then the next request is 503 at once, and a place comes back when one is answered", () => {
    const bulkhead = new Bulkhead(2, 10);
    const first = bulkhead.admit("a");
    bulkhead.admit("b");
    const err = refusal(() => bulkhead.admit("c"));
    expect(err.code).toBe(503);
    first.release();
    first.release();
    expect(() => bulkhead.admit("c")).not.toThrow();
    expect(refusal(() => bulkhead.admit("d")).code).toBe(503);
  });

  test("When one client holds its share, then only that client is told to slow down (429)", () => {
    const bulkhead = new Bulkhead(100, 2);
    bulkhead.admit("slow");
    bulkhead.admit("slow");
    const err = refusal(() => bulkhead.admit("slow"));
    expect(err.code).toBe(429);
    expect(hasType(err, ErrorType.RATE_LIMITED)).toBe(true);
    expect(() => bulkhead.admit("other")).not.toThrow();
  });

  test("When a health probe arrives at a full node, then it is counted but never turned away", () => {
    const bulkhead = new Bulkhead(1, 1);
    bulkhead.admit("lb");
    expect(() => bulkhead.admit("lb", true)).not.toThrow();
    expect(refusal(() => bulkhead.admit("x")).code).toBe(503);
  });
});
