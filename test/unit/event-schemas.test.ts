import { existsSync, readFileSync } from "node:fs";
import { EVENT_VERSIONS } from "../../contracts/channels";
import { EVENT_UPCASTERS } from "../../mixins/event-upcasters";
import { channelMessage } from "../../platform/messaging/channels";
import {
  countInvalidEvent,
  eventProblems,
  upcastMessage,
} from "../../platform/messaging/event-schemas";
import { PlatformMetric } from "../../platform/observability/metrics";
import { ServiceBroker } from "moleculer";
import { rawMessage } from "../harness/messages";
import { breakingChanges } from "../../platform/messaging/schema-compat";
import { currentEventSchemas, fileOf, schemaFile } from "../../scripts/event-schema-source";

/** Channel messages carry versioned, published schemas, and evolve only as consumers can follow. */
describe("Given the published event schemas", () => {
  test("When the payload types are compiled, then each channel's schema is the published one of its version", () => {
    const problems: string[] = [];
    for (const [file, schema] of currentEventSchemas()) {
      if (!existsSync(schemaFile(file))) {
        problems.push(`${file}: not published (npm run events:schemas)`);
        continue;
      }
      const published = JSON.parse(readFileSync(schemaFile(file), "utf8"));
      if (JSON.stringify(published) === JSON.stringify(schema)) continue;
      const breaking = breakingChanges(published, schema);
      problems.push(
        breaking.length
          ? `${file}: not backward compatible (${breaking.join("; ")}): raise the channel's version in EVENT_VERSIONS and write its upcaster`
          : `${file}: changed compatibly: publish it (npm run events:schemas)`,
      );
    }
    expect(problems).toEqual([]);
  }, 30_000);

  test("When a channel's version was raised, then every earlier version keeps its schema and has an upcaster", () => {
    const missing: string[] = [];
    for (const channel of Object.keys(EVENT_VERSIONS) as (keyof typeof EVENT_VERSIONS)[])
      for (let version = 1; version < EVENT_VERSIONS[channel]; version++) {
        if (!existsSync(schemaFile(fileOf(channel, version))))
          missing.push(`${channel} v${version}: schema`);
        if (!EVENT_UPCASTERS[channel]?.[version]) missing.push(`${channel} v${version}: upcaster`);
      }
    expect(missing).toEqual([]);
  });

  test("When a refund told at v1 is consumed, then it reads as v2, its time taken from the message", () => {
    const v1 = {
      paymentId: "pay_1",
      orderId: "ord_1",
      userId: "usr_1",
      amount: 500,
      currency: "EUR",
    };
    expect(eventProblems("payments.refunded", 1, v1)).toEqual([]);
    expect(eventProblems("payments.refunded", 2, v1)).toEqual([
      "/ must have required property 'refundedAt'",
    ]);
    const ts = "2026-12-01T10:00:00.000Z";
    const read = upcastMessage(
      { id: "m1", type: "payments.refunded", version: 1, ts, data: v1 },
      EVENT_UPCASTERS,
    );
    expect(read).toMatchObject({ version: 2, data: { ...v1, refundedAt: ts } });
    expect(eventProblems("payments.refunded", 2, read.data)).toEqual([]);
  });

  test("When a message has no version, then it is version 1; one newer than this node reads is refused", () => {
    const data = { userId: "u", courseId: "c", lessonId: "l", completedAt: "t" };
    const unversioned = { id: "m", type: "courses.lesson_completed", ts: "t", data };
    expect(upcastMessage(unversioned, EVENT_UPCASTERS).version).toBe(1);
    expect(() => upcastMessage({ ...unversioned, version: 9 }, EVENT_UPCASTERS)).toThrow(
      "courses.lesson_completed v9 is newer than this node reads (v1)",
    );
  });

  test("When a service makes a message its schema refuses, then making it fails loudly", () => {
    expect(
      channelMessage("courses.lesson_completed", {
        userId: "u",
        courseId: "c",
        lessonId: "l",
        completedAt: "t",
      }).version,
    ).toBe(1);
    expect(() =>
      channelMessage("courses.lesson_completed", {
        userId: "u",
        courseId: 7,
        lessonId: "l",
        completedAt: "t",
      }),
    ).toThrow("courses.lesson_completed v1 does not match its schema: /courseId must be string");
  });
});

describe("Given a node in production", () => {
  test("When a message its schema refuses is sent, then it goes, and the violation is counted by channel", async () => {
    const broker = new ServiceBroker({ logger: false, metrics: { enabled: true } });
    broker.metrics.register({
      name: PlatformMetric.EVENT_SCHEMA_VIOLATIONS,
      type: "counter",
      labelNames: ["channel"],
    });
    const mode = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      const bad = rawMessage("courses.lesson_completed", { userId: "u", courseId: 7 });
      expect(() => channelMessage("courses.lesson_completed", bad.data)).not.toThrow();
      countInvalidEvent(broker, bad);
      countInvalidEvent(
        broker,
        rawMessage("courses.completed", {
          userId: "u",
          courseId: "c",
          certificateId: "z",
          completedAt: "t",
        }),
      );
    } finally {
      process.env.NODE_ENV = mode;
    }
    const counted = broker.metrics.getMetric(PlatformMetric.EVENT_SCHEMA_VIOLATIONS)!.snapshot();
    expect(counted).toEqual([
      expect.objectContaining({ labels: { channel: "courses.lesson_completed" }, value: 1 }),
    ]);
  });
});

describe("Given a schema and its next revision", () => {
  const old = {
    type: "object",
    properties: {
      id: { type: "string" },
      amount: { type: "number" },
      state: { type: "string", enum: ["open", "closed"] },
      lines: { type: "array", items: { $ref: "#/definitions/Line" } },
    },
    required: ["id", "amount"],
    definitions: {
      Line: { type: "object", properties: { sku: { type: "string" } }, required: ["sku"] },
    },
  };
  const revised = (change: (s: any) => void) => {
    const next = JSON.parse(JSON.stringify(old));
    change(next);
    return breakingChanges(old, next);
  };

  test("When fields are added as optional, required with a default, or an enum grows, then it is compatible", () => {
    expect(
      revised((s) => {
        s.properties.note = { type: "string" };
        s.properties.kind = { type: "string", default: "sale" };
        s.required.push("kind");
        s.properties.state.enum.push("void");
        s.properties.amount.description = "in cents";
      }),
    ).toEqual([]);
  });

  test("When a field goes, changes type, becomes required without a default, or an enum loses a value, then each is named", () => {
    expect(revised((s) => delete s.properties.amount)).toEqual(["amount: removed"]);
    expect(revised((s) => (s.properties.amount.type = "string"))).toEqual([
      "amount: type changed from number to string",
    ]);
    expect(revised((s) => s.required.push("state"))).toEqual([
      "state: newly required, with no default",
    ]);
    expect(revised((s) => (s.properties.state.enum = ["open"]))).toEqual([
      'state: values no longer allowed: "closed"',
    ]);
    expect(revised((s) => (s.definitions.Line.properties.sku.type = "number"))).toEqual([
      "lines[].sku: type changed from string to number",
    ]);
  });
});
