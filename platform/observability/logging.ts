import type { LoggerConfig } from "moleculer";
import { inspect } from "node:util";
import { currentContext } from "./request-context";

type Level = "fatal" | "error" | "warn" | "info" | "debug" | "trace";
type Bindings = { nodeID: string; ns: string; mod: string; svc?: string };

function message(args: unknown[]): string {
  return args
    .map((a) => (typeof a === "string" ? a : inspect(a, { depth: 3, breakLength: Infinity })))
    .join(" ");
}

/** One JSON object a line, with the request id of the action that logged it. */
function jsonLine(level: Level, args: unknown[], bindings: Bindings): string[] {
  const ctx = currentContext();
  return [
    JSON.stringify({
      time: new Date().toISOString(),
      level,
      node: bindings.nodeID,
      module: bindings.mod,
      requestId: ctx?.requestID ?? undefined,
      msg: message(args),
    }),
  ];
}

/** `[12:00:00.000Z] INFO  USERS [req-id]: …` for people at a terminal. */
function readableLine(level: Level, args: unknown[], bindings: Bindings): string[] {
  const ctx = currentContext();
  const request = ctx?.requestID ? ` [${ctx.requestID}]` : "";
  return [
    `[${new Date().toISOString().substring(11)}] ${level.toUpperCase().padEnd(5)} ${bindings.mod.toUpperCase()}${request}:`,
    message(args),
  ];
}

export function loggerConfig(production: boolean, level: Level): LoggerConfig {
  return {
    type: "Console",
    options: {
      level,
      colors: false,
      formatter: production ? jsonLine : readableLine,
    },
  } as LoggerConfig;
}
