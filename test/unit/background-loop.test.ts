import { ServiceBroker } from "moleculer";
import { BackgroundLoop } from "../../platform/messaging/background-loop";

const logger = new ServiceBroker({ logger: false }).getLogger("loop");

describe("a background loop", () => {
  test("When it is woken during a pass, then another pass follows at once, not after the interval", async () => {
    const passes: number[] = [];
    let release!: () => void;
    const loop = new BackgroundLoop(
      "test",
      60_000,
      async () => {
        passes.push(Date.now());
        if (passes.length === 1) await new Promise<void>((r) => (release = r));
      },
      logger,
    );
    loop.start();
    loop.wake();
    while (passes.length === 0) await new Promise((r) => setTimeout(r, 5));
    loop.wake(); // work that came after the first pass read its own
    release();
    while (passes.length < 2) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    expect(passes).toHaveLength(2);
  });

  test("When it is woken before it starts, then nothing runs until the start", async () => {
    let passes = 0;
    const loop = new BackgroundLoop("test", 60_000, async () => void passes++, logger);
    loop.wake();
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toBe(0);
    loop.start();
    while (passes === 0) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    expect(passes).toBe(1);
  });
});
