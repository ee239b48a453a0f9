import { client, type Client } from "./http";
import { ROOT, startNodeProcess, waitFor, type NodeProcess } from "./node-process";
import { freePort } from "./servers";

/**
 * A node started as `npm start` starts one, on free ports, handed back once it serves: its own
 * readiness (`ready`), or every routed service up (`up`). Its output comes with any failure.
 */
export async function startServingNode(
  env: Record<string, string>,
  options: { until?: "ready" | "up"; root?: string; timeoutMs?: number } = {},
): Promise<NodeProcess & { api: Client; url: string }> {
  const { until = "ready", root = ROOT, timeoutMs = 60_000 } = options;
  const port = await freePort();
  const node = startNodeProcess(
    { PORT: String(port), METRICS_PORT: String(await freePort()), ...env },
    root,
  );
  const api = client(`http://127.0.0.1:${port}`);
  const serves =
    until === "ready"
      ? async () => (await api.get("/health/ready")).status === 200
      : async () => (await api.get("/health")).body?.status === "up";
  await waitFor(serves, timeoutMs, "the node").catch((err: Error) => {
    throw new Error(`${err.message}\n${node.output()}`);
  });
  return Object.assign(node, { api, url: `http://127.0.0.1:${port}` });
}
