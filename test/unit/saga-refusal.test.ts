import { Errors } from "moleculer";
import { isRefusal } from "../../services/orders/saga";

describe("which failures of a saga step settle the order", () => {
  test("When a step refuses its input (422, 404, 400), then it is a refusal: asking again cannot help", () => {
    expect(isRefusal(new Errors.ValidationError("bad amount", "VALIDATION_ERROR", []))).toBe(true);
    expect(isRefusal(new Errors.MoleculerClientError("no such product", 404, "NOT_FOUND"))).toBe(
      true,
    );
  });

  test("When a step is down, slow or overloaded, then it is no refusal: the order waits for recovery", () => {
    expect(isRefusal(new Errors.ServiceNotFoundError({ action: "payments.charge" }))).toBe(false);
    expect(isRefusal(new Errors.RequestTimeoutError({ action: "payments.charge" }))).toBe(false);
    expect(isRefusal(new Errors.QueueIsFullError({ action: "payments.charge" }))).toBe(false);
    expect(isRefusal(new Errors.MoleculerClientError("slow down", 429, "RATE_LIMITED"))).toBe(
      false,
    );
    expect(isRefusal(new Error("socket hang up"))).toBe(false);
  });
});
