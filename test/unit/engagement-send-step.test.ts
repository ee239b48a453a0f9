import type { SendAsk } from "../../contracts/engagement";
import type { Delivery } from "../../contracts/notifications";
import type { TemplateDoc } from "../../services/engagement/content/templates";
import type { RunDoc } from "../../services/engagement/journeys/journey-runs";
import type { MessageDoc } from "../../services/engagement/journeys/message-log";
import {
  sendStep,
  type SendStep,
  type SendStepDeps,
} from "../../services/engagement/journeys/send-step";
import type { DecisionDoc } from "../../services/engagement/model";
import { emptyProfile } from "../../services/engagement/profiles/profile-fold";

/**
 * `sendStep` with its doors opened on plain values: the real template engine fills the words,
 * and each test sets what the stores and the send policy would answer.
 */
const template: TemplateDoc = {
  id: "tpl_welcome",
  name: "welcome",
  defaultLocale: "en",
  locales: {
    en: {
      inbox: { title: "Hello {{ user.name }}", body: "See {{ shopUrl }}" },
      email: { subject: "Welcome", body: "Hi {{ user.name }}, see {{ shopUrl }}" },
    },
  },
  createdAt: "",
  updatedAt: "",
};
const run = { id: "run_1", journeyId: "jny_1", userId: "u1" } as RunDoc;
const step: SendStep = {
  type: "send",
  template: template.id,
  category: "marketing",
  channels: ["email", "inbox"],
  fallback: false,
  priority: "normal",
};

type Verdicts = Partial<Record<string, Pick<DecisionDoc, "verdict" | "reason" | "until">>>;

function doors(verdicts: Verdicts = {}, overrides: Partial<SendStepDeps> = {}) {
  const asked: SendAsk[] = [];
  const recorded: MessageDoc[] = [];
  const delivered: Delivery[] = [];
  const suppressed: string[] = [];
  const faults: string[] = [];
  const deps: SendStepDeps = {
    templateOf: async (id) => (id === template.id ? template : null),
    reachable: async () => ["inbox", "email"],
    contactOf: async () => ({ name: "Ada", email: "ada@example.com" }),
    profileOf: async (userId) => emptyProfile(userId),
    localeOf: async () => undefined,
    sharesOf: async () => [1],
    unsubscribeUrl: () => "https://shop.example/unsubscribe?t=x",
    shopUrl: "https://shop.example",
    trackedLink: (_id, links, url) => `${url}#${links.push(url) - 1}`,
    async decide(ask, decided) {
      asked.push(ask);
      return ask.channels.map((channel) => {
        const decision = {
          id: `${ask.dedupeKey}:${channel}`,
          userId: ask.userId,
          category: ask.category,
          channel,
          priority: ask.priority,
          dedupeKey: ask.dedupeKey,
          verdict: "send",
          reason: "allowed",
          at: "",
          ...verdicts[channel],
        } as DecisionDoc;
        decided(decision);
        return decision;
      });
    },
    countSuppressed: async (_journey, reason) => void suppressed.push(reason),
    fault: (point) => void faults.push(point),
    record: async (message) => void recorded.push(message),
    deliver: async (delivery) => void delivered.push(delivery),
    ...overrides,
  };
  return { deps, asked, recorded, delivered, suppressed, faults };
}

describe("a journey's send step", () => {
  test("When every channel may send, then the message is filled in, recorded and delivered once under the run's step", async () => {
    const { deps, recorded, delivered, faults } = doors();
    expect(await sendStep(deps, run, step, 2)).toEqual({
      kind: "sent",
      channels: ["email", "inbox"],
    });
    expect(delivered).toEqual([
      {
        userId: "u1",
        type: "tpl_welcome",
        key: "run_1_2",
        messages: [
          { channel: "email", title: "Welcome", body: "Hi Ada, see https://shop.example" },
          { channel: "inbox", title: "Hello Ada", body: "See https://shop.example" },
        ],
        unsubscribeUrl: "https://shop.example/unsubscribe?t=x",
      },
    ]);
    expect(recorded).toMatchObject([{ id: "run_1_2", channels: ["email", "inbox"], variant: 0 }]);
    expect(faults).toEqual(["journey-after-decide"]);
  });

  test("When the user cannot be reached on the step's channels, then nothing is decided or sent", async () => {
    const { deps, asked, delivered } = doors({}, { reachable: async () => ["webhook"] });
    expect(await sendStep(deps, run, step, 0)).toEqual({ kind: "sent", channels: [] });
    expect(asked).toEqual([]);
    expect(delivered).toEqual([]);
  });

  test("When the template or the user is gone, or the words cannot be filled in, then the step fails with why, and no cap is spent", async () => {
    const gone = doors({}, { templateOf: async () => null });
    expect(await sendStep(gone.deps, run, step, 0)).toEqual({
      kind: "failed",
      reason: "the template is gone",
    });
    const nobody = doors({}, { contactOf: async () => null });
    expect(await sendStep(nobody.deps, run, step, 0)).toEqual({
      kind: "failed",
      reason: "the user is gone",
    });
    const broken: TemplateDoc = {
      ...template,
      locales: { en: { inbox: { title: "x", body: "{{ 'a' | no_such_filter }}" } } },
    };
    const unfillable = doors({}, { templateOf: async () => broken });
    const outcome = await sendStep(unfillable.deps, run, { ...step, channels: ["inbox"] }, 0);
    expect(outcome.kind).toBe("failed");
    expect(unfillable.asked).toEqual([]);
  });

  test("When the step falls back, then channels are asked in order and none past the first that may send", async () => {
    const { deps, asked, delivered, suppressed } = doors({
      email: { verdict: "suppress", reason: "unsubscribed" },
    });
    const outcome = await sendStep(deps, run, { ...step, fallback: true }, 1);
    expect(outcome).toEqual({ kind: "sent", channels: ["inbox"] });
    expect(asked.map((a) => a.channels)).toEqual([["email"], ["inbox"]]);
    expect(delivered[0].messages.map((m) => m.channel)).toEqual(["inbox"]);
    expect(suppressed).toEqual(["unsubscribed"]);
  });

  test("When the policy defers a channel (quiet hours), then the step waits until then and nothing is sent", async () => {
    const until = "2026-12-07T08:00:00.000Z";
    const { deps, delivered, recorded } = doors({
      email: { verdict: "defer", reason: "quiet_hours", until },
    });
    expect(await sendStep(deps, run, step, 0)).toEqual({ kind: "deferred", until });
    expect(delivered).toEqual([]);
    expect(recorded).toEqual([]);
  });

  test("When every channel is suppressed, then nothing is recorded or delivered, and each suppression counts for the journey", async () => {
    const { deps, delivered, suppressed } = doors({
      email: { verdict: "suppress", reason: "daily_cap" },
      inbox: { verdict: "suppress", reason: "daily_cap" },
    });
    expect(await sendStep(deps, run, step, 0)).toEqual({ kind: "sent", channels: [] });
    expect(delivered).toEqual([]);
    expect(suppressed).toEqual(["daily_cap", "daily_cap"]);
  });
});
