/**
 * Huawei Cloud / Open Telekom Cloud IMS backend. There is no IMS package for Node on the
 * registry, so the requests are written here on `@huaweicloud/huaweicloud-sdk-core`, which signs
 * them (SDK-HMAC-SHA256 with AK/SK, X-Project-Id) and sends them. Requests used (IMS API
 * reference, support.huaweicloud.com/api-ims and docs.otc.t-systems.com/image-management-service):
 *
 * - GET    /v2/images/{image_id}                      image (Glance fields + IMS `__*` extensions)
 * - GET    /v2/images/{image_id}/members/{member_id}  the caller's own membership of an image shared with it (GlanceShowImageMember)
 * - GET    /v2/cloudimages?owner&name&limit&marker    ListImages: the caller's images of a name, paged by the last id
 * - GET    /v2/images/{image_id}/members?limit&marker members, paged: page_info.next_marker (GlanceListImageMembers)
 * - POST   /v1/cloudimages/members                    BatchAddMembers {images, projects|domains} -> job_id
 * - DELETE /v1/cloudimages/members                    BatchDeleteMembers, same body -> job_id
 * - PUT    /v1/cloudimages/members                    BatchUpdateMembers {images, project_id, status, vault_id?} -> job_id
 * - POST   /v1/cloudimages/{image_id}/copy            in-region replicate {name, description} -> job_id
 * - POST   /v1/cloudimages/{image_id}/cross_region_copy {name, description, region, project_name, agency_name, vault_id?} -> job_id
 *          (Huawei Cloud only: Open Telekom Cloud has no such API, see copyImage)
 * - GET    /v1/{project_id}/jobs/{job_id}             {status: SUCCESS|FAIL|RUNNING|INIT, entities{results[]}, error_code, fail_reason}
 * - DELETE /v2/images/{image_id}                      204 at once; the image is gone later (polled until 404)
 */
import { ImageServiceError } from "../errors";
import { waitForJob } from "../jobs";
import { chunk, mapConcurrent, RateLimits, sleep, withRetry } from "../retry";
import type { BatchResult, CopyRequest, ImageInfo, ImageService, ImageStatus, Job, KnownMembers, Member, MemberStatusOptions, MemberTarget, Page, PageRequest } from "../types";
import { listAllMembers } from "../types";
import type { ImageKind, MemberStatus } from "../../rules/model";
import { copiesAcrossRegions, PROFILES } from "../../rules/profiles";
import { resolveHuaweiCloudOptions, type HuaweiCloudImageServiceOptions, type HuaweiProfile, type ResolvedHuaweiCloudOptions } from "./config";
import { fromJobFailure, fromSdkError } from "./errors";
// The package's main entry exports only the credential classes; ClientBuilder lives in a
// subpath (the package has no "exports" map, so the subpath is requirable after install too).
import clientBuilder = require("@huaweicloud/huaweicloud-sdk-core/ClientBuilder");
import basicCredentials = require("@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials");

interface SdkClient {
  sendRequest(options: Record<string, unknown>): Promise<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

/** GlanceListImageMembers `limit`: 1..1000, default 500 (API reference ims_03_0723). */
const DEFAULT_PAGE_SIZE = 500;
const MAX_PAGE_SIZE = 1000;
/** ListImages `limit`: "500 by default" (ims_03_0602); no maximum is documented, so the default is sent. */
const LIST_IMAGES_PAGE_SIZE = 500;
/** IMS takes at most 5 cross-region copies of one tenant at a time (API reference, CopyImageCrossRegion). */
export const MAX_CONCURRENT_CROSS_REGION_COPIES = 5;

/** Options only this backend has (not in the shared ImageService). */
export interface HuaweiCloudCopyOptions {
  /**
   * Cross-region copy: the IAM agency that lets IMS act in the destination (agency_name), and
   * the destination project's name (project_name; IMS's default project of a region is named
   * after the region, which is the default here).
   */
  agencyName?: string;
  projectName?: string;
}

export class HuaweiCloudImageService implements ImageService {
  readonly profile: HuaweiProfile;
  readonly region: string;
  readonly options: ResolvedHuaweiCloudOptions;
  private readonly client: SdkClient;
  /** The documented rates (profile table), shared by every instance of this key and endpoint. */
  private readonly rates: RateLimits;
  copyOptions: HuaweiCloudCopyOptions = {};

