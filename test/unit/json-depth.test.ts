import { jsonDepth, MAX_JSON_DEPTH, refuseDeepJson } from "../../services/api/json-depth";

const bytes = (text: string) => Buffer.from(text, "utf8");

describe("JSON nesting depth", () => {
  test("When brackets stand inside strings or after escapes, then they do not count", () => {
    expect(jsonDepth(bytes('{"a": "[[[[{{{{", "b": "\\"[[["}'))).toBe(1);
    expect(jsonDepth(bytes('[[1], {"x": [2]}]'))).toBe(3);
    expect(jsonDepth(bytes('"é[["'))).toBe(0);
  });

  test("When a body nests deeper than the limit, then it is refused before parsing", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(() => refuseDeepJson(null, null, bytes(deep))).toThrow(/deeper than/);
    const atLimit = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(() => refuseDeepJson(null, null, bytes(atLimit))).not.toThrow();
  });
});
