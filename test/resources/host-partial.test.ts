/**
 * Partial state through the real host: an ImageShare create whose later batch fails is
 * resource-init-failed (id, properties incl. __provider, reasons) and claims every member it
 * declares (a destroy removes whatever landed); the next up (Update with those properties)
 * finishes the job.
 */
import assert = require("node:assert/strict");
import { imageShareProvider } from "../../provider/resources/imageShare";
import { PROVIDER_KEY, serializeProvider, HostError } from "../harness/host";
import { makeWorld, key, useHost } from "../harness/world";

describe("partial state through the dynamic-provider host (ImageShare)", function () {
  this.timeout(60_000);
  const fx = useHost();
  let providerText: string;

  before(async () => {
    providerText = await serializeProvider(imageShareProvider);
  });

  it("a create that fails after a batch applied is resource-init-failed managing every declared member; the next update adds the rest", async () => {
    const w = fx.world("huaweicloud");
    w.emulator.configure({ batchSize: { huaweicloud: 2 } });
    const ghost = { type: "account" as const, id: "hua-ghost" };
    const news = {
      profile: "huaweicloud",
      region: w.region,
      account: w.owner,
      project: w.ownerProject,
      connection: { backend: "emulator", emulatorPath: w.db },
      imageId: w.imageId,
      members: [w.member(0), w.member(1), w.member(2), ghost],
      [PROVIDER_KEY]: providerText,
    };
    let failed: HostError | undefined;
    await fx.host.create(news).catch((e: HostError) => (failed = e));
    assert.ok(failed?.initFailed, `expected partial state, got ${failed?.message}`);
    assert.match(failed.message, /member account hua-ghost does not exist.*cloud error/);
    assert.match(failed.message, /2 of 4 member\(s\) were added/);
    assert.doesNotMatch(failed.message, /\n\s+at /);
    const { id, properties } = failed.initFailed;
    assert.match(id, new RegExp(`^${w.imageId}/`));
    assert.equal(properties[PROVIDER_KEY], providerText);
    assert.deepEqual((properties.members as never[]).map(key).sort(), [w.member(0), w.member(1), w.member(2), ghost].map(key).sort());
    assert.deepEqual(w.members(), [w.member(0), w.member(1)].map(key).sort());
    // A destroy now would remove what landed (the absent ones are success).

    // The missing account appears (e.g. created); the next up updates the resource from its recorded state.
    w.emulator.addAccount({ id: ghost.id, profile: "huaweicloud", projects: [] });
    const updated = await fx.host.update(id, properties, news);
    assert.deepEqual(w.members(), [w.member(0), w.member(1), w.member(2), ghost].map(key).sort());
    assert.deepEqual((updated.properties.members as never[]).map(key).sort(), [w.member(0), w.member(1), w.member(2), ghost].map(key).sort());
    await fx.host.delete(id, updated.properties);
    assert.deepEqual(w.members(), []);
  });

  it("throttling and half-applied batches are retried to success", async () => {
    const v = makeWorld("alicloud", { recipients: 4 });
    try {
      v.emulator.setFaults({ halfBatch: 1, throttleEvery: 3 });
      const news = {
        profile: "alicloud",
        region: v.region,
        account: v.owner,
        connection: { backend: "emulator", emulatorPath: v.db },
        imageId: v.imageId,
        members: [v.member(0), v.member(1), v.member(2), v.member(3)],
        [PROVIDER_KEY]: providerText,
      };
      const created = await fx.host.create(news);
      assert.deepEqual(v.members(), [0, 1, 2, 3].map((i) => key(v.member(i))).sort());
      assert.equal((created.properties.members as unknown[]).length, 4);
    } finally {
      v.cleanup();
    }
  });
});
