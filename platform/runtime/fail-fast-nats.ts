import { Errors, Transporters, type GenericObject, type ServiceBroker } from "moleculer";
import type { NatsConnection, Msg } from "nats";

/**
 * Failover in milliseconds, not heartbeats.
 *
 * A SIGKILLed node keeps receiving calls until heartbeats time out (6–12 s here), but the NATS
 * server drops its subscriptions the moment its connection closes. So every call and ping to one
 * node is published with a reply subject: when nobody holds the node's subject any more, the
 * server answers "503 no responders" at once. That call was delivered to no one, so it is sent
 * again to another instance (even a charge: it never ran), and the node leaves the registry, which
 * fails its other pending calls as retryable. Moleculer's balancer, local-first routing and
 * registry stay as they are.
 */

const REPLY_ROOT = "_BAZAAR.UNDELIVERED";
/** How often nodes with calls pending are pinged, so a node that dies mid-call is noticed quickly. */
const PROBE_INTERVAL_MS = 250;
const ALIVE_ROOT = "_BAZAAR.ALIVE";
/**
 * How often every other node's liveness subject is asked about. A node that calls nobody (every
 * service local) would otherwise learn of a peer's death only from heartbeats, seconds later, and
 * the orders that peer was running would wait that long to be taken over.
 */
const ALIVE_INTERVAL_MS = 500;
/**
 * Said in this node's INFO: it holds a liveness subject. Only such nodes are asked after, so a
 * node of an earlier version (a rolling deploy) is never taken for dead for lacking one.
 */
const ALIVE_METADATA = "bazaarLiveness";

interface PendingRequest {
  nodeID: string;
  reject(err: Error): void;
}

/** The parts of Moleculer's transit and transporter this relies on (not in its typings). */
interface TransportInternals {
  client: NatsConnection | null;
  connected: boolean;
  nodeID: string;
  prefix: string;
  broker: ServiceBroker;
  transit: {
    connected: boolean;
    pendingRequests: Map<string, PendingRequest>;
    sendPing(nodeID: string): Promise<void>;
  };
}

/** The packet never reached a node: sending it again elsewhere runs it once. */
export class UndeliveredError extends Errors.MoleculerError {
  constructor(nodeID: string) {
    super(`No node '${nodeID}' to take the call`, 503, "UNDELIVERED", { nodeID });
  }
}

// A node ID may hold dots (host names); a NATS subject token may not.
const token = (nodeID: string) => Buffer.from(nodeID).toString("base64url");
const fromToken = (value: string) => Buffer.from(value, "base64url").toString();

export class FailFastNatsTransporter extends Transporters.NATS {
  private probe?: NodeJS.Timeout;
  private aliveProbe?: NodeJS.Timeout;
  /** Calls pending at the last probe: only those still pending now are slow enough to ask about. */
  private pendingBefore = new Set<string>();

  /** Before the broker first says who it is: its INFO carries the liveness mark. */
  override init(...args: Parameters<Transporters.Base["init"]>): void {
    super.init(...args);
    const broker = (this as unknown as { broker: { metadata: Record<string, unknown> } }).broker;
    broker.metadata[ALIVE_METADATA] = true;
  }

  private get internals(): TransportInternals {
    return this as unknown as TransportInternals;
  }

  /**
   * Moleculer's transporter ignores the NATS client's own disconnects and reconnects: calls would
   * wait in the client's buffer until their timeout and readiness would stay up. Here a lost
   * server fails calls at once (retryable, 503 at the gateway) and a regained one announces
   * this node again.
   */
  override async connect(): Promise<void> {
    await super.connect();
    const client = this.internals.client!;
    void (async () => {
      for await (const status of client.status()) {
        if (status.type === "disconnect") this.lost();
        else if (status.type === "reconnect") await this.onConnected(true);
      }
    })();
  }

