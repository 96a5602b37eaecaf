/**
 * ShareAcceptance and CrossRegionCopy through the real dynamic-provider host against the
 * emulator: check -> create -> read -> diff -> update -> delete, state asserted after each step;
 * a failed copy job is partial state that the next up replaces.
 */
import assert = require("node:assert/strict");
import { shareAcceptanceProvider } from "../../provider/resources/shareAcceptance";
import { crossRegionCopyProvider } from "../../provider/resources/crossRegionCopy";
import { PROVIDER_KEY, serializeProvider, HostError } from "../harness/host";
import { regionsOf, useHost } from "../harness/world";
import { PROFILES } from "../../provider/rules/profiles";

describe("ShareAcceptance and CrossRegionCopy through the dynamic-provider host (emulator)", function () {
  this.timeout(60_000);
  const fx = useHost({ env: { IMAGE_SHARE_JOB_POLL_MS: "50" }, prepare: (w) => w.emulator.configure({ copyDurationMs: 300 }) });
  let acceptanceText: string;
  let copyText: string;
  before(async () => {
    acceptanceText = await serializeProvider(shareAcceptanceProvider);
    copyText = await serializeProvider(crossRegionCopyProvider);
  });

  for (const profile of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${profile}: ShareAcceptance check -> create -> read -> diff -> update -> delete, acting as the recipient`, async () => {
      const w = fx.world(profile);
      const r = w.recipients[0];
      w.emulator.addMembersDirectly(w.imageId, [w.member(0)]);
      const statusOf = () => w.emulator.image(w.imageId)!.members.find((m) => m.id === w.member(0).id)?.status;
      assert.equal(statusOf(), "pending");
      const news = {
        profile,
        region: w.region,
        account: r.account,
        project: r.project,
        connection: { backend: "emulator", emulatorPath: w.db },
        imageId: w.imageId,
        member: w.member(0),
        status: "accepted",
        [PROVIDER_KEY]: acceptanceText,
      };
      const checked = await fx.host.check({}, news);
      assert.deepEqual(checked.failures, []);
      const created = await fx.host.create(checked.inputs);
      assert.equal(statusOf(), "accepted");
      assert.equal(created.properties.owner, w.owner);
      const read = await fx.host.read(created.id, created.properties);
      assert.equal(read.id, created.id);
      assert.equal(read.properties.owner, w.owner);
      const diff = await fx.host.diff(created.id, created.properties, { ...news, status: "rejected" });
      assert.equal(diff.changes, "some");
      assert.deepEqual(diff.replaces, []);
      assert.equal((await fx.host.diff(created.id, created.properties, news)).changes, "none");
      await fx.host.update(created.id, created.properties, { ...news, status: "rejected" });
      assert.equal(statusOf(), "rejected");
      await fx.host.update(created.id, created.properties, news);
      assert.equal(statusOf(), "accepted");
      await fx.host.delete(created.id, created.properties);
      assert.equal(statusOf(), "rejected", "delete sets the member back to rejected");
    });
  }

  for (const profile of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${profile}: the recipient's own member status as the cloud reports it: a replicate before accepting fails at check; accepted or rejected outside the stack, check and refresh see it`, async () => {
      const w = fx.world(profile);
      const r = w.recipients[0];
      const identity = { profile, region: w.region, account: r.account, project: r.project };
      const connection = { backend: "emulator", emulatorPath: w.db };
      w.emulator.addMembersDirectly(w.imageId, [w.member(0)]);
      assert.equal((await w.emulator.service(identity).getImage(w.imageId)).callerMemberStatus, "pending");
      assert.equal((await w.emulator.service({ profile, region: w.region, account: w.owner, project: w.ownerProject }).getImage(w.imageId)).callerMemberStatus, undefined, "the owner is no member");

      // Pending, and the stack declares no acceptance: IMS would refuse the replicate (IMG.0196).
      const replicate = { ...identity, connection, sourceImageId: w.imageId, targetRegion: w.region, name: "golden-mine", [PROVIDER_KEY]: copyText };
      const pending = await fx.host.check({}, replicate);
      assert.equal(pending.failures[0]?.property, "sourceImageId");
      assert.match(pending.failures[0].reason, /^\[copy-requires-acceptance\]/);

      // The recipient rejects it in the console: a stack acceptance of it, created, reads as rejected.
      const acceptance = { ...identity, connection, imageId: w.imageId, member: w.member(0), status: "accepted", [PROVIDER_KEY]: acceptanceText };
      const created = await fx.host.create((await fx.host.check({}, acceptance)).inputs);
      await w.emulator.service(identity).setMemberStatus(w.imageId, w.member(0), "rejected");
      const read = await fx.host.read(created.id, created.properties);
      assert.equal(read.properties.status, "rejected", "refresh reports the status changed outside the stack");
      assert.equal((await fx.host.diff(created.id, read.properties, acceptance)).changes, "some", "the next up accepts it again");

      // Accepted in the console, then `pulumi preview --refresh` (one host: the refresh reads
      // afresh, the checks after it read what it read): the replicate checks clean without an
      // acceptance in the stack.
      await w.emulator.service(identity).setMemberStatus(w.imageId, w.member(0), "accepted");
      assert.equal((await fx.host.read(created.id, read.properties)).properties.status, "accepted");
      assert.deepEqual((await fx.host.check({}, replicate)).failures, []);

      // The owner shares it anew (the member removed, then added: pending again): the acceptance is gone.
      const owner = w.emulator.service({ profile, region: w.region, account: w.owner, project: w.ownerProject });
      await owner.removeMembers(w.imageId, [w.member(0)]);
      await owner.addMembers(w.imageId, [w.member(0)]);
      assert.equal((await fx.host.read(created.id, read.properties)).id, "", "refresh drops it; the next up accepts again");
    });
  }

  it("ShareAcceptance of a share that does not exist fails at check with acceptance-without-share", async () => {
    const w = fx.world("huaweicloud");
    const r = w.recipients[1];
    const news = {
      profile: "huaweicloud",
      region: w.region,
      account: r.account,
      project: r.project,
      connection: { backend: "emulator", emulatorPath: w.db },
      imageId: w.imageId,
      member: w.member(1),
      status: "accepted",
      [PROVIDER_KEY]: acceptanceText,
    };
    const checked = await fx.host.check({}, news);
    assert.equal(checked.failures.length, 1);
    assert.equal(checked.failures[0].property, "member");
    assert.match(checked.failures[0].reason, /^\[acceptance-without-share\]/);
    // A share of the stack that is not known yet may grant it: no false violation.
    const withUnknown = { ...news, stack: { shares: [{ resource: "later", imageId: "(unknown)", members: [] }], acceptances: [], copies: [] } };
    assert.deepEqual((await fx.host.check({}, withUnknown)).failures, []);
    // Declared by the stack: fine.
    const declared = { ...news, stack: { shares: [{ resource: "share", imageId: w.imageId, members: [w.member(1)] }], acceptances: [], copies: [] } };
    assert.deepEqual((await fx.host.check({}, declared)).failures, []);
  });

  for (const profile of ["alicloud", "tencentcloud"] as const) {
    it(`${profile}: ShareAcceptance fails at check with acceptance-unsupported`, async () => {
      const w = fx.world(profile);
      const news = {
        profile,
        region: w.region,
        account: w.recipients[0].account,
        connection: { backend: "emulator", emulatorPath: w.db },
        imageId: w.imageId,
        member: w.member(0),
        status: "accepted",
        [PROVIDER_KEY]: acceptanceText,
      };
      const checked = await fx.host.check({}, news);
      assert.equal(checked.failures[0]?.property, "profile");
      assert.match(checked.failures[0].reason, /^\[acceptance-unsupported\]/);
    });
  }

  for (const profile of ["huaweicloud", "alicloud", "tencentcloud"] as const) {
    it(`${profile}: CrossRegionCopy check -> create (waits for the job) -> read -> diff -> update -> delete`, async () => {
      const w = fx.world(profile);
      const [, target] = regionsOf(profile);
      const news = {
        profile,
        region: w.region,
        account: w.owner,
        ...(w.ownerProject ? { project: w.ownerProject } : {}),
        connection: { backend: "emulator", emulatorPath: w.db },
        sourceImageId: w.imageId,
        targetRegion: target,
        name: "golden-copy",
        [PROVIDER_KEY]: copyText,
      };
      const checked = await fx.host.check({}, news);
      assert.deepEqual(checked.failures, []);
      const created = await fx.host.create(checked.inputs);
      const copyId = created.properties.imageId as string;
      assert.equal(created.id, copyId);
      assert.equal(created.properties.imageRegion, target);
      assert.equal(created.properties.imageOwner, w.owner);
      assert.equal(created.properties.jobStatus, "succeeded");
      assert.ok(created.properties.jobId);
      const img = w.emulator.image(copyId)!;
      assert.equal(img.status, "available");
      assert.equal(img.region, target);
      assert.equal(img.name, "golden-copy");
      await fx.host.waitForOutput(new RegExp(`copying image "${w.imageId}" to ${target}: done`));

      const read = await fx.host.read(created.id, created.properties);
      assert.equal(read.properties.imageId, copyId);
      assert.equal((await fx.host.diff(created.id, read.properties, news)).changes, "none");
      const renamed = await fx.host.diff(created.id, read.properties, { ...news, name: "other" });
      assert.deepEqual(renamed.replaces, ["name"]);
      const updated = await fx.host.update(created.id, read.properties, { ...news, timeoutMinutes: 5 });
      assert.equal(updated.properties.imageId, copyId);

      if (PROFILES[profile].deleteShared === "refused") {
        // Shared: the cloud refuses the delete (alicloud, tencentcloud); the error names the member left.
        const r = w.recipients[0].account;
        w.emulator.addMembersDirectly(copyId, [{ type: "account", id: r }]);
        await assert.rejects(fx.host.delete(created.id, updated.properties), (e: HostError) => {
          assert.match(e.message, /\[delete-while-shared\]/);
          assert.match(e.message, new RegExp(`account "${r}"`));
          return true;
        });
        assert.ok(w.emulator.image(copyId), "nothing deleted");
        w.emulator.store.transact((s) => void (s.images[copyId].members = []));
      }
      await fx.host.delete(created.id, updated.properties);
      assert.equal(w.emulator.image(copyId), undefined);
      assert.ok(w.emulator.image(w.imageId), "the source stays");
    });
  }

  it("a copy to its own region on tencentcloud fails at check with copy-same-region; nothing is copied", async () => {
    const w = fx.world("tencentcloud");
    const news = {
      profile: "tencentcloud",
      region: w.region,
      account: w.owner,
      connection: { backend: "emulator", emulatorPath: w.db },
      sourceImageId: w.imageId,
      targetRegion: w.region,
      [PROVIDER_KEY]: copyText,
    };
    const checked = await fx.host.check({}, news);
    assert.equal(checked.failures[0]?.property, "targetRegion");
    assert.match(checked.failures[0].reason, /^\[copy-same-region\]/);
    assert.equal(w.emulator.snapshot().images.length, 1);
  });

  it("a copy job that fails half way is partial state; the next up replaces it and the failed image is deleted", async () => {
    const w = fx.world("alicloud");
    const [, target] = regionsOf("alicloud");
    w.emulator.setFaults({ failJobs: 1 });
    const news = {
      profile: "alicloud",
      region: w.region,
      account: w.owner,
      connection: { backend: "emulator", emulatorPath: w.db },
      sourceImageId: w.imageId,
      targetRegion: target,
      [PROVIDER_KEY]: copyText,
    };
    let failed: HostError | undefined;
    await fx.host.create(news).catch((e: HostError) => (failed = e));
    assert.ok(failed?.initFailed, "resource-init-failed with partial state");
    const { id, properties, reasons } = failed.initFailed;
    assert.match(failed.message, /failed: job .*CreateFailed/);
    assert.equal(properties.jobStatus, "failed");
    assert.equal(properties[PROVIDER_KEY], copyText, "__provider is put back, or a later delete could not load the provider");
    assert.equal(w.emulator.image(id)?.status, "failed");
    assert.ok(reasons.length > 0);
    // Next up: diff says replace; the engine creates the new copy, then deletes the failed one.
    const diff = await fx.host.diff(id, properties, news);
    assert.ok(diff.replaces.length > 0);
    const created = await fx.host.create(news);
    assert.equal(w.emulator.image(created.id)?.status, "available");
    await fx.host.delete(id, properties);
    assert.equal(w.emulator.image(id), undefined);
  });

  it("a copy whose wait times out is partial state (running); the next up waits for the job again", async () => {
    const w = fx.world("huaweicloud");
    w.emulator.configure({ copyDurationMs: 1500 });
    const [, target] = regionsOf("huaweicloud");
    const news = {
      profile: "huaweicloud",
      region: w.region,
      account: w.owner,
      project: w.ownerProject,
      connection: { backend: "emulator", emulatorPath: w.db },
      sourceImageId: w.imageId,
      targetRegion: target,
      timeoutMinutes: 0.002,
      [PROVIDER_KEY]: copyText,
    };
    let failed: HostError | undefined;
    await fx.host.create(news).catch((e: HostError) => (failed = e));
    assert.ok(failed?.initFailed, `expected partial state, got ${failed?.message}`);
    assert.match(failed.message, /still running/);
    const { id, properties } = failed.initFailed;
    assert.equal(properties.jobStatus, "running");
    const later = { ...news, timeoutMinutes: 1 };
    const diff = await fx.host.diff(id, properties, later);
    assert.equal(diff.changes, "some");
    assert.deepEqual(diff.replaces, []);
    const updated = await fx.host.update(id, properties, later);
    assert.equal(updated.properties.jobStatus, "succeeded");
    assert.equal(w.emulator.image(id)?.status, "available");
  });

  it("unknown values (preview) never produce a violation for acceptances and copies", async () => {
    const U = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const w = fx.world("tencentcloud");
    const copy = {
      profile: "tencentcloud",
      region: w.region,
      account: w.owner,
      connection: { backend: "emulator", emulatorPath: w.db },
      sourceImageId: U,
      targetRegion: w.region,
      [PROVIDER_KEY]: copyText,
    };
    assert.deepEqual((await fx.host.check({}, copy)).failures, []);
    assert.deepEqual((await fx.host.check({}, { ...copy, sourceImageId: w.imageId, targetRegion: U })).failures, []);
    const h = fx.world("huaweicloud");
    const acceptance = {
      profile: "huaweicloud",
      region: h.region,
      account: h.recipients[0].account,
      project: h.recipients[0].project,
      connection: { backend: "emulator", emulatorPath: h.db },
      imageId: U,
      member: h.member(0),
      status: "accepted",
      [PROVIDER_KEY]: acceptanceText,
    };
    assert.deepEqual((await fx.host.check({}, acceptance)).failures, []);
  });

  it("huaweicloud: a recipient copying a shared image straight to another region fails at check with copy-of-shared-image", async () => {
    const w = fx.world("huaweicloud");
    const r = w.recipients[0];
    w.emulator.addMembersDirectly(w.imageId, [{ type: "account", id: r.account, status: "accepted" }]);
    const [, target] = regionsOf("huaweicloud");
    const news = {
      profile: "huaweicloud",
      region: w.region,
      account: r.account,
      project: r.project,
      connection: { backend: "emulator", emulatorPath: w.db },
      sourceImageId: w.imageId,
      targetRegion: target,
      [PROVIDER_KEY]: copyText,
    };
    const { failures } = await fx.host.check({}, news);
    assert.equal(failures[0]?.property, "sourceImageId");
    assert.match(failures[0].reason, /^\[copy-of-shared-image\]/);
    // The in-region replicate of the accepted share is the way: no failure.
    assert.deepEqual((await fx.host.check({}, { ...news, targetRegion: w.region })).failures, []);
    assert.equal(w.emulator.snapshot().images.length, 1, "check copies nothing");
  });
});
