/**
 * vaultId on ShareAcceptance and CrossRegionCopy, through the real dynamic-provider host against
 * the emulator: required at check where IMS requires vault_id (accepting a full-ECS image made
 * from a CBR backup; a cross-region copy of a full-ECS image on huaweicloud), a failure naming
 * the property and the fix; given, it reaches the cloud (the emulator refuses without it too).
 */
import assert = require("node:assert/strict");
import { shareAcceptanceProvider } from "../../provider/resources/shareAcceptance";
import { crossRegionCopyProvider } from "../../provider/resources/crossRegionCopy";
import { PROVIDER_KEY, serializeProvider } from "../harness/host";
import { regionsOf, useHost } from "../harness/world";

describe("vaultId: CBR vaults where IMS requires them (through the dynamic-provider host)", function () {
  this.timeout(60_000);
  const fx = useHost({ env: { IMAGE_SHARE_JOB_POLL_MS: "50" }, prepare: (w) => w.emulator.configure({ copyDurationMs: 100 }) });
  let acceptanceText: string;
  let copyText: string;
  before(async () => {
    acceptanceText = await serializeProvider(shareAcceptanceProvider);
    copyText = await serializeProvider(crossRegionCopyProvider);
  });

  for (const profile of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${profile}: accepting a full-ECS image made from a CBR backup needs vaultId at check; with it the acceptance is made`, async () => {
      const w = fx.world(profile);
      const r = w.recipients[0];
      const imageId = w.emulator.addImage({ profile, region: w.region, owner: w.owner, ownerProject: w.ownerProject, kind: "full", name: "whole-server", backupId: "b0d2f1c9-54e8-4a2a-9d6a-6e4b7d0e2f11" });
      w.emulator.addMembersDirectly(imageId, [w.member(0)]);
      const news = {
        profile,
        region: w.region,
        account: r.account,
        project: r.project,
        connection: { backend: "emulator", emulatorPath: w.db },
        imageId,
        member: w.member(0),
        status: "accepted",
        [PROVIDER_KEY]: acceptanceText,
      };
      const missing = await fx.host.check({}, news);
      assert.deepEqual(missing.failures.map((f) => f.property), ["vaultId"]);
      assert.match(missing.failures[0].reason, /^ShareAcceptance: vaultId: image .* full-ECS image made from CBR backup b0d2f1c9.*Fix: create a server-backup vault .* set vaultId/);
      // Rejecting needs no vault.
      assert.deepEqual((await fx.host.check({}, { ...news, status: "rejected" })).failures, []);
      const given = await fx.host.check({}, { ...news, vaultId: "vault-1" });
      assert.deepEqual(given.failures, []);
      await fx.host.create(given.inputs);
      assert.equal(w.emulator.image(imageId)!.members[0].status, "accepted");
      // A system-disk image needs none.
      w.emulator.addMembersDirectly(w.imageId, [w.member(0)]);
      assert.deepEqual((await fx.host.check({}, { ...news, imageId: w.imageId })).failures, []);
    });
  }

  it("the emulator refuses an acceptance of a CBR full-ECS image without vault_id, as IMS does", async () => {
    const w = fx.world("huaweicloud");
    const r = w.recipients[0];
    const imageId = w.emulator.addImage({ profile: "huaweicloud", region: w.region, owner: w.owner, ownerProject: w.ownerProject, kind: "full", name: "whole-server", backupId: "backup-1" });
    w.emulator.addMembersDirectly(imageId, [w.member(0)]);
    const recipient = w.emulator.service({ profile: "huaweicloud", region: w.region, account: r.account, project: r.project });
    await assert.rejects(recipient.setMemberStatus(imageId, w.member(0), "accepted"), /vault_id/);
    await recipient.setMemberStatus(imageId, w.member(0), "accepted", { vaultId: "vault-1" });
  });

  it("huaweicloud: a cross-region copy of a full-ECS image needs vaultId at check; an in-region replicate does not; with it the copy is made", async () => {
    const w = fx.world("huaweicloud", { kind: "full" });
    const [, target] = regionsOf("huaweicloud");
    const news = {
      profile: "huaweicloud",
      region: w.region,
      account: w.owner,
      project: w.ownerProject,
      connection: { backend: "emulator", emulatorPath: w.db },
      sourceImageId: w.imageId,
      targetRegion: target,
      name: "whole-copy",
      [PROVIDER_KEY]: copyText,
    };
    const missing = await fx.host.check({}, news);
    assert.deepEqual(missing.failures.map((f) => f.property), ["vaultId"]);
    assert.match(missing.failures[0].reason, new RegExp(`^CrossRegionCopy: vaultId: image ${w.imageId} is a full-ECS image.*Fix: create a server-backup vault .* in ${target}, then set vaultId`));
    assert.deepEqual((await fx.host.check({}, { ...news, targetRegion: w.region })).failures, [], "an in-region replicate takes no vault");
    const given = await fx.host.check({}, { ...news, vaultId: "vault-south" });
    assert.deepEqual(given.failures, []);
    const created = await fx.host.create(given.inputs);
    assert.equal(created.properties.jobStatus, "succeeded");
    assert.equal(created.properties.vaultId, "vault-south");
    assert.equal(w.emulator.image(created.properties.imageId as string)!.region, target);
  });
});
