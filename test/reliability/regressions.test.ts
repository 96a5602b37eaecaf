/**
 * Faults found by the convergence runs, pinned as plain cases: a member change that fails and
 * whose read-back fails too must not forget members that landed (they would stay shared after a
 * destroy, outside any resource's record).
 */
import assert = require("node:assert/strict");
import { Engine, key, makeWorld, withEnv, quietProviderLog } from "./engine";

describe("reliability: a failed member change whose read-back fails too", function () {
  quietProviderLog();
  this.timeout(60_000);
  const env = { IMAGE_SHARE_RETRY_ATTEMPTS: "1", IMAGE_SHARE_EMULATOR_FSYNC: "0" };

  it("create: half a batch landed, the listing after it failed: the next up finishes, a destroy removes every member", () =>
    withEnv(env, async () => {
      const w = makeWorld("alicloud", { images: 1, recipients: 6 });
      try {
        const img = w.images[0];
        // Listing calls: check (1), create's before (2), create's read-back after the failure (3: fails).
        w.emulator.setFaults({ halfBatch: 1, serverErrorEvery: 3, operations: ["listMembers"] });
        const engine = new Engine(w.inputs);
        const declared = { share: { imageId: img, members: w.pool.slice(0, 4) } };
        const first = await engine.up(declared);
        assert.equal(first.errors.length, 1);
        assert.match(first.errors[0], /batch half applied/);
        assert.deepEqual(w.members(img), w.pool.slice(0, 2).map(key).sort(), "half the batch landed");
        assert.ok(engine.state.get("share")?.initErrors, "the failed create is recorded as partial state, not forgotten");
        w.emulator.clearFaults();
        await engine.converge(declared);
        assert.deepEqual(w.members(img), w.pool.slice(0, 4).map(key).sort());
        await engine.converge({ share: undefined });
        assert.deepEqual(w.members(img), [], "nothing stays shared after a destroy");
      } finally {
        w.cleanup();
      }
    }));

  it("update: half a batch landed, the listing after it failed: a destroy still removes every member", () =>
    withEnv(env, async () => {
      const w = makeWorld("tencentcloud", { images: 1, recipients: 6 });
      try {
        const img = w.images[0];
        const engine = new Engine(w.inputs);
        await engine.converge({ share: { imageId: img, members: [w.pool[0]] } });
        w.emulator.configure({ batchSize: { tencentcloud: 4 } });
        // Listing calls: check (1), update's now (2), read-back after the failure (3: fails).
        w.emulator.setFaults({ halfBatch: 1, serverErrorEvery: 3, operations: ["listMembers"] });
        const declared = { share: { imageId: img, members: w.pool.slice(0, 5) } };
        const first = await engine.up(declared);
        assert.match(first.errors[0] ?? "", /batch half applied/);
        assert.deepEqual(w.members(img), w.pool.slice(0, 3).map(key).sort(), "the old member and half the batch");
        w.emulator.clearFaults();
        await engine.converge({ share: undefined });
        assert.deepEqual(w.members(img), [], "nothing stays shared after a destroy");
      } finally {
        w.cleanup();
      }
    }));
});
