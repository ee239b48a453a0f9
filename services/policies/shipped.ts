import type { PolicyCase } from "../../contracts/policies";

/**
 * The set a new installation starts with: what the roles already meant, said as policies, and
 * the rules a shop asked for. Admins change any of them over the API; these are version 1.
 */

const user = (id: string, ...roles: string[]) => ({
  type: "User",
  id,
  attrs: { userId: id, roles },
});
const ip = (address: string) => ({ __extn: { fn: "ip", arg: address } });
const route = (id: string, access: string) => ({
  type: "Route",
  id,
  attrs: { access, service: id.split(".")[0] },
});
const order = (ownerId: string) => ({
  type: "Order",
  id: "ord_1",
  attrs: { ownerId, total: 5000, currency: "EUR", status: "CONFIRMED" },
});
const refund = (ownerId: string, amount: number) => ({
  type: "Refund",
  id: "ord_1",
  attrs: { ownerId, amount, currency: "EUR" },
});
const course = (instructorId: string) => ({
  type: "Course",
  id: "crs_1",
  attrs: { instructorId, status: "draft" },
});

export interface ShippedPolicy {
  id: string;
  description: string;
  text: string;
  cases: PolicyCase[];
}

export const SHIPPED_POLICIES: ShippedPolicy[] = [
  {
    id: "routes-by-role",
    description: "The gateway's roles are the first gate: what they let through is allowed here.",
    text: `permit (principal, action == Action::"request", resource);`,
    cases: [
      {
        name: "an admin route, asked by an admin",
        principal: user("usr_admin", "admin"),
        action: "request",
        resource: route("policies.activate", "admin"),
        context: { ip: ip("127.0.0.1"), method: "POST" },
        expect: "allow",
      },
    ],
  },
  {
    id: "orders-read-by-owner-and-staff",
    description: "An order is read by its owner, support and admins.",
    text: `permit (principal, action == Action::"orders.read", resource is Order)
when { resource.ownerId == principal.userId || principal.roles.contains("support") || principal.roles.contains("admin") };`,
    cases: [
      {
        name: "support reads a customer's order",
        principal: user("usr_support", "support"),
        action: "orders.read",
        resource: order("usr_customer"),
        expect: "allow",
      },
      {
        name: "a customer does not read another's order",
        principal: user("usr_other", "customer"),
        action: "orders.read",
        resource: order("usr_customer"),
        expect: "deny",
      },
    ],
  },
  {
    id: "orders-cancel-by-owner-and-admin",
    description: "An order is cancelled by its owner or an admin.",
    text: `permit (principal, action == Action::"orders.cancel", resource is Order)
when { resource.ownerId == principal.userId || principal.roles.contains("admin") };`,
    cases: [
      {
        name: "the owner cancels",
        principal: user("usr_customer", "customer"),
        action: "orders.cancel",
        resource: order("usr_customer"),
        expect: "allow",
      },
    ],
  },
  {
    id: "support-reads-but-does-not-cancel",
    description: "Support staff read customers' orders and cannot cancel them.",
    text: `forbid (principal, action == Action::"orders.cancel", resource is Order)
when { principal.roles.contains("support") && resource.ownerId != principal.userId }
unless { principal.roles.contains("admin") };`,
    cases: [
      {
        name: "support cannot cancel a customer's order",
        principal: user("usr_support", "support"),
        action: "orders.cancel",
        resource: order("usr_customer"),
        expect: "deny",
      },
    ],
  },
  {
    id: "refunds-by-owner-and-admin",
    description: "A refund is made by cancelling one's own order, or by an admin.",
    text: `permit (principal, action == Action::"payments.refund", resource is Refund)
when { resource.ownerId == principal.userId || principal.roles.contains("admin") };`,
    cases: [
      {
        name: "an admin refunds a small order",
        principal: user("usr_admin", "admin"),
        action: "payments.refund",
        resource: refund("usr_customer", 5000),
        expect: "allow",
      },
    ],
  },
  {
    id: "large-refunds-need-finance",
    description: "Refunding someone else's order over 1,000.00 needs the finance role.",
    text: `forbid (principal, action == Action::"payments.refund", resource is Refund)
when { resource.amount > 100000 && resource.ownerId != principal.userId }
unless { principal.roles.contains("finance") };`,
    cases: [
      {
        name: "an admin without finance refunds a large order",
        principal: user("usr_admin", "admin"),
        action: "payments.refund",
        resource: refund("usr_customer", 250000),
        expect: "deny",
      },
      {
        name: "an admin with finance refunds a large order",
        principal: user("usr_admin", "admin", "finance"),
        action: "payments.refund",
        resource: refund("usr_customer", 250000),
        expect: "allow",
      },
    ],
  },
  {
    id: "courses-edited-by-teachers",
    description: "Instructors and admins edit courses (which ones, the next policy says).",
    text: `permit (principal, action == Action::"courses.edit", resource)
when { principal.roles.contains("instructor") || principal.roles.contains("admin") };`,
    cases: [
      {
        name: "an instructor edits their own course",
        principal: user("usr_teacher", "instructor"),
        action: "courses.edit",
        resource: course("usr_teacher"),
        expect: "allow",
      },
    ],
  },
  {
    id: "instructors-edit-only-their-own",
    description: "An instructor edits only their own courses; an admin edits any.",
    text: `forbid (principal, action == Action::"courses.edit", resource)
when { resource.instructorId != principal.userId }
unless { principal.roles.contains("admin") };`,
    cases: [
      {
        name: "an instructor does not edit another's course",
        principal: user("usr_other", "instructor"),
        action: "courses.edit",
        resource: course("usr_teacher"),
        expect: "deny",
      },
      {
        name: "an admin edits anyone's course",
        principal: user("usr_admin", "admin"),
        action: "courses.edit",
        resource: course("usr_teacher"),
        expect: "allow",
      },
    ],
  },
];
