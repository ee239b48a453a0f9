import { applyUpdate } from "../../platform/data/apply-update";
import { toHttpError } from "../../services/api/http-errors";
import {
  assertFieldPath,
  assertFilter,
  assertSafeValue,
  assertUpdate,
  UnsupportedQueryError,
} from "../../platform/data/repository";

const HOSTILE_PATHS = [
  "__proto__.toString",
  "items.__proto__",
  "items.__proto__.ignoreExpiration",
  "constructor.prototype.x",
  "items.constructor",
  "views.prototype",
  "items..x",
  "items.",
  ".items",
  "items.a b",
  "items.a$b",
  "items.a\u0000",
];

describe("field paths", () => {
  afterEach(() => {
    // Nothing may have reached the shared prototype, whatever a test did.
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).ignoreExpiration).toBeUndefined();
  });

  test.each(HOSTILE_PATHS)("When a path is %j, then the repository refuses it", (path) => {
    expect(() => assertFieldPath(path)).toThrow(UnsupportedQueryError);
    expect(() => assertUpdate({ $set: { [path]: 1 } })).toThrow(UnsupportedQueryError);
    expect(() => assertUpdate({ $unset: { [path]: true } })).toThrow(UnsupportedQueryError);
    expect(() => assertFilter({ [path]: 1 })).toThrow(UnsupportedQueryError);
  });

  test.each(HOSTILE_PATHS)("When the update applier is given %j, then it refuses it", (path) => {
    for (const update of [
      { $set: { [path]: true } },
      { $inc: { [path]: 1 } },
      { $push: { [path]: 1 } },
      { $unset: { [path]: true as const } },
    ])
      expect(() => applyUpdate({ id: "d", items: {} }, update)).toThrow(UnsupportedQueryError);
  });

  test("When a path is made of ids, then it is accepted", () => {
    expect(assertFieldPath("items.0b6c7a1e-2f7d")).toEqual(["items", "0b6c7a1e-2f7d"]);
    expect(assertFieldPath("holds.ord_3f2a.quantity")).toHaveLength(3);
  });

  test("When a written value holds a __proto__ or constructor key, then it is refused", () => {
    const parsed = JSON.parse('{"a": {"__proto__": {"polluted": true}}}');
    expect(() => assertSafeValue(parsed)).toThrow(UnsupportedQueryError);
    expect(() => assertUpdate({ $set: { a: parsed.a } })).toThrow(UnsupportedQueryError);
    expect(() => assertSafeValue({ list: [{ constructor: 1 }] })).toThrow(UnsupportedQueryError);
    expect(() => assertSafeValue({ plain: { nested: [1, "x"] } })).not.toThrow();
  });

  test("When the repository refuses a value or a path, then the client gets a 422 naming the field", () => {
    const refusal = (work: () => void) => {
      try {
        work();
      } catch (err) {
        return toHttpError(err);
      }
      throw new Error("it was accepted");
    };
    const variant = JSON.parse('{"variants": [{"name": "B", "__proto__": {"x": 1}}]}');
    expect(refusal(() => assertUpdate({ $set: variant }))).toMatchObject({
      code: 422,
      type: "VALIDATION_ERROR",
      data: [{ field: "variants[0].__proto__", type: "unsafe" }],
    });
    expect(refusal(() => assertFilter({ "items.__proto__": 1 }))).toMatchObject({
      code: 422,
      data: [{ field: "items.__proto__" }],
    });
  });
});
