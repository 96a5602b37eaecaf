/**
 * Partial state of an ImageShare *update* through the real dynamic-provider host (the create
 * case is in test/resources/host-partial.test.ts, a failed copy in host-acceptance-copy): an
 * update whose first add batch half-landed before a server error is
 * resource-init-failed managing every member it may have added; the next up (Update from those
 * properties) finishes, and a destroy removes every member the stack declared.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import { imageShareProvider } from "../../provider/resources/imageShare";
import { PROVIDER_KEY, startHost, serializeProvider, HostError, type Host } from "../harness/host";
import { makeWorld, makeStackDir, key } from "../harness/world";

describe("reliability: a half-applied ImageShare update through the dynamic-provider host", function () {
  this.timeout(60_000);
  let host: Host;
  let stackDir: string;
  let providerText: string;
  before(async () => {
    providerText = await serializeProvider(imageShareProvider);
    stackDir = makeStackDir();
    host = await startHost({ cwd: stackDir, env: { IMAGE_SHARE_RETRY_ATTEMPTS: "1" } });
  });
  after(async () => {
    await host?.stop();
    fs.rmSync(stackDir, { recursive: true, force: true });
  });

  it("tencentcloud: an update whose first add batch lands half: partial state, the next up finishes, destroy cleans up", async () => {
    const w = makeWorld("tencentcloud", { recipients: 8 });
    try {
      w.emulator.configure({ batchSize: { tencentcloud: 4 } });
      const news = (ms: number[]) => ({
        profile: "tencentcloud",
        region: w.region,
        account: w.owner,
        connection: { backend: "emulator", emulatorPath: w.db },
        imageId: w.imageId,
        members: ms.map((i) => w.member(i)),
        [PROVIDER_KEY]: providerText,
      });
      const created = await host.create(news([0, 1]));
      assert.deepEqual(w.members(), [0, 1].map((i) => key(w.member(i))).sort());
      // The first add batch (4 members) lands half, then fails as a server error.
      w.emulator.setFaults({ halfBatch: 1 });
      const target = news([0, 1, 2, 3, 4, 5, 6, 7]);
      let failed: HostError | undefined;
      await host.update(created.id, created.properties, target).catch((e: HostError) => (failed = e));
      assert.ok(failed?.initFailed, `expected resource-init-failed partial state, got ${failed?.message}`);
      assert.match(failed.message, /batch half applied/);
      const { properties } = failed.initFailed;
      assert.equal(properties[PROVIDER_KEY], providerText, "__provider kept for the next operation");
      const there = [0, 1, 2, 3].map((i) => key(w.member(i))).sort();
      assert.deepEqual(w.members(), there, "half of the first batch of 4 added");
      assert.deepEqual((properties.members as never[]).map(key).sort(), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => key(w.member(i))).sort(), "the partial state manages every member it may have added");
      // The next up: the engine updates a resource with init errors even without a diff.
      const diff = await host.diff(created.id, properties, target);
      assert.deepEqual(diff.replaces, []);
      const finished = await host.update(created.id, properties, target);
      assert.deepEqual(w.members(), [0, 1, 2, 3, 4, 5, 6, 7].map((i) => key(w.member(i))).sort());
      await host.delete(created.id, finished.properties);
      assert.deepEqual(w.members(), []);
    } finally {
      w.cleanup();
    }
  });
});