  private lost(): void {
    const internals = this.internals;
    internals.broker.logger.warn("NATS connection lost: calls fail until it is back.");
    internals.connected = false;
    internals.transit.connected = false;
  }

  override async makeSubscriptions(topics: GenericObject[]): Promise<void> {
    await super.makeSubscriptions(topics);
    const { client, nodeID } = this.internals;
    // The client restores this subscription itself after a reconnect.
    client?.subscribe(`${REPLY_ROOT}.${token(nodeID)}.>`, {
      callback: (_err, msg) => this.undelivered(msg),
    });
    this.probe = setInterval(() => this.pingNodesWithPendingCalls(), PROBE_INTERVAL_MS);
    this.probe.unref();
    // Held, never answered: while this node lives, asking about it costs one delivery.
    client?.subscribe(this.aliveSubject(nodeID));
    this.aliveProbe = setInterval(() => this.askWhoIsAlive(), ALIVE_INTERVAL_MS);
    this.aliveProbe.unref();
  }

  override async disconnect(): Promise<void> {
    clearInterval(this.probe);
    clearInterval(this.aliveProbe);
    return super.disconnect();
  }

  override async send(topic: string, data: Buffer, meta: GenericObject): Promise<void> {
    const packet = meta?.packet as { type: string; target?: string; payload: GenericObject };
    const { client, nodeID } = this.internals;
    const targeted = packet?.target && (packet.type === "REQ" || packet.type === "PING");
    if (!client || !targeted) return super.send(topic, data, meta);
    const requestId = packet.type === "REQ" ? String(packet.payload.id) : "";
    const reply = `${REPLY_ROOT}.${token(nodeID)}.${token(packet.target!)}.${token(requestId || "-")}`;
    client.publish(topic, data, { reply });
  }

  private undelivered(msg: Msg): void {
    if (msg.headers?.code !== 503) return;
    const [, , , target, request] = msg.subject.split(".");
    const nodeID = fromToken(target);
    const { transit, broker } = this.internals;
    const requestId = fromToken(request);
    const pending = transit.pendingRequests.get(requestId);
    if (pending) {
      transit.pendingRequests.delete(requestId);
      pending.reject(new UndeliveredError(nodeID));
    }
    const node = broker.registry.nodes.get(nodeID);
    if (node?.available) {
      broker.logger.warn(`Node '${nodeID}' is gone: its subject has no subscriber.`);
      broker.registry.nodes.disconnected(nodeID, true);
    }
  }

  private aliveSubject(nodeID: string): string {
    return `${ALIVE_ROOT}.${token(this.internals.prefix)}.${token(nodeID)}`;
  }

  /**
   * Publishes to each other available node's liveness subject with a reply subject: the server
   * answers "503 no responders" at once for a node whose connection closed, and `undelivered`
   * takes it out of the registry, as for a call.
   */
  private askWhoIsAlive(): void {
    const { client, nodeID, broker } = this.internals;
    if (!client || !this.internals.connected) return;
    for (const node of broker.registry.nodes.toArray()) {
      if (node.local || !node.available || !node.metadata?.[ALIVE_METADATA]) continue;
      const reply = `${REPLY_ROOT}.${token(nodeID)}.${token(node.id)}.${token("-")}`;
      client.publish(this.aliveSubject(node.id), new Uint8Array(0), { reply });
    }
  }

  /**
   * Pings the nodes of calls pending for a whole probe interval. Calls that finish quicker (all
   * of them, on a healthy cluster) cost no ping.
   */
  private pingNodesWithPendingCalls(): void {
    const { transit } = this.internals;
    const slowNodes = new Set<string>();
    for (const [id, req] of transit.pendingRequests)
      if (this.pendingBefore.has(id)) slowNodes.add(req.nodeID);
    this.pendingBefore = new Set(transit.pendingRequests.keys());
    for (const nodeID of slowNodes) transit.sendPing(nodeID).catch(() => undefined);
  }
}
