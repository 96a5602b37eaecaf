/**
 * The conformance suite every ImageService passes: the in-process emulator backend, and each
 * real cloud backend over HTTP against the served emulator. A backend's test file calls
 *
 *   describeImageServiceConformance("alicloud over HTTP", async () => world);
 *
 * with a `setup` that builds a fresh world (a seeded emulator, services for the owner and two
 * recipients) for every test.
 */
import assert = require("node:assert/strict");
import { ImageServiceError, type ImageServiceErrorKind } from "../../provider/backends/errors";
import { waitForJob } from "../../provider/backends/jobs";
import { listAllMembers, type ImageService, type Member, type MemberTarget } from "../../provider/backends/types";
import type { FaultSettings } from "../../provider/backends/emulator/model";
import type { ImageKind, ProfileId } from "../../provider/rules/model";
import { copyReaches, PROFILES } from "../../provider/rules/profiles";

export interface ConformanceWorld {
  profile: ProfileId;
  /** The owner of the images, in the images' region. */
  owner: ImageService;
  /** The owner in `otherRegion` (reads the products of cross-region copies). */
  ownerInOtherRegion: ImageService;
  /** Two recipients, in the images' region, acting with their own credentials. */
  recipient: ImageService;
  recipient2: ImageService;
  /** Members naming the recipients (their account, or on opentelekomcloud their project in the region). */
  recipientMember: MemberTarget;
  recipient2Member: MemberTarget;
  /** A member naming the owner itself (its account; on opentelekomcloud the project holding the images). */
  ownerMember: MemberTarget;
  /** Images owned by `owner`, available, without members. */
  systemImageId: string;
  fullImageId: string;
  /** A region other than the images' where the owner can hold a copy. */
  otherRegion: string;
  /**
   * Whether the cloud copies images across regions (default true). Open Telekom Cloud does not:
   * its copy tests replicate within the region, and a cross-region copy must be refused.
   */
  crossRegionCopy?: boolean;
  /** `n` further valid, distinct members (other accounts / projects in the region), created on demand. */
  extraMembers(n: number): Promise<MemberTarget[]>;
  /** The member limit the world's cloud applies, per image kind. */
  memberLimit: Record<ImageKind, number>;
  /** Members per add / remove call the backend sends. */
  batchSize: number;
  /** Switches the emulator's faults on (replacing any) or off. */
  setFaults(faults: FaultSettings): Promise<void>;
  clearFaults(): Promise<void>;
  /** Whether the backend retries throttling and server errors itself (the real backends do; the emulator's raw service does not). */
  retries: boolean;
  /** HTTP backends: a service whose requests carry a wrong secret. Absent: the backend has no credentials to check. */
  badCredentials?: () => ImageService;
  /** Polling interval for jobs (the world's copies take about `copyDurationMs`). */
  pollMs?: number;
  /**
   * How a failed job's reason reaches the caller. "cloud" (default): the cloud reports it (IMS
   * jobs' fail_reason), so the emulator's reason must come through. "state-only": the cloud's
   * API reports only a failed state (Tencent Cloud DescribeImages: ImageState CREATEFAILED, no
   * reason field), so the job must fail naming that state.
   */
  jobFailureReason?: "cloud" | "state-only";
  teardown(): Promise<void>;
}

/** The clouds' codes the suite expects (the emulator's model answers them; the HTTP backends surface them). */
const EXPECTED = {
  quota: { huaweicloud: "IMG.0088", opentelekomcloud: "IMG.0088", alicloud: "QuotaExceed.ShareImageUser", tencentcloud: "OverQuota" },
  self: { huaweicloud: "IMG.0076", opentelekomcloud: "IMG.0076", alicloud: "InvalidAccount.Forbbiden", tencentcloud: "FailedOperation.AccountIsYourSelf" },
} as const;

const hasAcceptance = (p: ProfileId) => PROFILES[p].acceptance;
const key = (m: MemberTarget) => `${m.type}:${m.id}`;
const keys = (ms: MemberTarget[]) => ms.map(key).sort();

