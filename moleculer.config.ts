import path from "node:path";
import { createBrokerConfig } from "./broker.config";
import { assertDataDirFree } from "./platform/data/data-dir-lock";
import { serviceFile } from "./platform/runtime/service-module";

/**
 * What moleculer-runner loads: the files of the services this node hosts, by `app/services.ts`.
 * The runner reads `SERVICES` itself and would look for `<name>.service.js` (and knows nothing of
 * groups), so the list becomes the matching `.ts` files here.
 */
const config = createBrokerConfig(process.env);
// Before any port is bound: a second embedded node (`npm run repl` beside `npm start`) is told
// why it cannot start, instead of failing on a port with a stack trace.
if (!config.bazaar?.dbUri) assertDataDirFree(config.bazaar!.dataDir);
process.env.SERVICES = config
  .bazaar!.services.map((name) => serviceFile(path.join(__dirname, "services"), name))
  .join(",");
// The runner overwrites any option named by an environment variable: it would swap the
// fail-fast transporter built from TRANSPORTER for a plain one.
delete process.env.TRANSPORTER;

export default config;
