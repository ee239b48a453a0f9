import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The floors (docs/architecture.md): a service reaches another only through contracts/ and a
 * call or a channel, never by importing its folder; the platform knows no mixin, and neither
 * knows a service or the composition root (app/, broker.config.ts, moleculer.config.ts); contracts/
 * imports nothing of ours.
 */
const SERVICES = readdirSync(fileURLToPath(new globalThis.URL("./services", import.meta.url)), {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
/** app/ and its two entry points at the top, where the design card puts them. */
const COMPOSITION_ROOT = ["**/app", "**/app/**", "**/broker.config", "**/moleculer.config"];
const layerRule = (files, group, message) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns: [{ group, message }] }] },
});
const layerRules = [
  ...SERVICES.map((name) =>
    layerRule(
      [`services/${name}/**/*.ts`],
      [
        ...SERVICES.filter((other) => other !== name).flatMap((other) => [
          `../${other}`,
          `../${other}/**`,
          `**/services/${other}`,
          `**/services/${other}/**`,
        ]),
        ...COMPOSITION_ROOT,
      ],
      `services/${name} reaches another service through contracts/ and a call or a channel`,
    ),
  ),
  layerRule(
    ["platform/**/*.ts"],
    ["**/services", "**/services/**", "**/mixins", "**/mixins/**", ...COMPOSITION_ROOT],
    "The platform knows no mixin, no service and no composition root: mixins build on it",
  ),
  layerRule(
    ["mixins/**/*.ts"],
    ["**/services", "**/services/**", ...COMPOSITION_ROOT],
    "A mixin knows no service and no composition root",
  ),
  layerRule(
    ["contracts/**/*.ts"],
    ["../*", "../**"],
    "contracts/ holds types and constants, and imports nothing of ours",
  ),
];

export default tseslint.config(
  // bench/peers/ are the outside peers, copied as they are so a ratio means the same there.
  { ignores: ["node_modules/", "data/", "coverage/", "**/*.js", "bench/peers/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "no-console": "error",
    },
  },
  {
    // `map[name] ?? fallback` reads through Object.prototype when `name` is "constructor" or
    // "toString" (a user's category, a card token): code that serves reads a map keyed by names
    // with ownValue (platform/data/own-value.ts), or keeps it in a Map.
    files: [
      "contracts/**/*.ts",
      "platform/**/*.ts",
      "mixins/**/*.ts",
      "services/**/*.ts",
      "app/**/*.ts",
    ],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "LogicalExpression[operator='??'] > MemberExpression.left[computed=true][property.type='Identifier']",
          message:
            "A computed read with a fallback reads inherited names: use ownValue(map, key), or a Map",
        },
      ],
    },
  },
  ...layerRules,
  {
    // Benchmarks and scripts exist to print what they measured or did.
    files: ["bench/**/*.ts", "scripts/**/*.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Plain Node scripts (ESM where a package is ESM only): they print their result.
    files: ["test/fixtures/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
    rules: { "no-console": "off" },
  },
  {
    // Tests read JSON answers whose shape is what they assert.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
