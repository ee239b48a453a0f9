import { Errors } from "moleculer";
import {
  forbidden,
  invalid,
  notFound,
  tooManyRequests,
  unauthorized,
} from "../../platform/actions/errors";
import { toHttpError } from "../../services/api/http-errors";

describe("errors as HTTP answers", () => {
  test("When a refusal names hundreds of problems, then the first 20 are listed and the message gives the count", () => {
    const problems = Array.from({ length: 300 }, (_, i) => ({
      field: `f${i}`,
      message: "bad",
      type: "x",
    }));
    const answer = toHttpError(
      new Errors.MoleculerClientError("Bad", 422, "VALIDATION_ERROR", problems),
    );
    expect(answer.data).toHaveLength(20);
    expect(answer.message).toBe("Bad (300 problems; the first 20 are listed)");
  });

  test("When a service throws a documented client error, then it passes through with its type", () => {
    expect(toHttpError(notFound("Order"))).toEqual({
      name: "NotFoundError",
      message: "Order not found",
      code: 404,
      type: "NOT_FOUND",
    });
    expect(toHttpError(unauthorized()).code).toBe(401);
    expect(toHttpError(forbidden()).type).toBe("FORBIDDEN");
    expect(
      toHttpError(new Errors.MoleculerClientError("declined", 402, "PAYMENT_DECLINED")),
    ).toMatchObject({
      code: 402,
      type: "PAYMENT_DECLINED",
    });
  });

  test("When validation fails, then 422 lists fields and rules but never the rejected values", () => {
    const err = new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
      { type: "stringMin", field: "password", message: "too short", actual: "hunter2" },
      { type: "objectStrict", message: "forbidden keys", actual: "roles" },
    ] as never);
    const body = toHttpError(err);
    expect(body.code).toBe(422);
    expect(body.type).toBe("VALIDATION_ERROR");
    expect(JSON.stringify(body)).not.toContain("hunter2");
    expect(body.data).toEqual([
      { field: "password", message: "too short", type: "stringMin" },
      { field: "roles", message: "Not an accepted field: roles", type: "objectStrict" },
    ]);
    expect(toHttpError(invalid([{ field: "a", message: "b", type: "c" }])).data).toEqual([
      { field: "a", message: "b", type: "c" },
    ]);
  });

  test("When a 422 has its own documented type, then the type is kept", () => {
    const reused = new Errors.MoleculerClientError("key reused", 422, "IDEMPOTENCY_KEY_REUSED");
    expect(toHttpError(reused)).toMatchObject({ code: 422, type: "IDEMPOTENCY_KEY_REUSED" });
  });

  test("When body-parser refuses a body, then 400 for bad JSON and 413 for a large one", () => {
    const parse = Object.assign(new SyntaxError("Unexpected token"), {
      type: "entity.parse.failed",
      status: 400,
    });
    expect(toHttpError(parse)).toMatchObject({ code: 400, type: "BAD_REQUEST" });
    const large = Object.assign(new Error("too large"), { type: "entity.too.large", status: 413 });
    expect(toHttpError(large)).toMatchObject({ code: 413, type: "PAYLOAD_TOO_LARGE" });
  });

  test("When a dependency is missing, slow, full or broken open, then 503 SERVICE_UNAVAILABLE", () => {
    const cases = [
      new Errors.ServiceNotFoundError({ action: "users.login" }),
      new Errors.ServiceNotAvailableError({ action: "users.login" }),
      new Errors.RequestTimeoutError({ action: "users.login", nodeID: "n1" }),
      new Errors.QueueIsFullError({ action: "users.login", nodeID: "n1", size: 1, limit: 1 }),
    ];
    for (const err of cases)
      expect(toHttpError(err)).toMatchObject({ code: 503, type: "SERVICE_UNAVAILABLE" });
  });

  test("When anything else fails, then a bare 500 with no message, stack or data from inside", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432 select * from users"), {
      data: { query: "select" },
    });
    const body = toHttpError(err);
    expect(body).toEqual({
      name: "InternalServerError",
      message: "Internal server error",
      code: 500,
      type: "INTERNAL_ERROR",
    });
    expect(toHttpError("a string").code).toBe(500);
    expect(toHttpError(new Errors.MoleculerServerError("db down", 500, "DB")).message).toBe(
      "Internal server error",
    );
  });

  test("When a 429 carries its wait, then the body keeps retryAfter for the header", () => {
    expect(toHttpError(tooManyRequests(12))).toMatchObject({
      code: 429,
      type: "RATE_LIMITED",
      data: { retryAfter: 12 },
    });
  });

  test("When a 4xx has a type no client knows, then the type of its status replaces it", () => {
    expect(
      toHttpError(new Errors.MoleculerClientError("x", 404, "SOMETHING_INTERNAL")),
    ).toMatchObject({
      code: 404,
      type: "NOT_FOUND",
    });
    expect(toHttpError(new Errors.MoleculerClientError("x", 418, "TEAPOT"))).toMatchObject({
      code: 400,
    });
  });

  test("When a service declares its own error type, then the gateway keeps it; a type no module declares is replaced", () => {
    const limit = new Errors.MoleculerClientError("Full", 409, "SHELF_LIMIT_REACHED");
    expect(toHttpError(limit, new Set(["SHELF_LIMIT_REACHED"]))).toMatchObject({
      code: 409,
      type: "SHELF_LIMIT_REACHED",
      message: "Full",
    });
    expect(toHttpError(limit)).toMatchObject({ code: 409, type: "DUPLICATE_KEY" });
  });
});