async function refusal(promise: Promise<unknown>, what: string): Promise<ImageServiceError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof ImageServiceError) return e;
    throw new Error(`${what}: expected an ImageServiceError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error(`${what}: expected a refusal, but it succeeded`);
}

function assertKind(e: ImageServiceError, kinds: ImageServiceErrorKind[], what: string): void {
  assert.ok(kinds.includes(e.kind), `${what}: kind ${e.kind} (${e.cloudCode}: ${e.message}) is not one of ${kinds.join(", ")}`);
}

export function describeImageServiceConformance(name: string, setup: () => Promise<ConformanceWorld>): void {
  describe(`ImageService conformance: ${name}`, function () {
    this.timeout(60_000);
    let w: ConformanceWorld;
    beforeEach(async () => {
      w = await setup();
    });
    afterEach(async () => {
      await w?.teardown();
    });
    const wait = (service: ImageService, jobId: string) => waitForJob(service, jobId, { pollMs: w.pollMs ?? 20, maxPollMs: 200, timeoutMs: 30_000 });
    const members = (imageId: string) => listAllMembers(w.owner, imageId);

    it("reads an owned image and a shared one", async () => {
      const own = await w.owner.getImage(w.systemImageId);
      assert.equal(own.id, w.systemImageId);
      assert.equal(own.kind, "system");
      assert.equal(own.status, "available");
      assert.equal(own.sharedWithCaller, false);
      const full = await w.owner.getImage(w.fullImageId);
      assert.equal(full.kind, "full");
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      const seen = await w.recipient.getImage(w.systemImageId);
      assert.equal(seen.sharedWithCaller, true);
      assert.equal(seen.owner, own.owner);
    });

    it("refuses an image the caller cannot see as not-found", async () => {
      const e = await refusal(w.recipient.getImage(w.systemImageId), "getImage of an image not shared");
      assertKind(e, ["not-found"], "getImage of an image not shared");
    });

    it("pages members past one page", async () => {
      const n = Math.min(120, w.memberLimit.system);
      const pageSize = n >= 120 ? 50 : 20;
      const wanted = await w.extraMembers(n);
      await w.owner.addMembers(w.systemImageId, wanted);
      const seen: Member[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await w.owner.listMembers(w.systemImageId, { pageSize, pageToken: token });
        assert.ok(page.items.length <= pageSize, `a page of ${page.items.length} items exceeds pageSize ${pageSize}`);
        seen.push(...page.items);
        token = page.nextPageToken;
        pages++;
      } while (token);
      assert.ok(pages >= Math.ceil(n / pageSize), `${n} members came in ${pages} page(s) of ${pageSize}`);
      assert.deepEqual(keys(seen), keys(wanted));
    });

    it("batches member changes past one call, in the fewest calls", async () => {
      const n = Math.min(w.batchSize * 2 + 5, w.memberLimit.system);
      assert.ok(n > w.batchSize, `the world must allow more than one batch (${w.batchSize}) of members: limit ${w.memberLimit.system}`);
      const wanted = await w.extraMembers(n);
      const added = await w.owner.addMembers(w.systemImageId, wanted);
      assert.equal(added.calls, Math.ceil(n / w.batchSize));
      assert.deepEqual(keys(await members(w.systemImageId)), keys(wanted));
      const removed = await w.owner.removeMembers(w.systemImageId, wanted);
      assert.equal(removed.calls, Math.ceil(n / w.batchSize));
      assert.deepEqual(await members(w.systemImageId), []);
    });

    it("adds and removes idempotently", async () => {
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      await w.owner.addMembers(w.systemImageId, [w.recipientMember, w.recipient2Member]);
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      assert.deepEqual(keys(await members(w.systemImageId)), keys([w.recipientMember, w.recipient2Member]));
      await w.owner.removeMembers(w.systemImageId, [w.recipientMember]);
      await w.owner.removeMembers(w.systemImageId, [w.recipientMember]);
      assert.deepEqual(keys(await members(w.systemImageId)), keys([w.recipient2Member]));
      await w.owner.removeMembers(w.systemImageId, [w.recipientMember, w.recipient2Member]);
      assert.deepEqual(await members(w.systemImageId), []);
    });

    it("refuses members past the limit with quota-exceeded, the cloud's code and rule member-limit", async () => {
      const kind: ImageKind = w.memberLimit.full <= w.memberLimit.system ? "full" : "system";
      const imageId = kind === "full" ? w.fullImageId : w.systemImageId;
      const limit = w.memberLimit[kind];
      const extra = await w.extraMembers(limit + 1);
      await w.owner.addMembers(imageId, extra.slice(0, limit));
      assert.equal((await members(imageId)).length, limit);
      const e = await refusal(w.owner.addMembers(imageId, extra.slice(limit)), "a member past the limit");
      assertKind(e, ["quota-exceeded"], "a member past the limit");
      assert.equal(e.cloudCode, EXPECTED.quota[w.profile]);
      assert.equal(e.rule, "member-limit");
      assert.equal((await members(imageId)).length, limit, "a refused add adds nothing");
    });

    it("refuses sharing with the owner itself", async () => {
      const e = await refusal(w.owner.addMembers(w.systemImageId, [w.ownerMember]), "self-share");
      assertKind(e, ["invalid", "forbidden", "conflict"], "self-share");
      assert.equal(e.cloudCode, EXPECTED.self[w.profile]);
      assert.equal(e.rule, "self-share");
      assert.deepEqual(await members(w.systemImageId), []);
    });

    it("refuses a share by an account that does not own the image", async () => {
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      if (hasAcceptance(w.profile)) await w.recipient.setMemberStatus(w.systemImageId, w.recipientMember, "accepted");
      const e = await refusal(w.recipient.addMembers(w.systemImageId, [w.recipient2Member]), "a re-share by a recipient");
      assertKind(e, ["forbidden", "not-found"], "a re-share by a recipient");
      assert.deepEqual(keys(await members(w.systemImageId)), keys([w.recipientMember]));
      const list = await refusal(w.recipient.listMembers(w.systemImageId), "a recipient listing members");
      assertKind(list, ["forbidden", "not-found"], "a recipient listing members");
    });

    it("reports acceptance states (pending -> accepted -> rejected -> accepted), set by the member only, to the owner and to the member itself; or accepted at once", async () => {
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      // As the owner lists the members, and as the member reads the image (its own status, on the clouds with acceptance).
      const status = async () => {
        const listed = (await members(w.systemImageId)).find((m) => key(m) === key(w.recipientMember))?.status;
        const own = (await w.recipient.getImage(w.systemImageId)).callerMemberStatus;
        assert.equal(own, hasAcceptance(w.profile) ? listed : undefined, "the member's own reading");
        return listed;
      };
      assert.equal((await w.owner.getImage(w.systemImageId)).callerMemberStatus, undefined, "the owner is no member");
      if (!hasAcceptance(w.profile)) {
        assert.equal(await status(), "accepted");
        const e = await refusal(w.recipient.setMemberStatus(w.systemImageId, w.recipientMember, "accepted"), "acceptance on a cloud without it");
        assertKind(e, ["invalid", "forbidden"], "acceptance on a cloud without it");
        return;
      }
      assert.equal(await status(), "pending");
      const byOwner = await refusal(w.owner.setMemberStatus(w.systemImageId, w.recipientMember, "accepted"), "the owner accepting for a member");
      assertKind(byOwner, ["forbidden", "not-found", "invalid"], "the owner accepting for a member");
      const byOther = await refusal(w.recipient2.setMemberStatus(w.systemImageId, w.recipientMember, "accepted"), "another account accepting for a member");
      assertKind(byOther, ["forbidden", "not-found", "invalid"], "another account accepting for a member");
      assert.equal(await status(), "pending");
      await w.recipient.setMemberStatus(w.systemImageId, w.recipientMember, "accepted");
      assert.equal(await status(), "accepted");
      await w.recipient.setMemberStatus(w.systemImageId, w.recipientMember, "rejected");
      assert.equal(await status(), "rejected");
      await w.recipient.setMemberStatus(w.systemImageId, w.recipientMember, "accepted");
      assert.equal(await status(), "accepted");
    });

    /** Where the copy tests copy to: another region, or on a cloud without cross-region copies the image's own. */
    const copyTarget = async () =>
      w.crossRegionCopy === false ? { region: (await w.owner.getImage(w.systemImageId)).region, reader: w.owner } : { region: w.otherRegion, reader: w.ownerInOtherRegion };

    it("copies an image (to another region where the cloud can) as a job that runs, then succeeds with a new image", async () => {
      const target = await copyTarget();
      const job = await w.owner.copyImage({ imageId: w.systemImageId, region: target.region, name: "conformance-copy" });
      assert.equal(job.status, "running", "a copy takes time: the job runs first");
      const seen: string[] = [];
      const done = await waitForJob(w.owner, job.id, { pollMs: w.pollMs ?? 20, maxPollMs: 200, timeoutMs: 30_000, onProgress: (j) => seen.push(j.status) });
      assert.equal(done.status, "succeeded");
      assert.equal(seen[seen.length - 1], "succeeded");
      assert.ok(done.imageId, "a finished copy names its image");
      assert.notEqual(done.imageId, w.systemImageId);
      const copy = await target.reader.getImage(done.imageId!);
      assert.equal(copy.status, "available");
      assert.equal(copy.region, target.region);
      assert.equal(copy.kind, "system");
      assert.equal(copy.sharedWithCaller, false);
    });

    it("reports a failed copy job with its reason", async () => {
      await w.setFaults({ failJobs: 1, failJobReason: "conformance: snapshot copy failed" });
      const job = await w.owner.copyImage({ imageId: w.systemImageId, region: (await copyTarget()).region, name: "conformance-fail" });
      const e = await refusal(wait(w.owner, job.id), "a failed copy job");
      assertKind(e, ["job-failed"], "a failed copy job");
      if (w.jobFailureReason === "state-only") assert.match(e.message, /create_?failed/i, "the failed state the cloud reports");
      else assert.match(e.message, /snapshot copy failed/);
    });

    it("refuses a cross-region copy where the cloud has none, before a copy exists", async () => {
      if (w.crossRegionCopy !== false) return;
      const e = await refusal(w.owner.copyImage({ imageId: w.systemImageId, region: w.otherRegion }), "a cross-region copy");
      assertKind(e, ["invalid", "not-found"], "a cross-region copy");
    });

    it("deletes an image: refused while shared where the cloud refuses, allowed once the shares are cancelled", async () => {
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      if (PROFILES[w.profile].deleteShared === "refused") {
        const e = await refusal(w.owner.deleteImage(w.systemImageId), "delete while shared");
        assertKind(e, ["conflict", "forbidden", "invalid"], "delete while shared");
        assert.equal(e.rule, "delete-while-shared");
        await w.owner.getImage(w.systemImageId);
        await w.owner.removeMembers(w.systemImageId, [w.recipientMember]);
      }
      await w.owner.deleteImage(w.systemImageId);
      const gone = await refusal(w.owner.getImage(w.systemImageId), "reading a deleted image");
      assertKind(gone, ["not-found"], "reading a deleted image");
    });

    it("meets throttling and server errors: retried to success, or surfaced as retryable errors", async () => {
      const wanted = await w.extraMembers(Math.min(w.batchSize * 2 + 1, w.memberLimit.system));
      if (w.retries) {
        await w.setFaults({ throttleEvery: 2, serverErrorEvery: 3, seed: 7 });
        await w.owner.addMembers(w.systemImageId, wanted);
        await w.owner.getImage(w.systemImageId);
        await w.clearFaults();
        assert.deepEqual(keys(await members(w.systemImageId)), keys(wanted));
        return;
      }
      await w.setFaults({ throttleEvery: 1 });
      const t = await refusal(w.owner.getImage(w.systemImageId), "a throttled call");
      assertKind(t, ["throttled"], "a throttled call");
      assert.equal(t.retryable, true);
      await w.setFaults({ serverErrorEvery: 1 });
      const s = await refusal(w.owner.addMembers(w.systemImageId, wanted), "a server error");
      assertKind(s, ["transient"], "a server error");
      assert.equal(s.retryable, true);
      await w.clearFaults();
      await w.owner.addMembers(w.systemImageId, wanted);
      assert.deepEqual(keys(await members(w.systemImageId)), keys(wanted));
    });

    it("converges after a batch half applied before a transient error", async () => {
      const wanted = await w.extraMembers(Math.min(w.batchSize, w.memberLimit.system, 8));
      await w.setFaults({ halfBatch: 1 });
      if (w.retries) {
        await w.owner.addMembers(w.systemImageId, wanted);
      } else {
        const e = await refusal(w.owner.addMembers(w.systemImageId, wanted), "a half-applied batch");
        assertKind(e, ["transient"], "a half-applied batch");
        const partial = await members(w.systemImageId);
        assert.equal(partial.length, Math.floor(wanted.length / 2), "the first half of the batch landed");
        await w.owner.addMembers(w.systemImageId, wanted);
      }
      assert.deepEqual(keys(await members(w.systemImageId)), keys(wanted));
    });

    it("applies the profile's copy rules", async () => {
      if (!copyReaches(PROFILES[w.profile].copy.owned, true)) {
        // tencentcloud: the owner copies only to other regions; a recipient only syncs to the source region.
        const same = await refusal(w.owner.copyImage({ imageId: w.systemImageId, region: (await w.owner.getImage(w.systemImageId)).region }), "a same-region copy");
        assertKind(same, ["invalid", "forbidden", "conflict"], "a same-region copy");
        await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
        const shared = await refusal(w.recipient.copyImage({ imageId: w.systemImageId, region: w.otherRegion }), "a copy of a shared image");
        assertKind(shared, ["invalid", "forbidden", "not-found"], "a copy of a shared image");
        assert.equal(shared.rule, "copy-of-shared-image");
        // SyncImages takes a shared image to its source region: the recipient's own custom image there.
        const job = await w.recipient.copyImage({ imageId: w.systemImageId, region: (await w.recipient.getImage(w.systemImageId)).region, name: "own-copy" });
        const own = await w.recipient.getImage((await wait(w.recipient, job.id)).imageId!);
        assert.equal(own.sharedWithCaller, false);
        return;
      }
      if (hasAcceptance(w.profile)) {
        const region = (await w.owner.getImage(w.systemImageId)).region;
        await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
        const early = await refusal(w.recipient.copyImage({ imageId: w.systemImageId, region }), "a replicate before accepting");
        assertKind(early, ["forbidden", "invalid", "conflict"], "a replicate before accepting");
        assert.equal(early.rule, "copy-requires-acceptance");
        await w.recipient.setMemberStatus(w.systemImageId, w.recipientMember, "accepted");
        const job = await w.recipient.copyImage({ imageId: w.systemImageId, region, name: "private-replica" });
        const done = await wait(w.recipient, job.id);
        const replica = await w.recipient.getImage(done.imageId!);
        assert.equal(replica.sharedWithCaller, false);
        assert.equal(replica.sourceImageId ?? w.systemImageId, w.systemImageId);
        return;
      }
      // alicloud copies within a region too, an image shared with the caller only there (CopyImage reference).
      const region = (await w.owner.getImage(w.systemImageId)).region;
      const job = await w.owner.copyImage({ imageId: w.systemImageId, region });
      const done = await wait(w.owner, job.id);
      assert.equal((await w.owner.getImage(done.imageId!)).status, "available");
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      const away = await refusal(w.recipient.copyImage({ imageId: w.systemImageId, region: w.otherRegion }), "a cross-region copy of a shared image");
      assertKind(away, ["forbidden", "invalid", "not-found"], "a cross-region copy of a shared image");
      assert.equal(away.rule, "copy-of-shared-image");
      const within = await wait(w.recipient, (await w.recipient.copyImage({ imageId: w.systemImageId, region })).id);
      assert.equal((await w.recipient.getImage(within.imageId!)).sharedWithCaller, false);
    });

    it("refuses bad credentials (backends that send credentials)", async () => {
      if (!w.badCredentials) {
        // The in-process emulator has no credentials to check: the identity is the caller's word.
        assert.equal(w.badCredentials, undefined);
        return;
      }
      const e = await refusal(w.badCredentials().getImage(w.systemImageId), "a request with a wrong secret");
      assertKind(e, ["auth"], "a request with a wrong secret");
    });
  });
}
