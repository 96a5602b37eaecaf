import assert = require("node:assert/strict");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { ImageServiceError } from "../../../provider/backends/errors";
import { emulatorService, memoryEmulator, openEmulator, type Emulator } from "../../../provider/backends/emulator";
import * as model from "../../../provider/backends/emulator/model";
import { waitForJob } from "../../../provider/backends/jobs";
import type { ImageService, Job } from "../../../provider/backends/types";

async function refused(p: Promise<unknown>): Promise<ImageServiceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ImageServiceError, `not an ImageServiceError: ${e}`);
    return e;
  }
  assert.fail("expected a refusal");
}

const HW = { owner: "aaaa0001", team: "aaaa0002", other: "aaaa0003" };

function huawei(): Emulator {
  const e = memoryEmulator();
  e.addAccount({ id: HW.owner, profile: "huaweicloud", site: "cn", projects: [{ id: "p-own-bj", region: "cn-north-4" }, { id: "p-own-bj2", region: "cn-north-4" }, { id: "p-own-gz", region: "cn-south-1" }] });
  e.addAccount({ id: HW.team, profile: "huaweicloud", projects: [{ id: "p-team-bj", region: "cn-north-4" }, { id: "p-team-gz", region: "cn-south-1" }] });
  e.addAccount({ id: HW.other, profile: "huaweicloud", projects: [{ id: "p-other-bj", region: "cn-north-4" }] });
  return e;
}