  constructor(options: HuaweiCloudImageServiceOptions & HuaweiCloudCopyOptions = {}) {
    this.options = resolveHuaweiCloudOptions(options);
    this.profile = this.options.profile;
    this.region = this.options.region;
    this.rates = new RateLimits(this.options.rates, `${this.profile} ${this.options.endpoint} ${this.options.accessKey}`);
    this.copyOptions = { ...(options.agencyName ? { agencyName: options.agencyName } : {}), ...(options.projectName ? { projectName: options.projectName } : {}) };
    const credentials = new basicCredentials.BasicCredentials().withAk(this.options.accessKey).withSk(this.options.secretKey).withProjectId(this.options.projectId);
    const client = new clientBuilder.ClientBuilder((hc: unknown) => hc)
      .withCredential(credentials)
      .withEndpoint(this.options.endpoint)
      .withOptions({ axiosRequestConfig: { timeout: this.options.requestTimeoutMs } })
      .build() as unknown as SdkClient & { httpClient?: { _logger?: unknown } };
    // The SDK's HTTP client logs every error response to stdout (log4js); errors are ours to
    // report, and stdout belongs to the Pulumi provider host and the CLI.
    if (client.httpClient) client.httpClient._logger = QUIET_LOGGER;
    this.client = client;
  }

  // ---- requests ----

  /**
   * One IMS request, retried on throttling and transient errors within the retry deadline; every
   * attempt waits for its API's documented rate (`api`: the SDK's operation name; the profile
   * table documents none for IMS today).
   */
  private async request(operation: string, method: string, url: string, extra: { api: string; query?: Json; body?: Json; retry?: boolean }): Promise<Json> {
    const once = async () => {
      try {
        const answer = await this.client.sendRequest({
          method,
          url,
          contentType: "application/json",
          headers: {},
          pathParams: {},
          queryParams: extra.query ?? {},
          ...(extra.body !== undefined ? { data: extra.body } : {}),
        });
        return answer ?? {};
      } catch (e) {
        throw fromSdkError(e, operation);
      }
    };
    const limiter = this.rates.of(extra.api, this.region);
    return withRetry(once, { ...this.options.retry, limiter, ...(extra.retry === false ? { maxAttempts: 1 } : {}) });
  }

  private waitOptions() {
    return { pollMs: this.options.jobPollMs, maxPollMs: this.options.jobMaxPollMs, timeoutMs: this.options.jobTimeoutMs };
  }

  /**
   * Waits for a member job; a failed one is reported in the kind its error code means. A job that
   * ends SUCCESS may still carry a failed member in `entities.results[]` (per image and project:
   * JobEntitiesResult in huaweicloud-sdk-go-v3 services/ims/v2/model): that is a failure too,
   * naming the members; the callers then re-read the members and decide.
   */
  private async waitMemberJob(jobId: string, operation: string): Promise<void> {
    let results: JobResult[] = [];
    try {
      await waitForJob(this, jobId, this.waitOptions());
      results = this.lastJobs.get(jobId)?.results ?? [];
    } catch (e) {
      if (e instanceof ImageServiceError && e.kind === "job-failed") {
        const raw = this.lastJobs.get(jobId);
        throw fromJobFailure(jobId, raw?.code, raw?.reason, operation);
      }
      throw e;
    } finally {
      this.lastJobs.delete(jobId);
    }
    const failed = results.filter((r) => r.status !== undefined && !/^succe/i.test(r.status));
    if (failed.length > 0) {
      const who = failed.map((r) => `${r.projectId ?? "?"} on ${r.imageId ?? "?"}: ${r.status}`).join(", ");
      throw new ImageServiceError("job-failed", `${operation}: job ${jobId} ended SUCCESS but ${failed.length} member result(s) failed (${who})`);
    }
  }

  // ---- ImageService ----

