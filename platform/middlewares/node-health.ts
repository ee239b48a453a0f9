import { createServer, type Server } from "node:http";
import type { Middleware, ServiceBroker } from "moleculer";
import { nodeReadiness } from "../runtime/node-health";

/** Serves this node's liveness and readiness on `port` (`HEALTH_PORT`); nothing when unset. */
export function NodeHealthMiddleware(port: number | undefined): Middleware {
  let server: Server | undefined;
  return {
    name: "NodeHealth",
    started(broker: ServiceBroker) {
      if (port === undefined) return;
      server = createServer((req, res) => {
        const answer = (code: number, body: unknown) => {
          res.writeHead(code, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (req.url === "/health/live") return answer(200, { status: "up" });
        if (req.url !== "/health/ready") return answer(404, { status: "not found" });
        nodeReadiness(broker).then(
          (report) => answer(report.status === "up" ? 200 : 503, report),
          () => answer(503, { status: "down" }),
        );
      });
      return new Promise<void>((resolve) => server!.listen(port, resolve));
    },
    stopped() {
      return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  } as unknown as Middleware;
}
