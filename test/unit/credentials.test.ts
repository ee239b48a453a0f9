import jwt from "jsonwebtoken";
import { signAccessToken, verifyAccessToken } from "../../platform/actions/jwt";
import {
  apiKeyMatches,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
} from "../../services/users/key-format";
import { hashPassword, spendPasswordCheck, verifyPassword } from "../../services/users/passwords";

const SECRET = "k".repeat(40);

describe("passwords", () => {
  test("When a password is hashed, then only that password verifies, and two hashes of it differ", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("correct horse!", hash)).toBe(false);
    expect(await hashPassword("correct horse")).not.toBe(hash);
  });

  test("When a stored hash is not ours, then nothing verifies against it", async () => {
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
    expect(await verifyPassword("x", "")).toBe(false);
  });

  test("When an unknown e-mail logs in, then the check still runs and fails", async () => {
    expect(await spendPasswordCheck("anything")).toBe(false);
  });
});

describe("access tokens", () => {
  test("When a token is signed, then it verifies to its subject and roles", () => {
    const token = signAccessToken({ id: "u1", roles: ["admin"] }, SECRET, 60);
    const subject = verifyAccessToken(token, SECRET);
    expect(subject).toMatchObject({ id: "u1", roles: ["admin"], sessionVersion: 0 });
    // Its expiry is read back, so a live socket can close when the token stops being good.
    expect(subject!.expiresAt! - Date.now() / 1000).toBeGreaterThan(55);
    expect(subject!.expiresAt! - Date.now() / 1000).toBeLessThanOrEqual(60);
  });

  test("When a token uses another algorithm, secret, issuer or is expired, then it is refused", () => {
    const base = { subject: "u1", issuer: "bazaar", audience: "bazaar-api" };
    expect(
      verifyAccessToken(jwt.sign({}, SECRET, { ...base, algorithm: "HS512" }), SECRET),
    ).toBeNull();
    expect(verifyAccessToken(jwt.sign({}, "x".repeat(40), base), SECRET)).toBeNull();
    expect(
      verifyAccessToken(jwt.sign({}, SECRET, { ...base, issuer: "other" }), SECRET),
    ).toBeNull();
    expect(verifyAccessToken(jwt.sign({}, SECRET, { ...base, expiresIn: -1 }), SECRET)).toBeNull();
    expect(
      verifyAccessToken(jwt.sign({}, SECRET, { issuer: "bazaar", audience: "bazaar-api" }), SECRET),
    ).toBeNull();
    expect(verifyAccessToken("a.b.c", SECRET)).toBeNull();
  });
});

describe("API keys", () => {
  test("When a key is made, then its prefix finds it and only its hash matches it", () => {
    const { key, prefix, hash } = generateApiKey();
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).not.toContain(key.slice(13));
    expect(apiKeyMatches(key, hash)).toBe(true);
    expect(apiKeyMatches(key + "x", hash)).toBe(false);
    expect(generateApiKey().key).not.toBe(key);
  });

  test("When a key is malformed, then it has no prefix and never reaches the store", () => {
    for (const bad of [
      "",
      "bzr_",
      "bzr_abc_def",
      "xyz_aaaaaaaa_" + "a".repeat(32),
      "bzr_aaaaaaaa_" + "a".repeat(33),
    ])
      expect(apiKeyPrefix(bad)).toBeNull();
  });
});
