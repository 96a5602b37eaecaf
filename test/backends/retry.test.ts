import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { createImageService } from "../../provider/backends";
import { ImageServiceError, unreachableCode } from "../../provider/backends/errors";
import { retryPolicy, withOperationDeadline, withRetry } from "../../provider/backends/retry";
import { openEmulator } from "../../provider/backends/emulator";

const throttled = () => new ImageServiceError("throttled", "slow down");
const noWait = { baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

describe("the one retry layer", () => {
  it("retries throttling and transient errors until success, within maxAttempts", async () => {
    let n = 0;
    assert.equal(await withRetry(async () => (++n < 3 ? Promise.reject(throttled()) : "ok"), noWait), "ok");
    assert.equal(n, 3);
    n = 0;
    await assert.rejects(withRetry(async () => (n++, Promise.reject(throttled())), { ...noWait, maxAttempts: 2 }), /slow down/);
    assert.equal(n, 2, "two attempts, no third");
  });

  it("never retries an error that is not retryable", async () => {
    let n = 0;
    await assert.rejects(withRetry(async () => (n++, Promise.reject(new ImageServiceError("forbidden", "no"))), noWait), /no/);
    assert.equal(n, 1);
  });

  it("bounds every retry of an operation by its one deadline", async () => {
    let n = 0;
    const start = Date.now();
    await assert.rejects(
      withOperationDeadline(50, () => withRetry(async () => (n++, Promise.reject(throttled())), { baseDelayMs: 5, maxDelayMs: 10, deadlineMs: 60_000 })),
      /slow down/,
    );
    assert.ok(n > 1, "retried within the deadline");
    // Not a timing assertion on the suite: the operation stopped long before the request deadline.
    assert.ok(Date.now() - start < 30_000);
    n = 0;
    await assert.rejects(withOperationDeadline(0, () => withRetry(async () => (n++, Promise.reject(throttled())), noWait)), /slow down/);
    assert.equal(n, 1, "a spent deadline allows no retry");
  });

  it("gives a request to an endpoint it cannot reach its short connect deadline, not the throttling deadline", async () => {
    const refused = () => new ImageServiceError("transient", "connect ECONNREFUSED", { unreachable: "ECONNREFUSED" });
    const dropped = () => new ImageServiceError("transient", "socket hang up");
    let n = 0;
    await assert.rejects(withRetry(async () => (n++, Promise.reject(refused())), { ...noWait, maxAttempts: 5, connectDeadlineMs: 0 }), /ECONNREFUSED/);
    assert.equal(n, 1, "past its connect deadline: not retried");
    n = 0;
    await assert.rejects(withRetry(async () => (n++, Promise.reject(dropped())), { ...noWait, maxAttempts: 5, connectDeadlineMs: 0 }), /hang up/);
    assert.equal(n, 5, "a dropped answer keeps the request's deadline");
    n = 0;
    assert.equal(await withRetry(async () => (++n < 3 ? Promise.reject(refused()) : "ok"), { ...noWait, connectDeadlineMs: 60_000 }), "ok", "an endpoint back within the connect deadline");
  });

  it("knows the socket errors of a request that never reached its endpoint, in the SDKs' shapes", () => {
    assert.equal(unreachableCode(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" })), "ECONNREFUSED");
    assert.equal(unreachableCode(new Error("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND ims.example"), { code: "ENOTFOUND" }) })), "ENOTFOUND");
    assert.equal(unreachableCode({ message: "request to http://127.0.0.1:9/ failed, reason: connect EHOSTUNREACH 10.0.0.1:443" }), "EHOSTUNREACH");
    assert.equal(unreachableCode(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })), undefined, "reset: the request may have arrived");
    assert.equal(unreachableCode(new Error("socket hang up")), undefined);
  });

  it("takes its policy from the environment, then the connection's options", () => {
    assert.deepEqual(retryPolicy({}, { IMAGE_SHARE_RETRY_ATTEMPTS: "1", IMAGE_SHARE_RETRY_DEADLINE_MS: "5000" }), { deadlineMs: 5000, maxAttempts: 1 });
    assert.deepEqual(retryPolicy({}, { IMAGE_SHARE_CONNECT_DEADLINE_MS: "250" }), { connectDeadlineMs: 250 });
    assert.deepEqual(retryPolicy({ deadlineMs: 10 }, { IMAGE_SHARE_RETRY_DEADLINE_MS: "5000" }), { deadlineMs: 10 });
    assert.deepEqual(retryPolicy({}, { IMAGE_SHARE_RETRY_ATTEMPTS: "soon" }), {});
  });

  it("retries the in-process emulator's calls: reads and writes succeed through injected faults", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-retry-"));
    try {
      const db = path.join(dir, "emulator.db");
      const emulator = openEmulator(db);
      emulator.addAccount({ id: "100000000001", profile: "alicloud", projects: [] });
      for (let i = 2; i < 12; i++) emulator.addAccount({ id: `1000000000${String(i).padStart(2, "0")}`, profile: "alicloud", projects: [] });
      const imageId = emulator.addImage({ profile: "alicloud", region: "cn-hangzhou", owner: "100000000001", kind: "system", name: "golden" });
      emulator.setFaults({ throttleEvery: 2, serverErrorEvery: 3, seed: 3 });
      const service = createImageService({ backend: "emulator", profile: "alicloud", region: "cn-hangzhou", account: "100000000001", emulatorPath: db });
      const members = Array.from({ length: 10 }, (_, i) => ({ type: "account" as const, id: `1000000000${String(i + 2).padStart(2, "0")}` }));
      await service.addMembers(imageId, members);
      assert.equal((await service.getImage(imageId)).id, imageId);
      assert.equal((await service.listMembers(imageId)).items.length, 10);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the README's faults example, then plan: plan succeeds (slower), and faults --clear clears them", function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-plan-faults-"));
    const env = { ...process.env, IMAGE_SHARE_EMULATOR_DB: path.join(dir, "emulator.db"), NO_COLOR: "1" };
    delete (env as Record<string, string | undefined>).IMAGE_SHARE_RETRY_ATTEMPTS;
    const cli = (...args: string[]) => spawnSync(process.execPath, ["cli.js", ...args], { env, encoding: "utf8", timeout: 170_000 });
    try {
      assert.equal(cli("emulator", "seed", "examples/huaweicloud.yaml").status, 0);
      const clean = cli("plan", "examples/huaweicloud.yaml", "--format", "json");
      assert.equal(clean.status, 0, clean.stderr);
      assert.equal(cli("emulator", "faults", "--throttle", "0.2", "--server-error", "0.05", "--seed", "1").status, 0);
      const faulty = cli("plan", "examples/huaweicloud.yaml", "--format", "json");
      assert.equal(faulty.status, 0, `plan under faults: ${faulty.stderr}`);
      assert.deepEqual(JSON.parse(faulty.stdout).summary, JSON.parse(clean.stdout).summary, "the same plan, read through the faults");
      const cleared = cli("emulator", "faults", "--clear");
      assert.equal(cleared.status, 0);
      assert.match(cleared.stdout, /faults cleared/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