describe("emulator model: the clouds' rules", () => {
  it("huaweicloud: a member project must be in the image's region; another project of the owner may be a member; the holding project may not", async () => {
    const e = huawei();
    const id = e.addImage({ region: "cn-north-4", owner: HW.owner, ownerProject: "p-own-bj", kind: "system", name: "g" });
    const owner = e.service({ profile: "huaweicloud", region: "cn-north-4", account: HW.owner, project: "p-own-bj" });
    const far = await refused(owner.addMembers(id, [{ type: "project", id: "p-team-gz" }]));
    assert.equal(far.rule, "cross-region-share");
    const self = await refused(owner.addMembers(id, [{ type: "project", id: "p-own-bj" }]));
    assert.equal(self.cloudCode, "IMG.0076");
    const selfAccount = await refused(owner.addMembers(id, [{ type: "account", id: HW.owner }]));
    assert.equal(selfAccount.rule, "self-share");
    await owner.addMembers(id, [{ type: "project", id: "p-own-bj2" }, { type: "account", id: HW.team }]);
    assert.deepEqual(e.image(id)!.members.map((m) => `${m.id}:${m.status}`), ["p-own-bj2:pending", `${HW.team}:pending`]);
    const unknown = await refused(owner.addMembers(id, [{ type: "project", id: "p-nobody" }]));
    assert.equal(unknown.kind, "not-found");
  });

  it("alicloud: a shared image is copied only within its region; a copy being made is cancelled, not deleted (CopyImage reference)", async () => {
    const e = memoryEmulator();
    e.addAccount({ id: "1001", profile: "alicloud" });
    e.addAccount({ id: "1002", profile: "alicloud" });
    e.configure({ copyDurationMs: 60_000 });
    const id = e.addImage({ region: "cn-hangzhou", owner: "1001", kind: "system", name: "g" });
    e.addMembersDirectly(id, [{ type: "account", id: "1002" }]);
    const recipient = e.service({ profile: "alicloud", region: "cn-hangzhou", account: "1002" });
    const away = await refused(recipient.copyImage({ imageId: id, region: "cn-shanghai" }));
    assert.equal(away.rule, "copy-of-shared-image");
    assert.equal(e.snapshot().jobs.length, 0);
    const within = await recipient.copyImage({ imageId: id, region: "cn-hangzhou" });
    const copying = await refused(recipient.deleteImage(within.imageId!));
    assert.equal(copying.cloudCode, "OperationDenied.ImageCopying");
    assert.ok(e.image(within.imageId!));
    await recipient.cancelCopy(within.imageId!);
    assert.equal(e.image(within.imageId!), undefined);
    assert.equal((await recipient.getJob(within.id)).status, "failed");
    const nothing = await refused(e.service({ profile: "alicloud", region: "cn-hangzhou", account: "1001" }).cancelCopy(id));
    assert.equal(nothing.cloudCode, "IncorrectImageStatus");
  });

  it("the in-process backend's deleteImage cancels a copy still being made, as the alicloud backend does", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-cancel-"));
    try {
      const db = path.join(dir, "emulator.db");
      const e = openEmulator(db);
      e.addAccount({ id: "1001", profile: "alicloud" });
      e.configure({ copyDurationMs: 60_000 });
      const id = e.addImage({ region: "cn-hangzhou", owner: "1001", kind: "system", name: "g" });
      const job = await emulatorService({ profile: "alicloud", region: "cn-hangzhou", account: "1001" }, db).copyImage({ imageId: id, region: "cn-shanghai" });
      await emulatorService({ profile: "alicloud", region: "cn-shanghai", account: "1001" }, db).deleteImage(job.imageId!);
      assert.equal(e.image(job.imageId!), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("huaweicloud: the owner's other project does not own the image; deletion while shared is allowed", async () => {
    const e = huawei();
    const id = e.addImage({ region: "cn-north-4", owner: HW.owner, ownerProject: "p-own-bj", kind: "system", name: "g" });
    const otherProject = e.service({ profile: "huaweicloud", region: "cn-north-4", account: HW.owner, project: "p-own-bj2" });
    await refused(otherProject.getImage(id));
    const owner = e.service({ profile: "huaweicloud", region: "cn-north-4", account: HW.owner, project: "p-own-bj" });
    await owner.addMembers(id, [{ type: "project", id: "p-team-bj" }]);
    await owner.deleteImage(id);
    assert.equal(e.image(id), undefined);
  });

  it("huaweicloud: a shared image cannot be copied to another region, even accepted; a private replica can", async () => {
    const e = huawei();
    e.configure({ copyDurationMs: 0 });
    const id = e.addImage({ region: "cn-north-4", owner: HW.owner, ownerProject: "p-own-bj", kind: "system", name: "g" });
    const owner = e.service({ profile: "huaweicloud", region: "cn-north-4", account: HW.owner, project: "p-own-bj" });
    const team = e.service({ profile: "huaweicloud", region: "cn-north-4", account: HW.team, project: "p-team-bj" });
    await owner.addMembers(id, [{ type: "project", id: "p-team-bj" }]);
    await team.setMemberStatus(id, { type: "project", id: "p-team-bj" }, "accepted");
    const cross = await refused(team.copyImage({ imageId: id, region: "cn-south-1" }));
    assert.equal(cross.rule, "copy-of-shared-image");
    const replica = await waitForJob(team, (await team.copyImage({ imageId: id, region: "cn-north-4" })).id, { pollMs: 1 });
    const copy = await waitForJob(team, (await team.copyImage({ imageId: replica.imageId!, region: "cn-south-1" })).id, { pollMs: 1 });
    const gz = e.image(copy.imageId!)!;
    assert.equal(gz.owner, HW.team);
    assert.equal(gz.ownerProject, "p-team-gz");
    assert.equal(gz.region, "cn-south-1");
  });

  it("huaweicloud: an account of the international site cannot receive an image of a China-only region", async () => {
    const e = huawei();
    e.addAccount({ id: "aaaa0009", profile: "huaweicloud", site: "intl", projects: [{ id: "p-intl", region: "ap-southeast-1" }] });
    const id = e.addImage({ region: "cn-north-4", owner: HW.owner, ownerProject: "p-own-bj", kind: "system", name: "g" });
    const owner = e.service({ profile: "huaweicloud", region: "cn-north-4", account: HW.owner, project: "p-own-bj" });
    const err = await refused(owner.addMembers(id, [{ type: "account", id: "aaaa0009" }]));
    assert.equal(err.rule, "cross-site-share");
  });

  it("opentelekomcloud shares with projects only", async () => {
    const e = memoryEmulator();
    e.addAccount({ id: "o1", profile: "opentelekomcloud", projects: [{ id: "po1", region: "eu-de" }] });
    e.addAccount({ id: "o2", profile: "opentelekomcloud", projects: [{ id: "po2", region: "eu-de" }] });
    const id = e.addImage({ region: "eu-de", owner: "o1", kind: "system", name: "g" });
    const owner = e.service({ profile: "opentelekomcloud", region: "eu-de", account: "o1", project: "po1" });
    const byAccount = await refused(owner.addMembers(id, [{ type: "account", id: "o2" }]));
    assert.equal(byAccount.kind, "invalid");
    await owner.addMembers(id, [{ type: "project", id: "po2" }]);
  });

  it("alicloud and tencentcloud: unknown accounts refused with the cloud's code; members accepted at once", async () => {
    for (const [profile, code] of [["alicloud", "InvalidAccount.NotFound"], ["tencentcloud", "InvalidAccountId.NotFound"]] as const) {
      const e = memoryEmulator();
      e.addAccounts([{ id: "1", profile }, { id: "2", profile }]);
      const id = e.addImage({ region: "r1", owner: "1", kind: "data", name: "d" });
      const owner = e.service({ profile, region: "r1", account: "1" });
      const err = await refused(owner.addMembers(id, [{ type: "account", id: "999" }]));
      assert.equal(err.cloudCode, code);
      await owner.addMembers(id, [{ type: "account", id: "2" }]);
      assert.deepEqual(e.image(id)!.members, [{ type: "account", id: "2", status: "accepted" }]);
      // The image stays in its region: another region's service does not see it.
      await refused(e.service({ profile, region: "r2", account: "1" }).getImage(id));
    }
  });

  it("tencentcloud: a shared image cannot be renamed; an unshared one can", async () => {
    const e = memoryEmulator();
    e.addAccounts([{ id: "1", profile: "tencentcloud" }, { id: "2", profile: "tencentcloud" }]);
    const id = e.addImage({ region: "ap-guangzhou", owner: "1", kind: "system", name: "g" });
    const owner = e.service({ profile: "tencentcloud", region: "ap-guangzhou", account: "1" });
    await owner.addMembers(id, [{ type: "account", id: "2" }]);
    const err = await refused(owner.modifyImage(id, { name: "renamed" }));
    assert.equal(err.rule, "shared-image-immutable");
    await owner.modifyImage(id, { name: "g" });
    await owner.removeMembers(id, [{ type: "account", id: "2" }]);
    assert.equal((await owner.modifyImage(id, { name: "renamed" })).name, "renamed");
  });

  it("an image being created cannot be shared until its copy job finishes; jobs settle from timestamps", async () => {
    const e = memoryEmulator();
    e.addAccounts([{ id: "1", profile: "alicloud" }, { id: "2", profile: "alicloud" }]);
    e.configure({ copyDurationMs: 1000 });
    const id = e.addImage({ region: "r1", owner: "1", kind: "system", name: "g" });
    let now = 1_000_000;
    const at = (region: string) => e.service({ profile: "alicloud", region, account: "1" }, { now: () => now });
    const job = await at("r1").copyImage({ imageId: id, region: "r2" });
    assert.equal(job.status, "running");
    assert.equal(job.progress, 0);
    const early = await refused(at("r2").addMembers(job.imageId!, [{ type: "account", id: "2" }]));
    assert.equal(early.kind, "conflict");
    now += 500;
    assert.equal((await at("r1").getJob(job.id)).progress, 50);
    assert.equal((await at("r2").getImage(job.imageId!)).status, "creating");
    now += 500;
    assert.equal((await at("r1").getJob(job.id)).status, "succeeded");
    assert.equal((await at("r2").getImage(job.imageId!)).status, "available");
    await at("r2").addMembers(job.imageId!, [{ type: "account", id: "2" }]);
    // Jobs belong to the account that started them.
    await refused(e.service({ profile: "alicloud", region: "r1", account: "2" }).getJob(job.id));
  });

  it("a failed job fails its image with the reason", async () => {
    const e = memoryEmulator();
    e.addAccount({ id: "1", profile: "tencentcloud" });
    e.configure({ copyDurationMs: 0 });
    const id = e.addImage({ region: "ap-guangzhou", owner: "1", kind: "system", name: "g" });
    e.setFaults({ failJobs: 1 });
    const svc = e.service({ profile: "tencentcloud", region: "ap-guangzhou", account: "1" });
    const job = await svc.copyImage({ imageId: id, region: "ap-shanghai" });
    assert.equal(job.status, "failed");
    assert.match(job.reason!, /CREATEFAILED/);
    assert.equal(e.image(job.imageId!)!.status, "failed");
    // The fault is used up: the next copy succeeds.
    assert.equal((await svc.copyImage({ imageId: id, region: "ap-shanghai" })).status, "succeeded");
  });

  it("validates what it is given, naming the field", () => {
    const e = memoryEmulator();
    assert.throws(() => e.addAccount({ id: "1", profile: "aws" as never }), /account 1: profile must be one of/);
    assert.throws(() => e.addImage({ region: "r", owner: "nobody", kind: "system", name: "x" }), /no account nobody/);
    e.addAccount({ id: "1", profile: "alicloud" });
    assert.throws(() => e.addImage({ region: "r", owner: "1", kind: "disk" as never, name: "x" }), /kind must be system, data or full/);
    assert.throws(() => e.setFaults({ throttle: 3 }), /throttle is a probability/);
    assert.throws(() => e.addAccessKey({ accessKeyId: "k", secret: "s", account: "2" }), /no account 2/);
    e.addAccessKey({ accessKeyId: "k", secret: "s", account: "1" });
    assert.deepEqual(e.findAccessKey("k"), { accessKeyId: "k", secret: "s", account: "1" });
    assert.equal(e.findAccessKey("nope"), undefined);
  });
});

describe("emulator faults", () => {
  function world(): { e: Emulator; svc: ImageService; id: string } {
    const e = memoryEmulator();
    e.addAccount({ id: "1", profile: "alicloud" });
    const id = e.addImage({ region: "r", owner: "1", kind: "system", name: "g" });
    return { e, id, svc: e.service({ profile: "alicloud", region: "r", account: "1" }, { callFaults: true }) };
  }
  async function outcomes(svc: ImageService, id: string, n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await svc.getImage(id).then(() => "ok", (e: ImageServiceError) => `${e.kind}:${e.cloudCode}`));
    return out;
  }

  it("draws the same faults from the same seed, and others from another", async () => {
    const a = world();
    a.e.setFaults({ throttle: 0.3, serverError: 0.2, seed: 42 });
    const b = world();
    b.e.setFaults({ throttle: 0.3, serverError: 0.2, seed: 42 });
    const c = world();
    c.e.setFaults({ throttle: 0.3, serverError: 0.2, seed: 43 });
    const [x, y, z] = [await outcomes(a.svc, a.id, 40), await outcomes(b.svc, b.id, 40), await outcomes(c.svc, c.id, 40)];
    assert.deepEqual(x, y);
    assert.notDeepEqual(x, z);
    assert.ok(x.includes("throttled:Throttling.User") && x.includes("transient:ServiceUnavailable") && x.includes("ok"));
  });

  it("throttles every Nth call, only for the operations named", async () => {
    const { e, svc, id } = world();
    e.setFaults({ throttleEvery: 3, operations: ["getImage"] });
    assert.deepEqual(await outcomes(svc, id, 6), ["ok", "ok", "throttled:Throttling.User", "ok", "ok", "throttled:Throttling.User"]);
    await svc.listMembers(id);
    await svc.listMembers(id);
    await svc.listMembers(id);
    e.clearFaults();
    assert.deepEqual(await outcomes(svc, id, 3), ["ok", "ok", "ok"]);
  });

  it("half-applies a member batch, then fails it as a transient error", async () => {
    const { e, svc, id } = world();
    e.addAccounts(Array.from({ length: 6 }, (_, i) => ({ id: String(10 + i), profile: "alicloud" as const })));
    e.setFaults({ halfBatch: 1 });
    const six = Array.from({ length: 6 }, (_, i) => ({ type: "account" as const, id: String(10 + i) }));
    const err = await refused(svc.addMembers(id, six));
    assert.equal(err.kind, "transient");
    assert.deepEqual(e.image(id)!.members.map((m) => m.id), ["10", "11", "12"]);
    assert.deepEqual(await svc.addMembers(id, six), { calls: 1 });
    assert.equal(e.image(id)!.members.length, 6);
  });

  it("hands the HTTP dialects wire faults: drops, throttling, server errors, latency", () => {
    const { e } = world();
    e.setFaults({ dropEvery: 2 });
    assert.deepEqual([e.takeFault("A"), e.takeFault("A")], [undefined, { kind: "drop" }]);
    e.setFaults({ serverErrorEvery: 1 });
    assert.deepEqual(e.takeFault("A"), { kind: "internal-error" });
    e.setFaults({ latencyMs: 15 });
    assert.deepEqual(e.takeFault("A"), { kind: "latency", ms: 15 });
    e.clearFaults();
    assert.equal(e.takeFault("A"), undefined);
  });

  it("the dialects' services draw no call faults of their own (one draw per request)", async () => {
    const { e, id } = world();
    e.setFaults({ throttleEvery: 1 });
    await e.service({ profile: "alicloud", region: "r", account: "1" }).getImage(id);
  });
});

describe("waitForJob", () => {
  const fake = (jobs: Array<Job | Error>): ImageService =>
    ({
      profile: "alicloud",
      region: "r",
      async getJob() {
        const next = jobs.length > 1 ? jobs.shift()! : jobs[0];
        if (next instanceof Error) throw next;
        return next;
      },
    }) as unknown as ImageService;
  const noSleep = async () => {};

  it("polls with backoff through running and retryable errors to success, reporting progress", async () => {
    const pauses: number[] = [];
    const seen: number[] = [];
    const job = await waitForJob(
      fake([{ id: "j", status: "running", progress: 10 }, new ImageServiceError("throttled", "slow down"), { id: "j", status: "running", progress: 60 }, { id: "j", status: "succeeded", imageId: "m-1", progress: 100 }]),
      "j",
      { pollMs: 100, maxPollMs: 300, sleep: async (ms) => void pauses.push(ms), onProgress: (j) => seen.push(j.progress ?? -1) },
    );
    assert.equal(job.imageId, "m-1");
    assert.deepEqual(pauses, [100, 200, 300]);
    assert.deepEqual(seen, [10, 60, 100]);
  });

  it("throws job-failed with the cloud's reason, and timeout at the deadline", async () => {
    const failed = await refused(waitForJob(fake([{ id: "j", status: "failed", reason: "IMG.0024: snapshot gone" }]), "j", { sleep: noSleep }));
    assert.equal(failed.kind, "job-failed");
    assert.equal(failed.cloudCode, "IMG.0024");
    assert.match(failed.message, /snapshot gone/);
    const late = await refused(waitForJob(fake([{ id: "j", status: "running", progress: 5 }]), "j", { timeoutMs: 50, pollMs: 20, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) }));
    assert.equal(late.kind, "timeout");
    assert.match(late.message, /running, 5%/);
    const hard = await refused(waitForJob(fake([new ImageServiceError("not-found", "no job")]), "j", { sleep: noSleep }));
    assert.equal(hard.kind, "not-found");
  });
});

describe("emulator model: state", () => {
  it("seeding a topology twice adds nothing the second time", () => {
    const e = memoryEmulator();
    const topology = {
      profile: "huaweicloud" as const,
      accounts: { platform: { id: "aaaa0001", site: "cn" as const, projects: { bj: { id: "p-bj", region: "cn-north-4" } } }, team: { id: "aaaa0002", projects: { bj: { id: "p-t", region: "cn-north-4" } } } },
      images: { golden: { id: "img-1", region: "cn-north-4", owner: "platform", kind: "system" as const, name: "golden" }, later: { region: "cn-south-1", owner: "platform", kind: "system" as const, name: "copy" } },
      shares: [],
      acceptances: [],
      copies: [],
    };
    assert.deepEqual(e.seedTopology(topology), { accounts: ["platform (aaaa0001)", "team (aaaa0002)"], images: ["golden (img-1)"] });
    assert.deepEqual(e.seedTopology(topology), { accounts: [], images: [] });
    assert.equal(e.image("img-1")!.ownerProject, "p-bj");
  });

  it("reads old or partial state files with defaults filled in", () => {
    const s = model.checkState({ version: 1, accounts: {}, images: {} }, "x");
    assert.equal(s.settings.batchSize.alicloud, 10);
    assert.deepEqual(s.jobs, {});
    assert.throws(() => model.checkState({ version: 99, accounts: {}, images: {} }, "x.db"), /version 99/);
  });
});
