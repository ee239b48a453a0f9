import type { EventName } from "../contracts/channels";
import type { Upcaster } from "../platform/messaging/event-schemas";

/**
 * How a consumer reads a message published at an earlier version: one step per version, from
 * each version to the next (docs/event-evolution.md). A channel whose version is raised needs
 * its step here before it ships; a test fails the build without it.
 */
export const EVENT_UPCASTERS: Partial<Record<EventName, Record<number, Upcaster>>> = {
  // v2 told when the refund was made; a v1 message was told right after it.
  "payments.refunded": { 1: (data, message) => ({ ...data, refundedAt: message.ts }) },
};