  /**
   * ListImages (GET /v2/cloudimages; Huawei API reference ims_03_0602 "Querying Images", OTC
   * api-ref en-us_topic_0020091565, the same call and example): `owner={project_id}` and
   * `name` (matched exactly), paged by `limit` (default 500) and `marker` (the last image's id).
   * The answer is `{images: [...]}` with no `next` link (that is the native /v2/images'), so a
   * page shorter than `limit` is the last. Filtered by `owner`, the pages' "private images" query,
   * not `__imagetype=private`: an image its owner has shared out is listed as `shared` (the
   * `__imagetype` note of the same page). No `status` filter: every status is wanted, a copy still
   * queued or saving included (huaweicloud Terraform's images data source passes status=active to drop them).
   */
  async findOwnedImages(name: string): Promise<ImageInfo[]> {
    checkId(name, "image name");
    const project = this.options.projectId;
    const found: ImageInfo[] = [];
    for (let marker: string | undefined; ; ) {
      const query: Json = { owner: project, name, limit: LIST_IMAGES_PAGE_SIZE, ...(marker ? { marker } : {}) };
      const raw = await this.request(`list images named ${JSON.stringify(name)}`, "GET", "/v2/cloudimages", { api: "ListImages", query });
      const images = Array.isArray(raw.images) ? (raw.images as Json[]) : [];
      // Kept only if exactly named and ours, whatever a region's filters let through.
      for (const image of images) if (image.name === name && image.owner === project) found.push(this.toImageInfo(image));
      const last = images[images.length - 1]?.id;
      if (images.length < LIST_IMAGES_PAGE_SIZE || typeof last !== "string" || last === "" || last === marker) return found;
      marker = last;
    }
  }

  async getImage(imageId: string): Promise<ImageInfo> {
    checkId(imageId, "image id");
    const raw = await this.request(`get image ${imageId}`, "GET", `/v2/images/${encodeURIComponent(imageId)}`, { api: "GlanceShowImage" });
    const info = this.toImageInfo(raw);
    if (!info.sharedWithCaller) return info;
    const callerMemberStatus = await this.callerMemberStatus(imageId);
    return callerMemberStatus !== undefined ? { ...info, callerMemberStatus } : info;
  }

  /**
   * The caller's status on an image shared with it: a member reads its own membership, as its
   * project or its account (domain) (GlanceShowImageMember: "An image member may make this call
   * successfully only when MEMBER_ID matches that consumer's tenant ID", 404 otherwise). Not
   * reported (undefined) where neither is a member or the key may not read memberships: the
   * status is a refinement of the checks, not worth failing the read of the image for.
   */
  private async callerMemberStatus(imageId: string): Promise<MemberStatus | undefined> {
    for (const memberId of [this.options.projectId, this.options.accountId]) {
      if (!memberId) continue;
      try {
        const raw = await this.request(`read the caller's membership of image ${imageId}`, "GET", `/v2/images/${encodeURIComponent(imageId)}/members/${encodeURIComponent(memberId)}`, { api: "GlanceShowImageMember" });
        return toMemberStatus(raw.status);
      } catch (e) {
        if (!(e instanceof ImageServiceError && (e.kind === "not-found" || e.kind === "forbidden"))) throw e;
      }
    }
    return undefined;
  }

  /**
   * One page of members: `limit` (1..1000, default 500) and `marker`; the next page's marker is
   * `page_info.next_marker` (GlanceListImageMembers, ims_03_0723; GlancePageInfo in the SDK). A
   * region that predates paging answers every member at once and no page_info: one page.
   */
  async listMembers(imageId: string, page: PageRequest = {}): Promise<Page<Member>> {
    checkId(imageId, "image id");
    const size = page.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size < 1) throw new ImageServiceError("invalid", `pageSize must be a whole number of 1 or more, got ${size}`);
    // The token is IMS's marker, which "must be base64 content" (ims_03_0723).
    if (page.pageToken !== undefined && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(page.pageToken)) {
      throw new ImageServiceError("invalid", `pageToken ${JSON.stringify(page.pageToken)} is not an IMS marker (base64)`);
    }
    const query: Json = { limit: Math.min(size, MAX_PAGE_SIZE), ...(page.pageToken ? { marker: page.pageToken } : {}) };
    const raw = await this.request(`list members of image ${imageId}`, "GET", `/v2/images/${encodeURIComponent(imageId)}/members`, { api: "GlanceListImageMembers", query });
    const members = Array.isArray(raw.members) ? (raw.members as Json[]) : [];
    const next = (raw.page_info as Json | undefined)?.next_marker;
    const items = members.map(toMember);
    return typeof next === "string" && next !== "" && items.length > 0 ? { items, nextPageToken: next } : { items };
  }

