/**
 * CrossRegionCopy: copies an image to a region (or, on huaweicloud / opentelekomcloud, an
 * in-region replicate), waits for the job with progress messages, and outputs the new image.
 * A job that fails leaves a failed image: Create reports it as partial state (the engine keeps
 * the id), and the next up replaces it. A wait that times out is partial state too: the next up
 * waits again. Delete deletes the copy; where the cloud refuses while the copy is shared, the
 * error names the members left.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImageInfo, ImageService, Job, Member } from "../../backends/types";
import { listAllMembers } from "../../backends/types";
import type { Violation } from "../../rules/rule";
import { PROFILES, usesProjects } from "../../rules/profiles";
import type { CrossRegionCopyExtraInputs, CrossRegionCopyExtraOutputs, CrossRegionCopyInputs as WireInputs, CrossRegionCopyOutputs as WireOutputs } from "../wire";
import { isUnknown } from "../wire";
import { getImage } from "./cache";
import { ProviderError, describe, failure, log, partial } from "./errors";
import { shapeFailures } from "./inputs";
import { SELF, TopologyBuilder, toFailures } from "./rulesAdapter";
import { PROVIDER_KEY, assertKnown, connect, connectForCheck, describeMember, q, identityKnown, isNotFound, validate, warn, withProvider, identityDiff } from "./shared";

type CrossRegionCopyInputs = WireInputs & CrossRegionCopyExtraInputs;
type Inputs = CrossRegionCopyInputs & Record<string, unknown>;
type Outputs = WireOutputs & CrossRegionCopyExtraInputs & CrossRegionCopyExtraOutputs & Record<string, unknown>;

const PRODUCT = "(the copy)";

async function check(_olds: Inputs, news: Inputs): Promise<dynamic.CheckResult<Inputs>> {
  const shape = shapeFailures("CrossRegionCopy", news);
  if (shape.length) return { inputs: news, failures: shape };
  if (!identityKnown(news) || isUnknown(news.sourceImageId) || isUnknown(news.targetRegion)) return { inputs: news };
  if (usesProjects(news.profile) && news.connection?.backend === "cloud" && news.targetRegion !== news.region && !news.targetProject) {
    // IMS acts in one project, and projects are regional: without the destination project the
    // copy could be made but never read or deleted (HW_PROJECT_ID names the source's project).
    const reason = `CrossRegionCopy: targetProject: name the account's project in ${news.targetRegion}: the copy lands there, and IMS reads and deletes it only as that project`;
    return { inputs: news, failures: [{ property: "targetProject", reason }] };
  }
  const connected = await connectForCheck(news);
  if ("property" in connected) return { inputs: news, failures: [connected] };
  const { connection, service } = connected;
  const src = news.sourceImageId;
  let info: ImageInfo | undefined;
  try {
    info = await getImage(connection, service, src);
  } catch (e) {
    // The source may be the product of another copy not applied yet: nothing to check against.
    if (isNotFound(e)) return { inputs: news };
    throw failure(`reading image ${q(src)}`, e);
  }
  // IMS copies a full-ECS image to another region only into a CBR vault there (CopyImageCrossRegion
  // vault_id: "mandatory if you are replicating a full-ECS image", huaweicloud-sdk-go-v3
  // CopyImageCrossRegionRequestBody). Open Telekom Cloud has no cross-region copy at all.
  if (PROFILES[news.profile].copy.crossRegionFullNeedsVault && news.targetRegion !== info.region && info.kind === "full" && !news.vaultId) {
    const reason =
      `CrossRegionCopy: vaultId: image ${src} is a full-ECS image, and IMS copies a full-ECS image to another region only with a vault to hold its backup there. ` +
      `Fix: create a server-backup vault in Cloud Backup and Recovery (CBR) in ${news.targetRegion}, then set vaultId to its id`;
    return { inputs: news, failures: [{ property: "vaultId", reason }] };
  }
  const b = new TopologyBuilder(news.profile, news.stack);
  b.account(news.account);
  if (news.project) b.project(news.account, news.project, news.region);
  b.image(info);
  b.addStack(src, info.region);
  if (info.sharedWithCaller) {
    // The copier's acceptance: as the backend reports it, else as the stack declares it, else
    // assumed accepted (never a violation resting on what could not be read).
    const declared = b.acceptances.find((a) => a.member === news.account || (typeof a.member === "object" && a.member.project === news.project))?.status;
    const status = info.callerMemberStatus ?? declared ?? "accepted";
    const members: Member[] = [{ type: "account", id: news.account, status }];
    if (news.project) members.push({ type: "project", id: news.project, status });
    b.observe(src, members, info.region);
  }
  b.copies.push({ name: SELF, source: src, region: news.targetRegion, by: news.account, as: PRODUCT, ...(news.name ? { imageName: news.name } : {}), ...(news.description ? { description: news.description } : {}) });
  const property = (v: Violation): string => (v.rule === "copy-same-region" || v.rule === "cross-region-copy-unsupported" || v.rule === "cross-region-share" ? "targetRegion" : "sourceImageId");
  const { failures, warnings } = toFailures(validate(b.topology(), b.observed), [], property);
  warn(`CrossRegionCopy of image ${q(src)} to ${news.targetRegion}`, warnings);
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

const REPLACE_KEYS = ["sourceImageId", "targetRegion", "targetProject", "name", "description", "profile", "region", "account", "project"] as const;

async function diff(_id: string, olds: Outputs, news: Inputs): Promise<dynamic.DiffResult> {
  const { replaces, connectionChanged } = identityDiff(olds, news, REPLACE_KEYS);
  // A failed copy is replaced: a new copy is made, then the failed image deleted.
  if (olds.jobStatus === "failed" && !replaces.length) replaces.push("sourceImageId");
  const changes = replaces.length > 0 || olds.jobStatus === "running" || olds.timeoutMinutes !== news.timeoutMinutes || olds.vaultId !== news.vaultId || connectionChanged;
  return { changes, replaces };
}

/** The identity that holds the copy: the copier in the destination region. */
function targetIdentity(p: CrossRegionCopyInputs): CrossRegionCopyInputs {
  const t: CrossRegionCopyInputs = { ...p, region: p.targetRegion };
  if (p.targetProject) t.project = p.targetProject;
  // An in-region replicate lands in the copier's own project; projects are regional, so only
  // another region needs another (or no) project.
  else if (p.targetRegion !== p.region) delete t.project;
  return t;
}

