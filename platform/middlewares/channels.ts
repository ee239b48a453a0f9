import type { Middleware, Service, ServiceBroker } from "moleculer";
import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import type { Settings } from "../../contracts/settings";
import {
  channelsComing,
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

/** JetStream's answer to a durable consumer made by two nodes at once: the second loses. */
const CONSUMER_NAME_IN_USE = 10013;
const SUBSCRIBE_ATTEMPTS = 5;

type SubscribingAdapter = {
  subscribe(chan: { id: string }, service: Service): Promise<void>;
  activeMessages: Map<string, unknown>;
};

/**
 * Two nodes of one group starting together both find no durable consumer and both create it;
 * the server refuses the second ("consumer name already in use") and that node's start failed
 * (seen in CI: a catalog node gone, its twin killed by the test, no catalog left). Trying
 * again finds the consumer and joins it.
 */
function retryConsumerRace(broker: ServiceBroker): void {
  const adapter = (broker as unknown as { channelAdapter?: SubscribingAdapter }).channelAdapter;
  if (!adapter) return;
  const subscribe = adapter.subscribe.bind(adapter);
  adapter.subscribe = async (chan, service) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await subscribe(chan, service);
      } catch (err) {
        const code = (err as { api_error?: { err_code?: number } }).api_error?.err_code;
        if (code !== CONSUMER_NAME_IN_USE || attempt >= SUBSCRIBE_ATTEMPTS) throw err;
        // The failed try began tracking the channel's messages; the next begins again.
        adapter.activeMessages.delete(chan.id);
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
      }
    }
  };
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
  let channelsUp: () => void = () => {};
  const created = (middleware as { created?: (b: ServiceBroker) => void }).created;
  const serviceCreated = (middleware as { serviceCreated?: (s: Service) => Promise<void> })
    .serviceCreated;
  const started = middleware.started;
  return Object.assign(middleware, {
    created(b: ServiceBroker) {
      broker = b;
      channelsUp = channelsComing(b);
      created?.call(middleware, b);
      if (!(adapter instanceof InProcessAdapter)) retryConsumerRace(b);
    },
    async serviceCreated(service: Service) {
      await serviceCreated?.call(middleware, service);
      if (adapter instanceof InProcessAdapter) declareGroups(adapter, service);
    },
    async started() {
      await started?.call(middleware);
      await createStreams(broker, channels);
      channelsUp();
    },
  }) as unknown as Middleware;
}