  private readMembers(imageId: string): Promise<Member[]> {
    return listAllMembers(this, imageId, MAX_PAGE_SIZE);
  }

  /**
   * Adds members. Idempotent by reading first (or the caller's `known` reading): members already
   * present are skipped (IMS's behaviour for a duplicate member in a batch job is not documented), and a batch whose job
   * fails is re-read: if every member of it is there (a retried request that landed twice),
   * that is success.
   */
  async addMembers(imageId: string, members: MemberTarget[], known?: KnownMembers): Promise<BatchResult> {
    checkId(imageId, "image id");
    const wanted = this.checkTargets(dedupe(members));
    if (wanted.length === 0) return { calls: 0 };
    const present = known?.present ?? (await this.readMembers(imageId));
    const fresh = wanted.filter((t) => !present.some((m) => same(m, t)));
    const batches = this.batches(fresh);
    await mapConcurrent(batches, this.rates.concurrency("BatchAddMembers", this.options.concurrency), async (batch) => {
      const operation = `share image ${imageId} with ${batch.length} ${batch[0].type === "account" ? "account(s)" : "project(s)"}`;
      try {
        const answer = await this.request(operation, "POST", "/v1/cloudimages/members", { api: "BatchAddMembers", body: memberBody(imageId, batch) });
        await this.waitMemberJob(jobIdOf(answer, operation), operation);
      } catch (e) {
        if (!(e instanceof ImageServiceError) || e.kind === "quota-exceeded" || e.kind === "auth") throw e;
        const now = await this.readMembers(imageId).catch(() => undefined);
        if (!now || !batch.every((t) => now.some((m) => same(m, t)))) throw e;
      }
    });
    return { calls: batches.length };
  }

  /** Removes members; members already gone are skipped (read first), as a retried removal finds them. */
  async removeMembers(imageId: string, members: MemberTarget[], known?: KnownMembers): Promise<BatchResult> {
    checkId(imageId, "image id");
    const wanted = this.checkTargets(dedupe(members));
    if (wanted.length === 0) return { calls: 0 };
    const present = known?.present ?? (await this.readMembers(imageId));
    const gone = wanted.filter((t) => present.some((m) => same(m, t)));
    const batches = this.batches(gone);
    await mapConcurrent(batches, this.rates.concurrency("BatchDeleteMembers", this.options.concurrency), async (batch) => {
      const operation = `stop sharing image ${imageId} with ${batch.length} member(s)`;
      try {
        const answer = await this.request(operation, "DELETE", "/v1/cloudimages/members", { api: "BatchDeleteMembers", body: memberBody(imageId, batch) });
        await this.waitMemberJob(jobIdOf(answer, operation), operation);
      } catch (e) {
        if (!(e instanceof ImageServiceError) || e.kind === "auth") throw e;
        const now = await this.readMembers(imageId).catch(() => undefined);
        if (!now || batch.some((t) => now.some((m) => same(m, t)))) throw e;
      }
    });
    return { calls: batches.length };
  }

