import { Errors } from "moleculer";
import {
  DuplicateKeyError,
  ErrorType,
  hasType,
  isDuplicate,
  isRequestRefused,
  notFound,
  paymentDeclined,
  unavailable,
} from "../../platform/actions/errors";

describe("telling errors apart without reading a status", () => {
  test("When the data layer refuses a duplicate, then it is a duplicate whatever its client type; a remote 409 is not", () => {
    expect(isDuplicate(new DuplicateKeyError(ErrorType.EMAIL_TAKEN, "taken"))).toBe(true);
    // The same status from another service (stock ran out) is no duplicate of ours.
    const outOfStock = new Errors.MoleculerClientError("Out", 409, ErrorType.OUT_OF_STOCK);
    expect(isDuplicate(outOfStock)).toBe(false);
    expect(hasType(outOfStock, ErrorType.OUT_OF_STOCK)).toBe(true);
    expect(hasType(undefined, ErrorType.OUT_OF_STOCK)).toBe(false);
  });

  test("When a step refuses the request, then asking again cannot help; when it is away, it can", () => {
    expect(isRequestRefused(notFound("Product"))).toBe(true);
    expect(isRequestRefused(paymentDeclined({ orderId: "o1", reason: "card_declined" }))).toBe(
      true,
    );
    expect(isRequestRefused(unavailable())).toBe(false);
    expect(isRequestRefused(new Errors.RequestTimeoutError({ action: "x", nodeID: "node" }))).toBe(
      false,
    );
    expect(isRequestRefused(new Error("socket hang up"))).toBe(false);
  });

  test("When a card is declined, then one error shape carries the order and the reason", () => {
    expect(paymentDeclined({ orderId: "o1", reason: "insufficient_funds" })).toMatchObject({
      name: "PaymentDeclinedError",
      type: ErrorType.PAYMENT_DECLINED,
      data: { orderId: "o1", reason: "insufficient_funds" },
    });
  });
});
