/**
 * Policy decisions on one node, in alternating rounds, p50 and p99 of each:
 * - cold: every question new to the engine (a WebAssembly call), with the shipped set and with
 *   a 100-policy set (the shipped ones and more, each a realistic forbid);
 * - gateway-like: the 100-policy set with the node's decision memory, where 90 % of questions
 *   were asked before (the same user, route and address) and 10 % are new.
 * Then flag evaluations per second through the OpenFeature client, beside the flag engine
 * called directly, in a process of their own (see BENCHMARKS.md for why).
 *
 *   npm run bench:policy
 *   ROUNDS=5 DECISIONS=20000 npm run bench:policy
 */
import { spawnSync } from "node:child_process";
import { POLICY_SCHEMA, type PolicyQuery } from "../contracts/policies";
import type { FlagDefinition } from "../contracts/flags";
import { principalEntity } from "../mixins/policy-client.mixin";
import { evaluate } from "../platform/flags/flag-engine";
import { FlagSet, flagClient } from "../platform/flags/flag-provider";
import {
  DECISION_CACHE_SIZE,
  ipValue,
  PolicyEngine,
  type PolicyText,
} from "../platform/policy/policy-engine";
import { SHIPPED_POLICIES } from "../services/policies/shipped";
import { median } from "../test/harness/stats";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DECISIONS = Number(process.env.DECISIONS ?? 10_000);

const ROUTES = [
  "catalog.get",
  "orders.get",
  "orders.cancel",
  "users.me",
  "audit.list",
  "courses.update",
];

/** 91 more policies of the kinds a shop writes: fenced routes, fenced users, big orders. */
function moreSet(): PolicyText[] {
  const more: PolicyText[] = [];
  for (let i = 0; more.length < 100 - SHIPPED_POLICIES.length; i++) {
    const kind = i % 3;
    more.push({
      id: `extra-${i}`,
      text:
        kind === 0
          ? `forbid (principal, action == Action::"request", resource == Route::"report.${i}") unless { principal.roles.contains("admin") };`
          : kind === 1
            ? `forbid (principal, action == Action::"request", resource) when { principal.userId == "usr_blocked_${i}" };`
            : `forbid (principal, action == Action::"orders.cancel", resource is Order) when { resource.total > ${100_000 + i} && resource.status == "SHIPPED" };`,
    });
  }
  return [...SHIPPED_POLICIES, ...more];
}

