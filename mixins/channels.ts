import type { Middleware } from "moleculer";
import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import type { Settings } from "./settings";

declare module "moleculer" {
  interface ServiceBroker {
    sendToChannel(channel: string, payload: unknown, opts?: Record<string, unknown>): Promise<void>;
  }
}

/** Durable channels over NATS JetStream in a cluster; in one process, an in-process adapter. */
export function channelsMiddleware(settings: Settings): Middleware {
  const adapter = settings.transporter
    ? { type: "NATS", options: { nats: { url: settings.transporter } } }
    : { type: "Fake" };
  return ChannelsMiddleware({
    adapter,
    sendMethodName: "sendToChannel",
    context: true,
  } as unknown as Parameters<typeof ChannelsMiddleware>[0]) as unknown as Middleware;
}
