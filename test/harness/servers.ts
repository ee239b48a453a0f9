import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * Real servers for the tests that need them, each on a free port in its own temp dir, always
 * stopped afterwards. Missing binaries fail the run under CI=true; on a laptop those tests are
 * skipped, loudly.
 */
export function hasBinary(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

export function describeWith(binaries: string[]): jest.Describe {
  const missing = binaries.filter((b) => !hasBinary(b));
  if (missing.length === 0) return describe;
  const message = `${missing.join(", ")} not installed: run scripts/install-servers.sh`;
  if (process.env.CI === "true") throw new Error(`CI needs ${message}`);
  // eslint-disable-next-line no-console
  console.warn(`\n*** SKIPPING tests that need real servers: ${message} ***\n`);
  return describe.skip;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

export interface RunningServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
  /** Stops it but keeps its data, for `start()` to bring it back on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

function ended(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}

async function startServer(
  name: string,
  scheme: string,
  args: (port: number, dir: string) => string[],
): Promise<RunningServer> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), `bazaar-${name}-`));
  const launch = async () => {
    const child = spawn(name, args(port, dir), { stdio: "ignore" });
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port, 10_000), exited]);
    return child;
  };
  const server: RunningServer = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    process: await launch(),
    async pause() {
      await ended(server.process);
    },
    async resume() {
      server.process = await launch();
    },
    async stop() {
      await ended(server.process);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** NATS with JetStream; `maxFileStoreMb` limits its storage, as a shared server's is. */
export function startNats(options: { maxFileStoreMb?: number } = {}): Promise<RunningServer> {
  return startServer("nats-server", "nats", (port, dir) => {
    const listen = ["-a", "127.0.0.1", "-p", String(port)];
    if (options.maxFileStoreMb === undefined) return [...listen, "-js", "-sd", dir];
    const config = path.join(dir, "nats.conf");
    const limit = options.maxFileStoreMb * 1024 * 1024;
    writeFileSync(config, `jetstream { store_dir: "${dir}", max_file_store: ${limit} }\n`);
    return [...listen, "-c", config];
  });
}

export function startRedis(): Promise<RunningServer> {
  return startServer("redis-server", "redis", (port, dir) => [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ]);
}