  /**
   * The caller accepts or rejects an image shared with it: PUT /v1/cloudimages/members with the
   * caller's project_id (a project member is the project itself; an account member accepts
   * through any of its projects, the caller's).
   */
  async setMemberStatus(imageId: string, member: MemberTarget, status: "accepted" | "rejected", options: MemberStatusOptions = {}): Promise<void> {
    checkId(imageId, "image id");
    if (status !== "accepted" && status !== "rejected") throw new ImageServiceError("invalid", `member status must be accepted or rejected, got ${JSON.stringify(status)}`);
    this.checkTargets([member]);
    if (member.type === "project" && member.id !== this.options.projectId) {
      throw new ImageServiceError("invalid", `only the member project ${member.id} can accept or reject image ${imageId}: this backend acts as project ${this.options.projectId} (use credentials of the member project)`);
    }
    if (member.type === "account" && this.options.accountId !== undefined && member.id !== this.options.accountId) {
      throw new ImageServiceError("invalid", `only the member account ${member.id} can accept or reject image ${imageId}: this backend acts as account ${this.options.accountId}`);
    }
    const operation = `${status === "accepted" ? "accept" : "reject"} image ${imageId} as ${member.type} ${member.id}`;
    // vault_id: "mandatory if you want to accept a shared full-ECS image created from a CBR backup"
    // (BatchUpdateMembers, ims_03_0625); sent only when given.
    const vault = options.vaultId !== undefined && status === "accepted" ? { vault_id: options.vaultId } : {};
    const answer = await this.request(operation, "PUT", "/v1/cloudimages/members", { api: "BatchUpdateMembers", body: { images: [imageId], project_id: this.options.projectId, status, ...vault } });
    await this.waitMemberJob(jobIdOf(answer, operation), operation);
  }

  /**
   * In-region replicate (POST .../copy) when the destination is the image's region, else a
   * cross-region copy (Huawei Cloud only). The new image's id is known when the job ends
   * (entities.image_id). A retried copy request after a dropped connection may start a second
   * copy: IMS has no idempotency token for these APIs.
   */
  async copyImage(request: CopyRequest): Promise<Job> {
    checkId(request.imageId, "image id");
    checkId(request.region, "copy destination region");
    let name = request.name;
    if (name === undefined) name = `${(await this.getImage(request.imageId)).name}-copy`;
    const id = encodeURIComponent(request.imageId);
    const description = request.description !== undefined ? { description: request.description } : {};
    let answer: Json;
    if (request.region === this.region) {
      answer = await this.request(`replicate image ${request.imageId}`, "POST", `/v1/cloudimages/${id}/copy`, { api: "CopyImageInRegion", body: { name, ...description } });
    } else {
      // Open Telekom Cloud's IMS has no cross-region copy: neither its API reference nor its SDK
      // (gophertelekomcloud openstack/ims: only v1 CopyImageInRegion) nor its Terraform provider
      // offer one, so it is never sent there.
      if (!copiesAcrossRegions(this.profile)) {
        throw new ImageServiceError(
          "invalid",
          `copy image ${request.imageId} to ${request.region}: ${PROFILES[this.profile].cloud} IMS copies images only within a region (no cross-region copy API); export the image to OBS and import it in ${request.region} instead`,
        );
      }
      // agency_name is required for a cross-region copy (huaweicloud Terraform provider,
      // huaweicloud_images_image_copy: "It is required in the cross-region scene").
      if (!this.copyOptions.agencyName) {
        throw new ImageServiceError(
          "invalid",
          `copy image ${request.imageId} to ${request.region}: IMS needs an IAM agency (agency_name) for a cross-region copy: create one in IAM that delegates to IMS and set the agencyName option`,
        );
      }
      const body = {
        name,
        ...description,
        region: request.region,
        project_name: this.copyOptions.projectName ?? request.region,
        agency_name: this.copyOptions.agencyName,
        // "Mandatory if you are replicating a full-ECS image" (CopyImageCrossRegionRequestBody).
        ...(request.vaultId !== undefined ? { vault_id: request.vaultId } : {}),
      };
      answer = await this.request(`copy image ${request.imageId} to ${request.region}`, "POST", `/v1/cloudimages/${id}/cross_region_copy`, { api: "CopyImageCrossRegion", body });
    }
    return { id: jobIdOf(answer, `copy image ${request.imageId}`), status: "running" };
  }

  private readonly lastJobs = new Map<string, { code?: string; reason?: string; results?: JobResult[] }>();

