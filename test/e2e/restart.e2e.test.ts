import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { client, uniqueEmail } from "../harness/http";
import { startSystem } from "../harness/system";

describe("an embedded node restarted on the same data dir", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bazaar-restart-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test("When it comes back, then accounts, keys and issued tokens still work", async () => {
    const email = uniqueEmail();
    const before = await startSystem({ DATA_DIR: dataDir });
    const api = client(before.baseUrl);
    const reg = await api.post("/api/v1/auth/register", {
      email,
      password: "correct-horse",
      name: "Dee",
    });
    const key = await api.post("/api/v1/api-keys", { name: "kept" }, { token: reg.body.token });
    await before.stop();

    const after = await startSystem({ DATA_DIR: dataDir });
    try {
      const again = client(after.baseUrl);
      expect((await again.get("/api/v1/users/me", { token: reg.body.token })).status).toBe(200);
      expect((await again.get("/api/v1/users/me", { apiKey: key.body.key })).status).toBe(200);
      const login = await again.post("/api/v1/auth/login", { email, password: "correct-horse" });
      expect(login.status).toBe(200);
      const dup = await again.post("/api/v1/auth/register", {
        email,
        password: "correct-horse",
        name: "Dee",
      });
      expect(dup.status).toBe(409);
    } finally {
      await after.stop();
    }
  });
});
