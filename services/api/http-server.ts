import { createServer, type RequestListener, type Server } from "node:http";
import { failFastListen } from "../../platform/runtime/port-in-use";

/**
 * The gateway's HTTP server, with timeouts that a slow client cannot stretch: headers and the
 * whole request must arrive in time, checked every second (Node checks every 30 s by default).
 */
export function gatewayServer(
  settings: { port: number; gatewayHeadersTimeoutMs: number; gatewayRequestTimeoutMs: number },
  handler: RequestListener,
): Server {
  const server = createServer(
    {
      headersTimeout: settings.gatewayHeadersTimeoutMs,
      requestTimeout: settings.gatewayRequestTimeoutMs,
      connectionsCheckingInterval: 1000,
    },
    handler,
  );
  return failFastListen(server, settings.port, "PORT");
}