  async getJob(jobId: string): Promise<Job> {
    checkId(jobId, "job id");
    const raw = await this.request(`read job ${jobId}`, "GET", `/v1/${encodeURIComponent(this.options.projectId)}/jobs/${encodeURIComponent(jobId)}`, { api: "ShowJob" });
    const entities = (raw.entities ?? {}) as Json;
    const status = String(raw.status ?? "").toUpperCase();
    const code = typeof raw.error_code === "string" && raw.error_code !== "" ? raw.error_code : undefined;
    const reason = typeof raw.fail_reason === "string" && raw.fail_reason !== "" ? raw.fail_reason : undefined;
    const mapped = status === "SUCCESS" ? "succeeded" : status === "FAIL" ? "failed" : "running";
    this.lastJobs.set(jobId, { code, reason, results: jobResults(entities) });
    const imageId = typeof entities.image_id === "string" && entities.image_id !== "" ? entities.image_id : undefined;
    const progress = typeof entities.process_percent === "number" ? Math.round(entities.process_percent * (entities.process_percent <= 1 ? 100 : 1)) : undefined;
    return {
      id: jobId,
      status: mapped,
      ...(imageId ? { imageId } : {}),
      ...(mapped === "failed" ? { reason: `${code ? `${code}: ` : ""}${reason ?? "IMS gave no reason"}` } : {}),
      ...(progress !== undefined ? { progress } : mapped === "succeeded" ? { progress: 100 } : {}),
    };
  }

  /**
   * IMS deletes a shared image too (recipients lose re-installs from it: rule delete-while-shared
   * warns). DELETE answers 204 at once and the image goes later, so this polls GET until 404, as
   * the huaweicloud Terraform provider's image delete does (resourceImsImageDelete waits for the
   * image to be gone). A DELETE answered not-found (a retry after a lost answer) is success.
   */
  async deleteImage(imageId: string): Promise<void> {
    checkId(imageId, "image id");
    const path = `/v2/images/${encodeURIComponent(imageId)}`;
    try {
      await this.request(`delete image ${imageId}`, "DELETE", path, { api: "GlanceDeleteImage" });
    } catch (e) {
      if (e instanceof ImageServiceError && e.kind === "not-found") return;
      throw e;
    }
    const deadline = Date.now() + this.options.jobTimeoutMs;
    let pause = this.options.jobPollMs;
    for (;;) {
      try {
        await this.request(`wait for image ${imageId} to be deleted`, "GET", path, { api: "GlanceShowImage" });
      } catch (e) {
        if (e instanceof ImageServiceError && e.kind === "not-found") return;
        throw e;
      }
      if (Date.now() + pause > deadline) {
        throw new ImageServiceError("timeout", `delete image ${imageId}: IMS accepted the delete but the image was still there after ${Math.round(this.options.jobTimeoutMs / 1000)} s`);
      }
      await sleep(pause);
      pause = Math.min(this.options.jobMaxPollMs, pause * 2);
    }
  }

  // ---- helpers ----

  private checkTargets(targets: MemberTarget[]): MemberTarget[] {
    for (const t of targets) {
      if (!t || (t.type !== "account" && t.type !== "project") || typeof t.id !== "string" || t.id === "") {
        throw new ImageServiceError("invalid", `member ${JSON.stringify(t)}: a member is {type: "account" | "project", id}`);
      }
      if (t.type === "account" && PROFILES[this.profile].shareTarget === "project") {
        throw new ImageServiceError("invalid", `${PROFILES[this.profile].cloud} shares with projects only: name account ${t.id}'s project in ${this.region} instead`);
      }
    }
    return targets;
  }

  /** Projects and accounts go in separate calls (projects[] / domains[]), each in batches. */
  private batches(targets: MemberTarget[]): MemberTarget[][] {
    const projects = targets.filter((t) => t.type === "project");
    const accounts = targets.filter((t) => t.type === "account");
    return [...chunk(projects, this.options.batchSize), ...chunk(accounts, this.options.batchSize)];
  }

  private toImageInfo(raw: Json): ImageInfo {
    const ownerProject = typeof raw.owner === "string" ? raw.owner : "";
    const own = ownerProject === this.options.projectId;
    const description = typeof raw.__description === "string" && raw.__description !== "" ? raw.__description : undefined;
    const source = typeof raw.__originalimagename === "string" && raw.__originalimagename !== "" ? raw.__originalimagename : undefined;
    const backupId = typeof raw.__backup_id === "string" && raw.__backup_id !== "" ? raw.__backup_id : undefined;
    return {
      id: String(raw.id),
      region: this.region,
      // IMS names an image's owner by its project only (Glance `owner`): the account is ours for
      // our own images, a known project's account, else (unknown) the project id itself.
      owner: this.options.projectAccounts[ownerProject] ?? (own ? this.options.accountId : undefined) ?? ownerProject,
      ...(ownerProject ? { ownerProject } : {}),
      kind: toKind(raw),
      name: String(raw.name ?? ""),
      ...(description !== undefined ? { description } : {}),
      status: toStatus(raw.status),
      // `__imagetype` is "shared" also for the owner's own image once it shares it out (IMS API
      // reference, ListImages: "use the owner field to distinguish"), so compare the owner.
      sharedWithCaller: !own,
      ...(source ? { sourceImageId: source } : {}),
      ...(backupId ? { backupId } : {}),
    };
  }
}

