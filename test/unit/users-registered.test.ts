import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { createBrokerConfig } from "../../broker.config";
import type { ChannelMessage } from "../../platform/messaging/channels";
import UsersService from "../../services/users/users.service";

describe("the users.registered channel", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-registered-"));
  const heard: ChannelMessage[] = [];
  const broker = new ServiceBroker({
    ...createBrokerConfig({ DATA_DIR: dataDir, LOG_LEVEL: "fatal" }),
    metrics: false,
  });
  broker.createService(UsersService as unknown as ServiceSchema);
  broker.createService({
    name: "listener",
    channels: {
      "users.registered": {
        group: "listener",
        handler(ctx: { params: ChannelMessage }) {
          heard.push(ctx.params);
        },
      },
    },
  });
  beforeAll(() => broker.start());
  afterAll(async () => {
    await broker.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("When someone registers, then users.registered carries them, once, in the message shape of §6, with its version", async () => {
    const { user } = await broker.call<{ user: { id: string } }, object>("users.register", {
      email: "heard@example.com",
      password: "correct-horse",
      name: "Heard",
    });
    for (let i = 0; i < 40 && heard.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 700)); // a second relay pass must not publish it again
    expect(heard).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        type: "users.registered",
        version: 1,
        ts: expect.any(String),
        data: {
          userId: user.id,
          email: "heard@example.com",
          name: "Heard",
          roles: ["customer"],
          createdAt: expect.any(String),
        },
      },
    ]);
  });
});
