import { cartState, shouldRemind, type CartActivity } from "../../services/cart/abandonment";

const HOUR = 3_600_000;
const now = Date.parse("2026-11-21T12:00:00Z");
const activity = (over: Partial<CartActivity> = {}): CartActivity => ({
  id: "u1",
  updatedAt: "2026-11-21T10:30:00Z",
  state: "s1",
  itemCount: 2,
  ...over,
});

describe("the abandoned-cart rule", () => {
  test("When a full cart was left longer than the abandon time and never reminded, then remind", () => {
    expect(shouldRemind(activity(), null, now, HOUR)).toBe(true);
  });

  test("When the cart is empty, then no reminder", () => {
    expect(shouldRemind(activity({ itemCount: 0 }), null, now, HOUR)).toBe(false);
  });

  test("When the cart changed within the abandon time, then not yet", () => {
    expect(shouldRemind(activity({ updatedAt: "2026-11-21T11:30:00Z" }), null, now, HOUR)).toBe(
      false,
    );
  });

  test("When this cart state was reminded of already, then never twice", () => {
    expect(shouldRemind(activity({ remindedState: "s1" }), null, now, HOUR)).toBe(false);
    expect(shouldRemind(activity({ remindedState: "s0" }), null, now, HOUR)).toBe(true);
  });

  test("When the owner ordered after the cart last changed, then no reminder; before, still one", () => {
    expect(shouldRemind(activity(), "2026-11-21T11:00:00Z", now, HOUR)).toBe(false);
    expect(shouldRemind(activity(), "2026-11-21T09:00:00Z", now, HOUR)).toBe(true);
  });

  test("When two carts hold the same lines in any order, then they have one state; other quantities, another", () => {
    const a = cartState([
      { productId: "p1", quantity: 1 },
      { productId: "p2", quantity: 2 },
    ]);
    const b = cartState([
      { productId: "p2", quantity: 2 },
      { productId: "p1", quantity: 1 },
    ]);
    expect(a).toBe(b);
    expect(cartState([{ productId: "p1", quantity: 2 }])).not.toBe(a);
  });
});