/** Polls a job with backoff until it ends or the deadline passes; progress goes to the log. */
async function waitFor(service: ImageService, job: Job, label: string, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  let pause = Number(process.env.IMAGE_SHARE_JOB_POLL_MS ?? 500) || 500;
  let lastProgress = -1;
  let current = job;
  for (;;) {
    if (current.status !== "running") return current;
    if (current.progress !== undefined && current.progress !== lastProgress) {
      lastProgress = current.progress;
      log(`${label}: job ${current.id} ${current.progress}%`);
    }
    if (Date.now() + pause > deadline) return current;
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(10_000, Math.round(pause * 1.5));
    current = await service.getJob(job.id);
  }
}

async function copyAndWait(inputs: Inputs, resume?: { jobId: string; imageId: string; id: string }): Promise<{ id: string; outs: Outputs }> {
  const { service } = await connect(inputs);
  const label = `copying image ${q(inputs.sourceImageId)} to ${inputs.targetRegion}`;
  let job: Job;
  try {
    job = resume ? await service.getJob(resume.jobId) : await service.copyImage({
          imageId: inputs.sourceImageId,
          region: inputs.targetRegion,
          ...(inputs.name ? { name: inputs.name } : {}),
          ...(inputs.description ? { description: inputs.description } : {}),
          ...(inputs.vaultId ? { vaultId: inputs.vaultId } : {}),
        });
  } catch (e) {
    throw failure(label, e);
  }
  // Named at once: if this run dies before the copy is recorded, the output names what the cloud
  // is making, to delete by hand (the engine records nothing of a create that never answered).
  if (!resume) log(`${label}: job ${job.id} started${job.imageId ? `, making image ${q(job.imageId)}` : ""} in ${inputs.targetRegion}`);
  const timeoutMs = (typeof inputs.timeoutMinutes === "number" ? inputs.timeoutMinutes : 30) * 60_000;
  try {
    job = await waitFor(service, job, label, timeoutMs);
  } catch (e) {
    job = { ...job, status: "running" };
    log(`${label}: reading job ${job.id} failed (${describe("reading the job", e)}): the next up waits again`);
  }
  const imageId = job.imageId ?? resume?.imageId;
  const outs = (status: "running" | "succeeded" | "failed"): Outputs =>
    ({ ...inputs, imageId: imageId ?? "", imageRegion: inputs.targetRegion, imageOwner: inputs.account, jobId: job.id, jobStatus: status }) as Outputs;
  if (job.status === "succeeded" && imageId) {
    log(`${label}: done, image ${q(imageId)}`);
    return { id: resume?.id ?? imageId, outs: outs("succeeded") };
  }
  if (job.status === "failed") {
    const message = `${label} failed: job ${job.id}${job.reason ? `: ${job.reason}` : ""}`;
    if (!imageId) throw new ProviderError(message);
    throw partial(`${message}. The failed image ${q(imageId)} is recorded: the next \`pulumi up\` replaces it, \`pulumi destroy\` deletes it`, resume?.id ?? imageId, withProvider(outs("failed"), inputs), [message]);
  }
  const message = `${label}: job ${job.id} still running after ${Math.round(timeoutMs / 60_000)} min`;
  if (!imageId) throw new ProviderError(`${message}; the cloud has not named the new image yet`);
  throw partial(`${message}: the next \`pulumi up\` waits for it again`, resume?.id ?? imageId, withProvider(outs("running"), inputs), [message]);
}