const QUIET_LOGGER = { debug() {}, info() {}, warn() {}, error() {} };

export function createHuaweiCloudImageService(options: HuaweiCloudImageServiceOptions & HuaweiCloudCopyOptions = {}): HuaweiCloudImageService {
  return new HuaweiCloudImageService(options);
}

function checkId(value: unknown, what: string): void {
  if (typeof value !== "string" || value.trim() === "") throw new ImageServiceError("invalid", `${what} must be a non-empty string, got ${JSON.stringify(value)}`);
}

function memberBody(imageId: string, batch: MemberTarget[]): Json {
  const ids = batch.map((t) => t.id);
  return batch[0].type === "account" ? { images: [imageId], domains: ids } : { images: [imageId], projects: ids };
}

function jobIdOf(answer: Json, operation: string): string {
  const id = answer.job_id;
  if (typeof id !== "string" || id === "") throw new ImageServiceError("transient", `${operation}: IMS answered without a job_id`);
  return id;
}

const same = (a: MemberTarget, b: MemberTarget) => a.type === b.type && a.id === b.id;

function dedupe(targets: MemberTarget[]): MemberTarget[] {
  if (!Array.isArray(targets)) throw new ImageServiceError("invalid", `members must be a list, got ${JSON.stringify(targets)}`);
  const out: MemberTarget[] = [];
  for (const t of targets) if (!out.some((o) => t && o.type === t.type && o.id === t.id)) out.push(t);
  return out;
}

/**
 * `member_type` is `project`, `domain` (an account) or `organization` (with its `urn`)
 * (GlanceImageMembers / ImageMember in huaweicloud-sdk-go-v3; ims_03_0723); absent in regions that
 * predate sharing with accounts, where every member is a project. An organization member is
 * listed as an account named by its URN: the shared member types are account and project, and
 * it is counted and reported, never added or removed by this package (README).
 */
function toMember(m: Json): Member {
  const status = toMemberStatus(m.status);
  if (m.member_type === "domain") return { type: "account", id: String(m.member_id), status };
  if (m.member_type === "organization") return { type: "account", id: String(typeof m.urn === "string" && m.urn !== "" ? m.urn : m.member_id), status };
  return { type: "project", id: String(m.member_id), status };
}

interface JobResult {
  imageId?: string;
  projectId?: string;
  status?: string;
}

/** A member job's per-member outcomes, `entities.results[]` ({image_id, project_id, status}). */
function jobResults(entities: Json): JobResult[] {
  const results = Array.isArray(entities.results) ? (entities.results as Json[]) : [];
  return results.map((r) => ({
    ...(typeof r.image_id === "string" ? { imageId: r.image_id } : {}),
    ...(typeof r.project_id === "string" ? { projectId: r.project_id } : {}),
    ...(typeof r.status === "string" ? { status: r.status } : {}),
  }));
}

function toMemberStatus(value: unknown): MemberStatus {
  return value === "accepted" || value === "rejected" ? value : "pending";
}

/** Glance statuses: queued / saving while being made, active when usable, killed / deleted otherwise. */
function toStatus(value: unknown): ImageStatus {
  if (value === "active") return "available";
  if (value === "queued" || value === "saving" || value === "importing") return "creating";
  return "failed";
}

/** `__whole_image` marks a full-ECS image; `virtual_env_type` "DataImage" a data-disk image. */
function toKind(raw: Json): ImageKind {
  if (raw.__whole_image === true || raw.__whole_image === "true") return "full";
  if (raw.virtual_env_type === "DataImage") return "data";
  return "system";
}

