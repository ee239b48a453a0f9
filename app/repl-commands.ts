import type { ServiceBroker } from "moleculer";
import { asOperator } from "../platform/actions/access";
import { listDeadLetters, replayDeadLetter } from "../platform/messaging/dead-letters";
import { Action } from "../contracts/actions";

/**
 * Commands for operators in the Moleculer REPL (`npm run repl`), on any node of the cluster:
 *   order <id>    an order (by its id, or a prefix of 8 or more characters), its lines, its saga
 *                 history and what still waits
 *   stock <sku>   a product's stock, by SKU
 *   outbox        orders whose events or follow-up steps still wait, and orders still PENDING
 *   cluster       nodes, what each hosts, and its CPU and memory
 *   deadletters   the newest dead letters (JetStream); `replay <seq>` puts one back
 *   reindex       tells the search index every product and course again (search keeps answering)
 * Each prints plain lines (and returns them, for tests).
 */
export interface ReplCommand {
  command: string;
  description: string;
  action(broker: ServiceBroker, args: Record<string, unknown>): Promise<string[]>;
}

const operator = asOperator("repl-operator");

function print(lines: string[]): string[] {
  // eslint-disable-next-line no-console
  for (const line of lines) console.log(line);
  return lines;
}

/** A failed call says why in one line (not found, not available), not as a stack trace. */
async function attempt(work: () => Promise<string[]>): Promise<string[]> {
  try {
    return print(await work());
  } catch (err) {
    return print([`error: ${(err as Error).message}`]);
  }
}

interface OrderView {
  id: string;
  status: string;
  userId: string;
  total: number;
  currency: string;
  items: { sku?: string; name?: string; productId: string; quantity: number }[];
  history: { status: string; at: string }[];
  pendingEffects: string[];
  unsentEvents: string[];
}

interface NodeHealth {
  cpu: { utilization: number };
  process: { memory: { rss: number } };
}

export const REPL_COMMANDS: ReplCommand[] = [
  {
    command: "reindex",
    description: "Tell the search index every product and course again; search keeps answering",
    action: (broker) =>
      attempt(async () => {
        const { products, courses } = await broker.call<
          { products: number; courses: number },
          Record<string, never>
        >(Action.search.rebuild, {}, { ...operator, timeout: 10 * 60_000 });
        return [`reindexed ${products} products and ${courses} courses`];
      }),
  },
  {
    command: "order <id>",
    description: "An order, its lines and its saga history",
    action: (broker, args) =>
      attempt(async () => {
        const order = await broker.call<OrderView, { id: string }>(
          Action.orders.inspect,
          { id: String(args.id).replace(/…$/, "") },
          operator,
        );
        return [
          `order ${order.id}  ${order.status}  ${order.total} ${order.currency}  user ${order.userId}`,
          ...order.items.map((i) => `  ${i.quantity} × ${i.name ?? i.sku ?? ""} (${i.productId})`),
          `waiting: effects [${order.pendingEffects.join(", ")}], events [${order.unsentEvents.join(", ")}]`,
          "history:",
          ...order.history.map((h) => `  ${h.at}  ${h.status}`),
        ];
      }),
  },
  {
    command: "stock <sku>",
    description: "Stock of a product, by SKU",
    action: (broker, args) =>
      attempt(async () => {
        const sku = String(args.sku);
        const product = await broker.call<
          { id: string; sku: string; name: string; stock: number; active: boolean } | null,
          { sku: string }
        >(Action.catalog.bySku, { sku });
        if (!product) return [`no product with SKU ${sku}`];
        return [
          `${product.sku}  ${product.name}  stock ${product.stock}${product.active ? "" : "  (inactive)"}  id ${product.id}`,
        ];
      }),
  },
  {
    command: "outbox",
    description: "Orders whose events or follow-up steps still wait, and orders still PENDING",
    action: (broker) =>
      attempt(async () => {
        const backlog = await broker.call<Record<string, number>>(Action.orders.backlog);
        return Object.entries(backlog).map(([name, n]) => `${name.padEnd(26)} ${n}`);
      }),
  },
  {
    command: "deadletters",
    description: "The newest messages parked in the dead-letter channel",
    action: (broker) =>
      attempt(async () => {
        const letters = await listDeadLetters(broker);
        if (!letters.length) return ["no dead letters"];
        return letters.map(
          (l) => `#${l.seq}  ${l.at}  ${l.channel} (group ${l.group})  ${l.type} ${l.id}`,
        );
      }),
  },
  {
    command: "replay <seq>",
    description: "Put dead letter <seq> back on its channel (consumers skip what they handled)",
    action: (broker, args) =>
      attempt(async () => {
        const letter = await replayDeadLetter(broker, Number(args.seq));
        return [`replayed #${letter.seq} (${letter.type} ${letter.id}) to ${letter.channel}`];
      }),
  },
  {
    command: "cluster",
    description: "Nodes, what each hosts, and its CPU and memory",
    action: (broker) =>
      attempt(async () => {
        const registry = broker.registry as unknown as {
          getNodeList(
            o: object,
          ): { id: string; available: boolean; services?: { name: string }[] }[];
        };
        const nodes = registry.getNodeList({ onlyAvailable: true, withServices: true });
        return Promise.all(
          nodes.map(async (node) => {
            const services = (node.services ?? [])
              .map((s) => s.name)
              .filter((n) => !n.startsWith("$"))
              .join(",");
            const health = await broker
              .call<NodeHealth, Record<string, never>>(
                "$node.health",
                {},
                { nodeID: node.id, timeout: 2000 },
              )
              .catch(() => undefined);
            const load = health
              ? `cpu ${health.cpu.utilization} %  rss ${Math.round(health.process.memory.rss / 2 ** 20)} MB`
              : "no answer";
            return `${node.id.padEnd(24)} ${load.padEnd(26)} ${services}`;
          }),
        );
      }),
  },
];