async function create(inputs: Inputs): Promise<dynamic.CreateResult<Outputs>> {
  assertKnown("a CrossRegionCopy's inputs", { ...inputs, stack: undefined });
  return copyAndWait(inputs);
}

async function update(id: string, olds: Outputs, news: Inputs): Promise<dynamic.UpdateResult<Outputs>> {
  assertKnown("a CrossRegionCopy's inputs", { ...news, stack: undefined });
  if (olds.jobStatus === "running" && olds.jobId) {
    const { outs } = await copyAndWait(news, { jobId: olds.jobId, imageId: olds.imageId, id });
    return { outs };
  }
  const keep: Outputs = { ...news, imageId: olds.imageId, imageRegion: olds.imageRegion, imageOwner: olds.imageOwner, jobId: olds.jobId, jobStatus: olds.jobStatus ?? "succeeded" } as Outputs;
  return { outs: keep };
}

async function read(id: string, given?: Outputs): Promise<dynamic.ReadResult<Outputs>> {
  const props = { ...(given ?? {}) } as Outputs;
  delete (props as Record<string, unknown>)[PROVIDER_KEY];
  const { connection, service } = await connect(targetIdentity(props));
  let info: ImageInfo;
  try {
    info = await getImage(connection, service, props.imageId || id, true);
  } catch (e) {
    if (isNotFound(e)) {
      log(`refresh: the copy ${props.imageId || id} in ${props.targetRegion} no longer exists`);
      return { id: "", props: {} as Outputs };
    }
    throw failure(`reading image ${props.imageId || id}`, e);
  }
  const jobStatus = info.status === "available" ? "succeeded" : info.status === "failed" ? "failed" : "running";
  return { id, props: { ...props, imageId: info.id, imageRegion: info.region, imageOwner: info.owner, jobStatus } };
}

async function del(id: string, props: Outputs): Promise<void> {
  const imageId = props.imageId || id;
  const { service } = await connect(targetIdentity(props));
  let members: Member[] = [];
  try {
    members = (await listAllMembers(service, imageId)).filter((m) => m.status !== "rejected");
  } catch (e) {
    if (isNotFound(e)) return; // gone already
    members = [];
  }
  const named = (ms: Member[]) => `${ms.slice(0, 20).map(describeMember).join(", ")}${ms.length > 20 ? `, ... (${ms.length} in all)` : ""}`;
  const refuses = PROFILES[props.profile].deleteShared === "refused";
  if (members.length && refuses) {
    throw new ProviderError(
      `[delete-while-shared] cannot delete the copy ${q(imageId)} in ${props.targetRegion}: ${props.profile} refuses to delete an image that is shared, and it still has ${members.length} member(s): ${named(members)}. Fix: remove those shares first (delete or change the ImageShare resources of ${imageId}), then destroy the copy`,
    );
  }
  if (members.length) log(`warning: [delete-while-shared] deleting the copy ${q(imageId)} while it is shared with ${named(members)}: they can no longer reinstall or re-initialise servers made from it`);
  try {
    await service.deleteImage(imageId);
  } catch (e) {
    if (isNotFound(e)) return;
    const m = describe(`deleting the copy ${q(imageId)} in ${props.targetRegion}`, e);
    throw new ProviderError(members.length ? `${m}; members left: ${named(members)}` : m);
  }
}

export const crossRegionCopyProvider: dynamic.ResourceProvider<Inputs, Outputs> = { check, diff, create, read, update, delete: del };
