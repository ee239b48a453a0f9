import {
  POLICY_DECISION_INDEXES,
  sweepDecisions,
  type PolicyDecisionDoc,
} from "../../services/policies/definitions";
import { useTempSqlite } from "../harness/temp-store";

const temp = useTempSqlite("policy-decisions");

const decision = (id: string, at: string): PolicyDecisionDoc => ({
  id,
  at,
  nodeId: "n1",
  decision: "deny",
  reasons: ["support-reads-but-does-not-cancel"],
  errors: [],
  principal: "User::usr_1",
  action: "orders.cancel",
  resource: "Order::ord_1",
});

describe("Given the policy decision log", () => {
  test("When the retention sweep runs, then decisions older than the retention go and newer ones stay", async () => {
    const log = await temp
      .store()
      .repository<PolicyDecisionDoc>("policy_decisions", POLICY_DECISION_INDEXES);
    const now = Date.parse("2026-12-06T12:00:00.000Z");
    await log.insert(decision("old", "2026-11-01T12:00:00.000Z"));
    await log.insert(decision("recent", "2026-11-20T12:00:00.000Z"));
    expect(await sweepDecisions(log, 30, now)).toBe(1);
    expect((await log.find({})).map((d) => d.id)).toEqual(["recent"]);
  });
});
