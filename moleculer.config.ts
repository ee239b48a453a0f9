import path from "node:path";
import { createBrokerConfig } from "./broker.config";
import { assertDataDirFree } from "./platform/data/data-dir-lock";
import { ALL_SERVICES } from "./app/settings";

/**
 * What moleculer-runner loads. The runner reads `SERVICES` itself and would look for
 * `<name>.service.js`, so a list of names becomes the matching `.ts` files here.
 */
const config = createBrokerConfig(process.env);
// Before any port is bound: a second embedded node (`npm run repl` beside `npm start`) is told
// why it cannot start, instead of failing on a port with a stack trace.
if (!config.bazaar?.dbUri) assertDataDirFree(config.bazaar!.dataDir);
const services = config.bazaar?.services ?? ALL_SERVICES;
if (services.length !== ALL_SERVICES.length) {
  process.env.SERVICES = services
    .map((name) => path.join(__dirname, "services", name, `${name}.service.ts`))
    .join(",");
} else {
  delete process.env.SERVICES;
}
// The runner overwrites any option named by an environment variable: it would swap the
// fail-fast transporter built from TRANSPORTER for a plain one.
delete process.env.TRANSPORTER;

export default config;