function queries(): PolicyQuery[] {
  return Array.from({ length: 64 }, (_, i) => ({
    principal: principalEntity({ id: `usr_${i}`, roles: i % 5 === 0 ? ["admin"] : ["customer"] }),
    action: "request",
    resource: {
      type: "Route",
      id: ROUTES[i % ROUTES.length],
      attrs: {
        access: i % 5 === 0 ? "admin" : "user",
        service: ROUTES[i % ROUTES.length].split(".")[0],
      },
    },
    context: { ip: ipValue(`10.0.${i}.1`), method: "GET" },
  }));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function decide(engine: PolicyEngine, asked: PolicyQuery[]): { p50: number; p99: number } {
  const times: number[] = [];
  for (let i = 0; i < DECISIONS; i++) {
    const start = process.hrtime.bigint();
    engine.decide(asked[i % asked.length]);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function flagsPerSecond(): Promise<{ client: number; engine: number }> {
  const set = new FlagSet();
  const flags: FlagDefinition[] = Array.from({ length: 50 }, (_, i) => ({
    key: `flag-${i}`,
    kind: "boolean",
    enabled: true,
    default: false,
    rules: [{ attribute: "country", in: ["DE", "FR"], serve: true }],
    rollout: { percent: 10, serve: true },
    version: i + 1,
    updatedAt: "",
  }));
  set.replace(flags, 50);
  const client = flagClient("bench", set);
  const n = DECISIONS * 5;
  let start = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    await client.getBooleanValue(`flag-${i % 50}`, false, {
      targetingKey: `usr_${i}`,
      country: "US",
    });
  const viaClient = n / (Number(process.hrtime.bigint() - start) / 1e9);
  start = process.hrtime.bigint();
  for (let i = 0; i < n; i++)
    evaluate(flags[i % 50], { userId: `usr_${i}`, roles: [], country: "US" });
  const direct = n / (Number(process.hrtime.bigint() - start) / 1e9);
  return { client: viaClient, engine: direct };
}

/** 90 % of questions asked before, 10 % new: a busy gateway's mix. */
function gatewayLike(engine: PolicyEngine, asked: PolicyQuery[]): { p50: number; p99: number } {
  const times: number[] = [];
  for (let i = 0; i < DECISIONS; i++) {
    const query =
      i % 10 === 0
        ? {
            ...asked[0],
            principal: principalEntity({
              id: `usr_new_${i}_${Math.random()}`,
              roles: ["customer"],
            }),
          }
        : asked[i % asked.length];
    const start = process.hrtime.bigint();
    engine.decide(query);
    times.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function flagsOnly(): Promise<void> {
  const runs: { client: number; engine: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) runs.push(await flagsPerSecond());
  const of = (field: "client" | "engine") => Math.round(median(runs.map((r) => r[field])));
  process.stdout.write(
    `flags, medians of ${ROUNDS} rounds (50 flags, a rule and a 10 % rollout each): ${of("client")}/s through OpenFeature, ${of("engine")}/s calling the engine directly (ratio ${(of("client") / of("engine")).toFixed(2)})\n`,
  );
}

function engineOf(policies: PolicyText[], cacheSize: number): PolicyEngine {
  const engine = new PolicyEngine(POLICY_SCHEMA, cacheSize);
  const problems = engine.load(policies, 1);
  if (problems.length) throw new Error(problems.join("; "));
  return engine;
}

async function main(): Promise<void> {
  if (process.argv[2] === "flags") return flagsOnly();
  const shipped = engineOf(SHIPPED_POLICIES, 0);
  const hundred = engineOf(moreSet(), 0);
  const remembering = engineOf(moreSet(), DECISION_CACHE_SIZE);
  const asked = queries();
  decide(shipped, asked); // warm up
  decide(hundred, asked);
  gatewayLike(remembering, asked);
  const runs: Record<string, { p50: number; p99: number }[]> = {
    shipped: [],
    hundred: [],
    gateway: [],
  };
  const us = (r: { p50: number; p99: number }) =>
    `p50 ${r.p50.toFixed(1)} µs, p99 ${r.p99.toFixed(1)} µs`;
  for (let round = 1; round <= ROUNDS; round++) {
    runs.shipped.push(decide(shipped, asked));
    runs.hundred.push(decide(hundred, asked));
    runs.gateway.push(gatewayLike(remembering, asked));
    process.stdout.write(
      `round ${round}: cold, shipped set ${us(runs.shipped.at(-1)!)}; cold, 100 policies ${us(runs.hundred.at(-1)!)}; gateway-like, 100 policies ${us(runs.gateway.at(-1)!)}\n`,
    );
  }
  const of = (name: string) => ({
    p50: median(runs[name].map((r) => r.p50)),
    p99: median(runs[name].map((r) => r.p99)),
  });
  process.stdout.write(
    `\nmedians of ${ROUNDS} rounds, ${DECISIONS} decisions each:\n` +
      `  cold, shipped set (${SHIPPED_POLICIES.length} policies): ${us(of("shipped"))}\n` +
      `  cold, 100 policies: ${us(of("hundred"))} (p99 ${(of("hundred").p99 / of("shipped").p99).toFixed(2)} × the shipped set's)\n` +
      `  gateway-like (90 % asked before), 100 policies: ${us(of("gateway"))}\n`,
  );
  const flags = spawnSync(process.execPath, ["--import", "tsx", __filename, "flags"], {
    env: process.env,
    encoding: "utf8",
  });
  process.stdout.write(flags.stdout + flags.stderr);
}

void main();
