import type { Server } from "node:http";
import { MetricReporters, type ServiceBroker } from "moleculer";
import { StartupError } from "./startup-error";

/**
 * A port another process holds: one clear line naming the setting, never Node's raw EADDRINUSE
 * trace (a second node, or `npm run repl` beside a running one, met that before).
 */
export class PortInUseError extends StartupError {
  constructor(port: number, variable: string) {
    super(`Port ${port} is in use (another node on this machine?): set ${variable} to a free one.`);
    this.name = "PortInUseError";
  }
}

const isPortInUse = (err: unknown) => (err as NodeJS.ErrnoException)?.code === "EADDRINUSE";

/**
 * moleculer-web listens with a callback that only 'listening' calls, so a port in use left the
 * gateway's start waiting for ever. Here the callback also hears the error.
 */
export function failFastListen(server: Server, port: number, variable: string): Server {
  const listen = server.listen.bind(server) as (...args: unknown[]) => Server;
  server.listen = ((...args: unknown[]) => {
    const done = args.at(-1) as (err?: Error) => void;
    const failed = (err: Error) =>
      done(isPortInUse(err) ? new PortInUseError(port, variable) : err);
    server.once("error", failed);
    return listen(...args.slice(0, -1), () => {
      server.off("error", failed);
      done();
    });
  }) as Server["listen"];
  return server;
}

/** Moleculer's Prometheus reporter, which otherwise crashes on a port in use with a raw trace. */
export class PrometheusReporter extends MetricReporters.Prometheus {
  override init(registry: unknown): void {
    super.init(registry as never);
    const self = this as unknown as {
      server: Server;
      opts: { port: number };
      registry: { broker: ServiceBroker };
    };
    self.server.on("error", (err) => {
      if (!isPortInUse(err)) throw err;
      self.registry.broker.logger.fatal(new PortInUseError(self.opts.port, "METRICS_PORT").message);
      process.exit(1);
    });
  }
}
