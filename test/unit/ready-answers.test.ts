import {
  entityTag,
  matchesTag,
  productReadOf,
  ReadyAnswers,
} from "../../services/api/ready-answers";
import { answerStatus } from "../../services/api/routes";

describe("which reads the gateway may answer itself", () => {
  test("When the URL is a plain product read, then its id; anything else is routed", () => {
    expect(productReadOf("/api/v1/products/prd_1-a")).toBe("prd_1-a");
    for (const url of [
      "/api/v1/products",
      "/api/v1/products/",
      "/api/v1/products/a/b",
      "/api/v1/products/a?x=1",
      "/api/v1/products/constructor",
      "/api/v1/products/..%2F",
      "/api/v1/products/-lead",
      `/api/v1/products/${"a".repeat(65)}`,
      `/api/v1/products/${"a".repeat(5000)}`,
      "/api/v2/products/a",
      undefined,
    ])
      expect(productReadOf(url)).toBeUndefined();
  });
});

describe("entity tags", () => {
  test("When a client names the tag, in a list or weakly, or sends *, then it matches; otherwise not", () => {
    const tag = entityTag('{"id":"a"}');
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(matchesTag(tag, tag)).toBe(true);
    expect(matchesTag(`"x", ${tag}`, tag)).toBe(true);
    expect(matchesTag(`W/${tag}`, tag)).toBe(true);
    expect(matchesTag("*", tag)).toBe(true);
    expect(matchesTag('"other"', tag)).toBe(false);
    expect(matchesTag(undefined, tag)).toBe(false);
    expect(matchesTag(`${tag},`.repeat(200), tag)).toBe(false);
  });
});

describe("held answers", () => {
  test("When an answer is kept, then it is the JSON sent, for its audience only", () => {
    const answers = new ReadyAnswers(10, 60_000);
    const kept = answers.keep(answers.ticket(), "p1", "public", { id: "p1", price: 5 });
    expect(kept?.body).toBe('{"id":"p1","price":5}');
    expect(kept?.length).toBe(21);
    expect(answers.get("p1", "public")).toBe(kept);
    expect(answers.get("p1", "admin")).toBeUndefined();
  });

  test("When the product changes, then its answers go for every audience; others stay", () => {
    const answers = new ReadyAnswers(10, 60_000);
    for (const audience of ["public", "admin"] as const) {
      answers.keep(answers.ticket(), "p1", audience, { id: "p1" });
      answers.keep(answers.ticket(), "p2", audience, { id: "p2" });
    }
    answers.changed(["p1"]);
    expect(answers.get("p1", "public")).toBeUndefined();
    expect(answers.get("p1", "admin")).toBeUndefined();
    expect(answers.get("p2", "public")).toBeDefined();
    answers.changed([]);
    expect(answers.get("p2", "admin")).toBeUndefined();
  });

  test("When a change comes while a read is out, then that read's answer is not kept", () => {
    const answers = new ReadyAnswers(10, 60_000);
    const ticket = answers.ticket();
    answers.changed(["p9"]);
    expect(answers.keep(ticket, "p1", "public", { id: "p1", price: 1 })).toBeUndefined();
    expect(answers.get("p1", "public")).toBeUndefined();
  });

  test("When none may be held, then nothing is kept", () => {
    const answers = new ReadyAnswers(0, 60_000);
    expect(answers.keep(answers.ticket(), "p1", "public", {})).toBeUndefined();
    expect(answers.get("p1", "public")).toBeUndefined();
  });

  test("When an answer is older than its time, then it is not given", async () => {
    const answers = new ReadyAnswers(10, 30);
    answers.keep(answers.ticket(), "p1", "public", { id: "p1" });
    expect(answers.get("p1", "public")).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(answers.get("p1", "public")).toBeUndefined();
  });
});

describe("which routed answers the gateway keeps", () => {
  const kept: unknown[] = [];
  const gateway = {
    answered: (_req: unknown, _res: unknown, _who: unknown, data: unknown) => kept.push(data),
  };
  const onAfterCall = answerStatus({});
  const after = (meta: Record<string, unknown>, status?: number) =>
    onAfterCall.call(
      gateway,
      { meta } as never,
      undefined,
      { $action: { name: "catalog.get", openapi: { status } } } as never,
      {} as never,
      { id: "p1" },
    );

  test("When an action answers a plain 200, then its answer is offered to be kept; with a status of its own, a 202 or a creation, it is not", () => {
    after({});
    expect(kept).toEqual([{ id: "p1" }]);
    after({ $statusCode: 203 });
    after({}, 202);
    after({ $created: "p2" });
    expect(kept).toHaveLength(1);
  });
});
