/**
 * ImageShare through @pulumi/pulumi's own dynamic-provider host, against the emulator: check ->
 * create -> read -> diff -> update -> delete, the emulator's state asserted after each step.
 * The provider is H4b's thin shim (require("image-share/runtime") by package name), serialized
 * as pulumi.dynamic.Resource serializes it; the host runs in the repository (self-reference).
 * Needs bin/ current: `npx tsc -p tsconfig.json` (npm test's pretest does it).
 */
import assert = require("node:assert/strict");
import { imageShareProvider } from "../../provider/resources/imageShare";
import { PROVIDER_KEY, serializeProvider, HostError } from "../harness/host";
import { key, regionsOf, type World, useHost } from "../harness/world";

describe("ImageShare through the dynamic-provider host (emulator)", function () {
  this.timeout(60_000);
  const fx = useHost();
  let providerText: string;
  before(async () => {
    providerText = await serializeProvider(imageShareProvider);
  });
  const inputs = (w: World, members: number[], extra: Record<string, unknown> = {}) => ({
    profile: w.profile,
    region: w.region,
    account: w.owner,
    ...(w.ownerProject ? { project: w.ownerProject } : {}),
    connection: { backend: "emulator", emulatorPath: w.db },
    imageId: w.imageId,
    members: members.map((i) => w.member(i)),
    [PROVIDER_KEY]: providerText,
    ...extra,
  });

  it("the serialized provider reaches the implementation by package name only", () => {
    assert.match(providerText, /\("image-share\/runtime"\)/);
    assert.doesNotMatch(providerText, /__dirname|emulator\.db|\/work\//);
  });

  for (const profile of ["huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud"] as const) {
    it(`${profile}: check -> create -> read -> diff -> update -> delete`, async () => {
      const w = fx.world(profile, { recipients: 5 });
      // Members present before the stack: member 3, which the share declares (it adopts it: delete
      // removes it), and member 4, which it does not (never touched).
      w.emulator.addMembersDirectly(w.imageId, [w.member(3), w.member(4)]);

      const news = inputs(w, [0, 1, 3]);
      const checked = await fx.host.check({}, news);
      assert.deepEqual(checked.failures, []);
      assert.equal(checked.inputs[PROVIDER_KEY], providerText);
      await fx.host.waitForOutput(new RegExp(`1 declared member\\(s\\) already on the image \\(${w.member(3).type} "${w.member(3).id}"\\): the share manages them`));

      const created = await fx.host.create(checked.inputs);
      assert.match(created.id, new RegExp(`^${w.imageId}/`));
      assert.deepEqual(w.members(), [w.member(0), w.member(1), w.member(3), w.member(4)].map(key).sort());
      assert.deepEqual((created.properties.members as unknown[]).map((m) => key(m as never)).sort(), [w.member(0), w.member(1), w.member(3)].map(key).sort(), "managed: every declared member");
      assert.equal(created.properties.addedMembers, undefined);
      assert.equal(created.properties[PROVIDER_KEY], providerText);
      assert.equal(created.properties.imageKind, "system");

      // Drift: a member removed outside the stack shows on refresh.
      w.emulator.store.transact((s) => {
        const img = s.images[w.imageId];
        img.members = img.members.filter((m) => m.id !== w.member(1).id);
      });
      const read = await fx.host.read(created.id, created.properties);
      assert.equal(read.id, created.id);
      assert.deepEqual((read.properties.members as unknown[]).map((m) => key(m as never)).sort(), [w.member(0), w.member(3)].map(key).sort());
      await fx.host.waitForOutput(new RegExp(`"${w.member(1).id}" was removed from image "${w.imageId}" outside the stack`));

      // Same members as declared: the refreshed state differs, so the diff is an update (re-add), never a replace.
      const diffSame = await fx.host.diff(created.id, read.properties, news);
      assert.equal(diffSame.changes, "some");
      assert.deepEqual(diffSame.replaces, []);

      const news2 = inputs(w, [1, 2, 3]);
      const diff = await fx.host.diff(created.id, read.properties, news2);
      assert.equal(diff.changes, "some");
      assert.deepEqual(diff.replaces, [], "a change of members is an update, never a replacement");
      const diffNone = await fx.host.diff(created.id, created.properties, inputs(w, [3, 1, 0]));
      assert.equal(diffNone.changes, "none");
      const diffImage = await fx.host.diff(created.id, created.properties, { ...news, imageId: "other-image" });
      assert.deepEqual(diffImage.replaces, ["imageId"]);

      const updated = await fx.host.update(created.id, read.properties, news2);
      assert.deepEqual(w.members(), [w.member(1), w.member(2), w.member(3), w.member(4)].map(key).sort());
      assert.deepEqual((updated.properties.members as unknown[]).map((m) => key(m as never)).sort(), [w.member(1), w.member(2), w.member(3)].map(key).sort());

      await fx.host.delete(created.id, updated.properties);
      assert.deepEqual(w.members(), [key(w.member(4))], "delete removes every member the share declares, and only those");
    });
  }

  it("create on an image the account does not own fails with the cloud's code and the rule id, nothing shared", async () => {
    const w = fx.world("huaweicloud");
    const other = w.recipients[0];
    const news = { ...inputs(w, [1]), account: other.account, project: other.project };
    await assert.rejects(fx.host.create(news), (e: HostError) => {
      assert.match(e.message, /not found|owned by/);
      assert.doesNotMatch(e.message, /\n\s+at /, "no stack trace");
      return true;
    });
    assert.deepEqual(w.members(), []);
  });

  it("sharing a copy still being made waits until the image is available (clouds refuse to share it before)", async () => {
    const w = fx.world("alicloud");
    w.emulator.configure({ copyDurationMs: 800 });
    const [, target] = regionsOf("alicloud");
    const job = await w.emulator.service({ profile: "alicloud", region: w.region, account: w.owner }).copyImage({ imageId: w.imageId, region: target });
    assert.equal(w.emulator.image(job.imageId!)?.status, "creating");
    const news = { ...inputs(w, [0]), region: target, imageId: job.imageId };
    const created = await fx.host.create(news);
    assert.deepEqual(w.members(job.imageId), [key(w.member(0))]);
    await fx.host.delete(created.id, created.properties);
    assert.deepEqual(w.members(job.imageId), []);
  });
});
