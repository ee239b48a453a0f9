import { Errors } from "moleculer";
import {
  DuplicateKeyError,
  hasType,
  isDuplicate,
  isRequestRefused,
  notFound,
  unavailable,
  paymentRequired,
} from "../../platform/actions/errors";
import { ShopError, PaymentDeclined } from "../../contracts/errors";

describe("telling errors apart without reading a status", () => {
  test("When the data layer refuses a duplicate, then it is a duplicate whatever its client type; a remote 409 is not", () => {
    expect(isDuplicate(new DuplicateKeyError(ShopError.EMAIL_TAKEN, "taken"))).toBe(true);
    // The same status from another service (stock ran out) is no duplicate of ours.
    const outOfStock = new Errors.MoleculerClientError("Out", 409, ShopError.OUT_OF_STOCK);
    expect(isDuplicate(outOfStock)).toBe(false);
    expect(hasType(outOfStock, ShopError.OUT_OF_STOCK)).toBe(true);
    expect(hasType(undefined, ShopError.OUT_OF_STOCK)).toBe(false);
  });

  test("When a step refuses the request, then asking again cannot help; when it is away, it can", () => {
    expect(isRequestRefused(notFound("Product"))).toBe(true);
    expect(
      isRequestRefused(
        paymentRequired(PaymentDeclined, { orderId: "o1", reason: "card_declined" }),
      ),
    ).toBe(true);
    expect(isRequestRefused(unavailable())).toBe(false);
    expect(isRequestRefused(new Errors.RequestTimeoutError({ action: "x", nodeID: "node" }))).toBe(
      false,
    );
    expect(isRequestRefused(new Error("socket hang up"))).toBe(false);
  });

  test("When a card is declined, then one error shape carries the order and the reason", () => {
    expect(
      paymentRequired(PaymentDeclined, { orderId: "o1", reason: "insufficient_funds" }),
    ).toMatchObject({
      name: "PaymentDeclinedError",
      type: ShopError.PAYMENT_DECLINED,
      data: { orderId: "o1", reason: "insufficient_funds" },
    });
  });
});
