import type { Middleware, Service, ServiceBroker } from "moleculer";
import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import type { Settings } from "../../contracts/settings";
import {
  createStreams,
  DEAD_LETTER_CHANNEL,
  MAX_DELIVERIES,
  SECOND_NS,
  streamConfig,
} from "../messaging/channels";
import { InProcessAdapter } from "../messaging/in-process-channels";

/** The groups a service consumes in, named as @moleculer/channels names them. */
function declareGroups(adapter: InProcessAdapter, service: Service): void {
  const channels = (
    service.schema as { channels?: Record<string, { group?: string; name?: string }> }
  ).channels;
  for (const [key, def] of Object.entries(channels ?? {}))
    adapter.declare(
      (typeof def === "object" && def.name) || key,
      (typeof def === "object" && def.group) || service.fullName,
    );
}

/**
 * Durable channels: NATS JetStream in a cluster (retention, explicit ack wait, redelivery and
 * a dead-letter channel); in one process, an adapter that hands each message to its consumers
 * and waits for them (`in-process-channels.ts`). Every channel in `channels` gets its stream at
 * start, so a publish never finds none.
 */
export function DurableChannelsMiddleware(
  settings: Settings,
  channels: readonly string[],
): Middleware {
  const adapter = settings.transporter
    ? {
        type: "NATS",
        options: {
          nats: {
            url: settings.transporter,
            streamConfig: streamConfig(settings),
            // A consumer that holds a message this long without an ack (it died) has it
            // redelivered to another member of its group.
            consumerOptions: {
              config: {
                ack_wait: settings.channelAckWaitSeconds * SECOND_NS,
                deliver_policy: "all",
              },
            },
          },
          maxRetries: MAX_DELIVERIES,
          maxInFlight: 10,
          deadLettering: { enabled: true, queueName: DEAD_LETTER_CHANNEL },
        },
      }
    : new InProcessAdapter({ maxRetries: MAX_DELIVERIES });
  const middleware = ChannelsMiddleware({
    adapter,
    sendMethodName: "sendToChannel",
    context: true,
  } as unknown as Parameters<typeof ChannelsMiddleware>[0]) as unknown as Middleware & {
    started?: () => Promise<void>;
  };
  let broker: ServiceBroker;
  const created = (middleware as { created?: (b: ServiceBroker) => void }).created;
  const serviceCreated = (middleware as { serviceCreated?: (s: Service) => Promise<void> })
    .serviceCreated;
  const started = middleware.started;
  return Object.assign(middleware, {
    created(b: ServiceBroker) {
      broker = b;
      created?.call(middleware, b);
    },
    async serviceCreated(service: Service) {
      await serviceCreated?.call(middleware, service);
      if (adapter instanceof InProcessAdapter) declareGroups(adapter, service);
    },
    async started() {
      await started?.call(middleware);
      await createStreams(broker, channels);
    },
  }) as unknown as Middleware;
}
