import { randomBytes } from "node:crypto";
import { ImageServiceError } from "../../errors";
import { type ImageInfo, type Member, type MemberTarget } from "../../types";
import type { ProfileId } from "../../../rules/model";
import { PROFILES } from "../../../rules/profiles";
import type { MemberJobView } from "../index";
import type { Identity, MemberJobInput, MemberJobResult } from "../model";
import type { Dialect } from "./dialect";
import { defineDialect, faultSource, json, jsonObject, Parameters, pathSegment, WireError, type DialectEmulator, type DialectService, toWireError, type ErrorTable, type WireFault, type WireRequest } from "./base";
import { verifySdkSignature } from "./huaweicloud.sign";

export { canonicalRequest, sdkUrlEncode } from "./huaweicloud.sign";

/**
 * Huawei Cloud / Open Telekom Cloud IMS as the emulator serves it (one dialect for both: the
 * caller's account decides the profile, its project the region). Every request must carry an
 * SDK-HMAC-SHA256 Authorization header (huaweicloud.sign.ts); the project comes from the
 * X-Project-Id header (or the job URL's project), else the key's own project.
 *
 * Shapes: IMS errors are {"error": {"code": "IMG.xxxx", "message"}} (HTTP 400, 404 for an
 * unknown image); the gateway's are {"error_code": "APIGW.xxxx", "error_msg", "request_id"}
 * (401 for authentication, 429 for throttling). Member changes and copies answer {"job_id"} and
 * run as jobs read with GET /v1/{project_id}/jobs/{job_id} (ShowJob) or GET
 * /v1/cloudimages/job/{job_id} (ShowJobProgress); member-change jobs are kept in the emulator's
 * state (Emulator.startMemberJob), copies are the model's jobs.
 *
 * Served (paths and shapes from huaweicloud-sdk-go-v3 services/ims/v2 ims_meta.go and model/):
 * - GET    /v2/cloudimages?name&owner&id&status&__imagetype&visibility&limit&marker  ListImages ({images}, no links)
 * - GET    /v2/images/{id}                                   GlanceShowImage
 * - DELETE /v2/images/{id}                                   GlanceDeleteImage (204)
 * - GET    /v2/images/{id}/members?limit&marker              GlanceListImageMembers (page_info)
 * - GET    /v2/images/{id}/members/{member_id}               GlanceShowImageMember (owner, or the member)
 * - PUT    /v2/images/{id}/members/{member_id}               GlanceUpdateImageMember {status, vault_id?} (the member; OTC Terraform)
 * - GET    /v1/{project_id}/cloudimages/{id}/members         ListImageMembers (paged as Glance's)
 * - GET    /v1/{project_id}/cloudimages/{id}/members/{mid}   ShowImageMember
 * - POST | DELETE | PUT /v1/cloudimages/members             BatchAddMembers / BatchDeleteMembers / BatchUpdateMembers -> job_id
 * - POST   /v1/cloudimages/{id}/copy | cross_region_copy      CopyImageInRegion / CopyImageCrossRegion -> job_id
 * - GET    /v1/{project_id}/jobs/{job_id}                    ShowJob
 * - GET    /v1/cloudimages/job/{job_id}                      ShowJobProgress
 */

/** What the dialect needs of the emulator (emulator/index.ts's Emulator). */
export interface HuaweiDialectEmulator extends DialectEmulator {
  findAccount(id: string): { id: string; profile: ProfileId; projects: { id: string; region: string }[] } | undefined;
  startMemberJob(identity: Identity, input: MemberJobInput): string;
  pollMemberJob(identity: Identity, jobId: string): MemberJobView | undefined;
}

/** Faults as IMS clients meet them (throttling alternates the gateway's HTTP 429 APIGW.0308 and IMS's IMG.0060). */
export type HuaweiFault = Exclude<WireFault, { kind: "service-unavailable" }>;

export interface HuaweiDialectOptions {
  /** Largest clock skew accepted for X-Sdk-Date (the gateway: 15 minutes). */
  maxSkewSeconds?: number;
  now?: () => number;
  /** Consulted once per authenticated request; default the emulator's takeFault. */
  fault?: (action: string) => HuaweiFault | undefined;
  /** Polls a member job answers RUNNING before SUCCESS (default 1: callers must poll). */
  memberJobPolls?: number;
  /**
   * Report a refused member change (quota, self-share, not owner...) as a job that FAILs with
   * the IMS code in error_code, instead of refusing the request at once. "per-member": change
   * each project alone and report a refused one as a failed result of a SUCCESS job (ShowJob's
   * entities.results[], JobEntitiesResult); domains, which a result cannot name, change together
   * and fail the job. IMS documents all three outcomes for its asynchronous APIs; clients must
   * handle each. Default false (at once).
   */
  asyncRefusals?: boolean | "per-member";
}

interface Caller extends Identity {
  project: string;
  service: DialectService;
}

const imsError = (status: number, code: string, message: string) => new WireError(status, code, message);
const gatewayError = (status: number, code: string, message: string) => new WireError(status, code, message, true);
const badRequest = (message: string) => imsError(400, "IMG.0001", message);
const parameterErrors = {
  missing: (name: string) => badRequest(`The parameter ${name} is missing.`),
  invalid: (name: string) => badRequest(`The parameter ${name} is invalid.`),
  empty: (name: string) => badRequest(`The parameter ${name} must not be empty.`),
};

/** The model's refusals carry IMS codes (model.ts CODES); their HTTP status follows their kind. */
const STATUS_OF_KIND: Partial<Record<ImageServiceError["kind"], number>> = { "not-found": 404, throttled: 429, transient: 500, auth: 401 };
const ERRORS: ErrorTable = {
  byKind: { "not-found": "IMG.0027", forbidden: "IMG.0001", "quota-exceeded": "IMG.0001", throttled: "IMG.0001", conflict: "IMG.0001", transient: "IMG.0001", invalid: "IMG.0001", auth: "IMG.0001", "job-failed": "IMG.0001", timeout: "IMG.0001" },
  status: (e) => STATUS_OF_KIND[e.kind] ?? 400,
  internal: (message) => imsError(500, "IMG.0999", `emulator: ${message}`),
};

/** An organization's (or organizational unit's) URN, as IMS lists it: organizations::{domain}:organization:{id} (ImageMember.urn). */
const ORGANIZATION_URN = /^organizations::[^:]+:(?:organization|ou):(?:[^/]*\/)*([^/:]+)$/;

/**
 * ListImages' filters the emulator serves, each matched exactly against the image as the dialect
 * shows it (the same field), with the values the page allows (ims_03_0602, Table 1).
 */
const LIST_IMAGES_FILTERS: Readonly<Record<string, { values?: readonly string[] }>> = {
  name: {},
  owner: {},
  id: {},
  status: { values: ["queued", "saving", "deleted", "killed", "active"] },
  __imagetype: { values: ["gold", "private", "shared", "market"] },
  visibility: { values: ["public", "private", "shared"] },
  __isregistered: { values: ["true"] },
};

/** IMS's time stamps: ISO 8601 to the second. */
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

type Route = {
  method: string;
  path: RegExp;
  run(caller: Caller, params: string[], body: Parameters, query: URLSearchParams): Promise<{ status: number; json?: unknown }>;
};

export function createHuaweiCloudDialect(emulator: HuaweiDialectEmulator, options: HuaweiDialectOptions = {}): Dialect {
  const now = options.now ?? (() => Date.now());
  const maxSkew = options.maxSkewSeconds ?? 15 * 60;
  const pollsBeforeSuccess = options.memberJobPolls ?? 1;

  /**
   * Runs a member change; the job reports it, with a result per image and project where the
   * change names projects (`results`, read once the change ran). With asyncRefusals, a refusal
   * becomes a failing job.
   */
  async function memberJob(caller: Caller, type: string, change: () => Promise<void>, results?: MemberJobResult[]): Promise<{ status: number; json: unknown }> {
    let failure: { code: string; reason: string } | undefined;
    try {
      await change();
    } catch (e) {
      if (!options.asyncRefusals || !(e instanceof ImageServiceError) || e.retryable) throw e;
      const error = toWireError(e, ERRORS);
      failure = { code: error.code, reason: error.message };
    }
    const id = emulator.startMemberJob(caller, { type, pollsLeft: pollsBeforeSuccess, ...(failure ? { failure } : results?.length ? { results } : {}) });
    return { status: 200, json: { job_id: id } };
  }

  async function imageView(caller: Caller, imageId: string): Promise<Record<string, unknown>> {
    return imageJson(caller, await caller.service.getImage(imageId));
  }

  /** An image as GlanceShowImage and ListImages show it. */
  async function imageJson(caller: Caller, image: ImageInfo): Promise<Record<string, unknown>> {
    const shared = image.sharedWithCaller || (await caller.service.listMembers(image.id, { pageSize: 1 })).items.length > 0;
    const at = stamp(now());
    return {
      id: image.id,
      name: image.name,
      status: image.status === "available" ? "active" : image.status === "creating" ? "queued" : "killed",
      owner: image.ownerProject ?? image.owner,
      visibility: shared ? "shared" : "private",
      // "shared" also for the owner's own image once it has members (IMS ListImages reference).
      __imagetype: shared ? "shared" : "private",
      __whole_image: image.kind === "full" ? "true" : "false",
      __os_type: image.kind === "data" ? "" : "Linux",
      __platform: image.kind === "data" ? "" : "Ubuntu",
      __os_bit: image.kind === "data" ? "" : "64",
      __os_version: image.kind === "data" ? "" : "Ubuntu 22.04 server 64bit",
      // The CBR backup a full-ECS image was made from: accepting it, or copying it across regions, takes the vault.
      ...(image.backupId ? { __backup_id: image.backupId } : {}),
      virtual_env_type: image.kind === "data" ? "DataImage" : "FusionCompute",
      __image_source_type: "uds",
      __isregistered: "true",
      ...(image.description !== undefined ? { __description: image.description } : {}),
      ...(image.sourceImageId ? { __originalimagename: image.sourceImageId } : {}),
      disk_format: "zvhd2",
      container_format: "bare",
      min_disk: 40,
      min_ram: 0,
      // "Unavailable currently" on the pages (ListImages, Table 2): their examples' values.
      size: 0,
      checksum: "d41d8cd98f00b204e9800998ecf8427e",
      __lazyloading: "true",
      hw_firmware_type: "bios",
      __support_fc_inject: "false",
      protected: false,
      tags: [],
      created_at: at,
      updated_at: at,
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: "/v2/schemas/image",
    };
  }

  /**
   * ListImages (GET /v2/cloudimages; ims_03_0602, OTC en-us_topic_0020091565): the images the
   * caller owns or that are shared with it, filtered by the parameters served here (`name`
   * exactly, `owner`, `id`, `status`, `__imagetype`, `visibility`, `__isregistered`), newest first
   * (the page's default sort), paged by `limit` (default 500) and `marker` (an image id). The answer
   * is `{images}` alone: the extension API has no next / first links. A parameter the page documents
   * but the emulator does not serve, or one it does not document, is refused rather than ignored (a
   * wider answer than asked for would hide a client's mistake), and so is a value outside the page's.
   */
  async function listImages(caller: Caller, query: URLSearchParams): Promise<unknown> {
    for (const key of new Set(query.keys())) {
      if (!(key in LIST_IMAGES_FILTERS) && key !== "limit" && key !== "marker") throw badRequest(`The parameter ${key} is not served by the emulator's ListImages.`);
      if (query.getAll(key).length > 1) throw parameterErrors.invalid(key);
    }
    const limitText = query.get("limit") ?? "500";
    const limit = Number(limitText);
    if (!/^\d+$/.test(limitText) || !Number.isSafeInteger(limit) || limit < 1) throw badRequest(`The parameter limit must be a whole number of 1 or more, got ${limitText}.`);
    const filters = Object.entries(LIST_IMAGES_FILTERS).flatMap(([key, { values }]) => {
      const wanted = query.get(key);
      if (wanted === null) return [];
      if (values && !values.includes(wanted)) throw badRequest(`The parameter ${key} must be one of ${values.join(", ")}, got ${wanted}.`);
      return [(view: Record<string, unknown>) => view[key] === wanted];
    });
    // A view reads a member page (visibility): `name` and `id`, the image's own in its view, pick the images first.
    const [name, id] = [query.get("name"), query.get("id")];
    const images = (await caller.service.listImages())
      .filter((i) => (name === null || i.name === name) && (id === null || i.id === id))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
    const views: Record<string, unknown>[] = [];
    for (const image of images) {
      const view = await imageJson(caller, image);
      if (filters.every((passes) => passes(view))) views.push(view);
    }
    const marker = query.get("marker");
    const after = marker ? views.findIndex((v) => v.id === marker) + 1 : 0;
    if (marker && after === 0) throw badRequest(`The marker ${marker} names no image of this listing.`);
    return { images: views.slice(after, after + limit) };
  }

  async function listMembers(caller: Caller, imageId: string, query: URLSearchParams): Promise<unknown> {
    const all = await caller.service.memberRecords(imageId);
    // Paged as GlanceListImageMembers is (ims_03_0723): limit 1..1000 (default 500), marker
    // (base64) names the last member of the previous page, page_info.next_marker the next one.
    const limit = query.has("limit") ? Number(query.get("limit")) : 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest(`limit must be 1..1000, got ${query.get("limit")}`);
    const marker = query.get("marker");
    const after = marker ? all.findIndex((x) => x.id === Buffer.from(marker, "base64").toString("utf8")) + 1 : 0;
    if (marker && after === 0) throw badRequest(`marker ${marker} names no member of image ${imageId}`);
    const members = all.slice(after, after + limit);
    const more = after + limit < all.length;
    return {
      members: members.map((x) => memberView(imageId, x)),
      schema: "/v2/schemas/members",
      ...(more ? { page_info: { next_marker: Buffer.from(members[members.length - 1].id).toString("base64"), current_count: members.length } } : {}),
    };
  }

  /**
   * One member as GlanceImageMembers / ImageMember show it; member_type tells a domain (account)
   * member from a project member. An organization member is held as this package models it, an
   * account named by the organization's URN (huaweicloud backend README), and shown as IMS does:
   * member_type organization, member_id the organization's (or unit's) id, and its urn.
   */
  function memberView(imageId: string, member: Member & { createdAt?: number }): Record<string, unknown> {
    const at = stamp(now());
    const organization = member.type === "account" ? ORGANIZATION_URN.exec(member.id) : null;
    return {
      member_id: organization ? organization[1] : member.id,
      member_type: organization ? "organization" : member.type === "account" ? "domain" : "project",
      ...(organization ? { urn: member.id } : {}),
      image_id: imageId,
      status: member.status,
      created_at: member.createdAt !== undefined ? stamp(member.createdAt) : at,
      updated_at: at,
      schema: "/v2/schemas/member",
    };
  }

  /**
   * GlanceUpdateImageMember: the member itself (its project, or for a domain member its account)
   * accepts or rejects, at once; the answer is the member. vault_id is taken as BatchUpdateMembers'.
   */
  async function updateMember(caller: Caller, [imageId, memberId]: string[], body: Parameters) {
    const status = body.text("status");
    if (status !== "accepted" && status !== "rejected") throw badRequest(`The status must be accepted or rejected, not ${status}.`);
    const vaultId = body.optionalText("vault_id");
    const target: MemberTarget | undefined = memberId === caller.project ? { type: "project", id: memberId } : memberId === caller.account ? { type: "account", id: memberId } : undefined;
    if (!target) throw imsError(403, "IMG.0047", `The member ${memberId} is neither the caller's project ${caller.project} nor its account: only the member accepts or rejects.`);
    await caller.service.setMemberStatus(imageId, target, status, vaultId ? { vaultId } : {});
    return { status: 200, json: memberView(imageId, await caller.service.getMember(imageId, memberId)) };
  }

  function changeMembers(add: boolean) {
    return (caller: Caller, _: string[], body: Parameters) => {
      const images = body.texts("images", true);
      const projects = body.texts("projects", false) ?? [];
      const domains = body.texts("domains", false) ?? [];
      if (body.texts("organizations", false)?.length) throw badRequest("Sharing with organizations is not served by the emulator.");
      if (projects.length + domains.length === 0) throw badRequest("One of projects, domains and organizations must be given.");
      if (domains.length > 0 && PROFILES[caller.profile].shareTarget === "project") throw badRequest("The parameter domains is not supported: images are shared with projects.");
      const targets: MemberTarget[] = [...projects.map((id) => ({ type: "project" as const, id })), ...domains.map((id) => ({ type: "account" as const, id }))];
      const type = add ? "imsBatchAddMembers" : "imsBatchDeleteMembers";
      const apply = (imageId: string, ts: MemberTarget[]) => (add ? caller.service.addMembers(imageId, ts) : caller.service.removeMembers(imageId, ts));
      if (options.asyncRefusals === "per-member") {
        const results: MemberJobResult[] = [];
        const domainTargets = targets.filter((t) => t.type === "account");
        return memberJob(
          caller,
          type,
          async () => {
            for (const imageId of images) {
              if (domainTargets.length > 0) await apply(imageId, domainTargets);
              for (const projectId of projects) {
                try {
                  await apply(imageId, [{ type: "project", id: projectId }]);
                  results.push({ imageId, projectId, status: "success" });
                } catch (e) {
                  if (!(e instanceof ImageServiceError) || e.retryable) throw e;
                  results.push({ imageId, projectId, status: "failed" });
                }
              }
            }
          },
          results,
        );
      }
      // Checked and applied when the request is accepted (refusals answer at once); the job then
      // reports the outcome, as IMS's asynchronous member APIs do.
      return memberJob(
        caller,
        type,
        async () => {
          for (const imageId of images) await apply(imageId, targets);
        },
        images.flatMap((imageId) => projects.map((projectId) => ({ imageId, projectId, status: "success" }))),
      );
    };
  }

  async function updateMemberStatus(caller: Caller, _: string[], body: Parameters) {
    const images = body.texts("images", true);
    const projectId = body.text("project_id");
    const status = body.text("status");
    if (status !== "accepted" && status !== "rejected") throw badRequest(`The status must be accepted or rejected, not ${status}.`);
    if (projectId !== caller.project) throw imsError(403, "IMG.0047", `The project_id ${projectId} is not the caller's project ${caller.project}.`);
    const vaultId = body.optionalText("vault_id");
    const options = vaultId ? { vaultId } : {};
    return memberJob(caller, "imsBatchUpdateMembers", async () => {
      for (const imageId of images) {
        try {
          await caller.service.setMemberStatus(imageId, { type: "project", id: projectId }, status, options);
        } catch (e) {
          // Not a member as a project: the share may target the caller's account (domain).
          if (!(e instanceof ImageServiceError && e.kind === "not-found" && e.rule === "acceptance-without-share")) throw e;
          await caller.service.setMemberStatus(imageId, { type: "account", id: caller.account }, status, options);
        }
      }
    });
  }

  async function copy(caller: Caller, [imageId, api]: string[], body: Parameters) {
    const inRegion = api === "copy";
    const name = body.text("name");
    const description = body.optionalText("description");
    let region = caller.region;
    let vaultId: string | undefined;
    if (!inRegion) {
      region = body.text("region");
      body.text("project_name");
      body.text("agency_name");
      vaultId = body.optionalText("vault_id");
      if (region === caller.region) throw badRequest("The destination region is the image's own region: use the in-region replication API.");
    }
    const job = await caller.service.copyImage({ imageId, region, name, ...(description !== undefined ? { description } : {}), ...(vaultId ? { vaultId } : {}) });
    return { status: 200, json: { job_id: job.id } };
  }

  /** ShowJob (GET /v1/{project_id}/jobs/{job_id}) and ShowJobProgress (GET /v1/cloudimages/job/{job_id}): one job view. */
  async function jobView(caller: Caller, params: string[]) {
    const jobId = params[params.length - 1];
    const member = emulator.pollMemberJob(caller, jobId);
    if (member) {
      const done = member.status !== "running";
      const failed = member.status === "failed";
      return {
        status: 200,
        json: {
          job_id: jobId,
          job_type: member.type,
          status: failed ? "FAIL" : done ? "SUCCESS" : "RUNNING",
          begin_time: new Date(member.createdAt).toISOString(),
          // ShowJob's example carries end_time; empty while the job runs (emulator's choice).
          end_time: done ? new Date(now()).toISOString() : "",
          entities: done && !failed && member.results ? { results: member.results.map((r) => ({ image_id: r.imageId, project_id: r.projectId, status: r.status })) } : {},
          error_code: failed ? member.failure!.code : null,
          fail_reason: failed ? member.failure!.reason : null,
        },
      };
    }
    const job = await caller.service.getJob(jobId).catch((e: unknown) => {
      throw e instanceof ImageServiceError && e.kind === "not-found" ? imsError(404, "IMG.0086", `The job ${jobId} does not exist.`) : e;
    });
    const failed = job.status === "failed";
    const reason = /^(IMG\.\d+):\s*(.*)$/.exec(job.reason ?? "");
    return {
      status: 200,
      json: {
        job_id: jobId,
        job_type: "copyImage",
        status: job.status === "succeeded" ? "SUCCESS" : failed ? "FAIL" : "RUNNING",
        entities: {
          ...(job.status !== "running" && job.imageId ? { image_id: job.imageId } : {}),
          ...(job.progress !== undefined ? { process_percent: job.progress / 100 } : {}),
        },
        error_code: failed ? (reason?.[1] ?? "IMG.0024") : null,
        fail_reason: failed ? (reason?.[2] ?? job.reason ?? "the copy failed") : null,
      },
    };
  }

  const routes: Route[] = [
    { method: "GET", path: /^\/v2\/cloudimages$/, run: async (c, _, __, query) => ({ status: 200, json: await listImages(c, query) }) },
    { method: "GET", path: /^\/v2\/images\/([^/]+)$/, run: async (c, [id]) => ({ status: 200, json: await imageView(c, id) }) },
    { method: "DELETE", path: /^\/v2\/images\/([^/]+)$/, run: async (c, [id]) => (await c.service.deleteImage(id), { status: 204 }) },
    { method: "GET", path: /^\/v2\/images\/([^/]+)\/members$/, run: async (c, [id], _, query) => ({ status: 200, json: await listMembers(c, id, query) }) },
    { method: "GET", path: /^\/v2\/images\/([^/]+)\/members\/([^/]+)$/, run: async (c, [id, member]) => ({ status: 200, json: memberView(id, await c.service.getMember(id, member)) }) },
    { method: "PUT", path: /^\/v2\/images\/([^/]+)\/members\/([^/]+)$/, run: updateMember },
    { method: "GET", path: /^\/v1\/[^/]+\/cloudimages\/([^/]+)\/members$/, run: async (c, [id], _, query) => ({ status: 200, json: await listMembers(c, id, query) }) },
    { method: "GET", path: /^\/v1\/[^/]+\/cloudimages\/([^/]+)\/members\/([^/]+)$/, run: async (c, [id, member]) => ({ status: 200, json: memberView(id, await c.service.getMember(id, member)) }) },
    { method: "POST", path: /^\/v1\/cloudimages\/members$/, run: changeMembers(true) },
    { method: "DELETE", path: /^\/v1\/cloudimages\/members$/, run: changeMembers(false) },
    { method: "PUT", path: /^\/v1\/cloudimages\/members$/, run: updateMemberStatus },
    { method: "POST", path: /^\/v1\/cloudimages\/([^/]+)\/(copy|cross_region_copy)$/, run: copy },
    { method: "GET", path: /^\/v1\/([^/]+)\/jobs\/([^/]+)$/, run: jobView },
    { method: "GET", path: /^\/v1\/cloudimages\/job\/([^/]+)$/, run: jobView },
  ];

  return defineDialect({
    name: "huaweicloud",
    matches: (request, url) => /^(SDK|HWS)-HMAC-SHA256/.test(String(request.headers.authorization ?? "")) || /^\/v[12]\/(images|cloudimages|[0-9a-f]{32}\/(jobs|cloudimages))(\/|$)/.test(url.pathname),
    requestId: () => randomBytes(16).toString("hex"),
    accept(request: WireRequest) {
      const key = verifySdkSignature(request, (id) => emulator.findAccessKey(id), now(), maxSkew);
      const path = request.url.pathname;
      // The project in the URL (ShowJob, ListImageMembers, ShowImageMember) must be the caller's.
      const jobProjectText = /^\/v1\/([^/]+)\/(jobs|cloudimages)\//.exec(path)?.[1];
      const jobProject = jobProjectText === undefined ? undefined : pathSegment(jobProjectText, badRequest);
      const project = request.header("x-project-id") ?? jobProject ?? key.project;
      if (!project) throw gatewayError(401, "APIGW.0301", "Incorrect IAM authentication information: no project (X-Project-Id) in the request.");
      const account = emulator.findAccount(key.account);
      const home = account?.projects.find((p) => p.id === project);
      if (!account || !home) throw gatewayError(401, "APIGW.0301", `Incorrect IAM authentication information: project ${project} does not belong to the access key's account.`);
      if (jobProject !== undefined && jobProject !== project) throw imsError(403, "IMG.0047", `The project ${jobProject} in the URL is not the caller's project ${project}.`);
      const identity = { profile: account.profile, region: home.region, account: account.id, project };
      const caller: Caller = { ...identity, service: emulator.service(identity) };
      return { caller, action: `${request.method} ${path.replace(/[0-9a-f-]{32,36}/g, "{id}")}` };
    },
    async serve(request, { caller }) {
      const path = request.url.pathname;
      for (const route of routes) {
        const m = route.method === request.method ? route.path.exec(path) : null;
        if (!m) continue;
        const answer = await route.run(caller, m.slice(1).map((s) => pathSegment(s, badRequest)), new Parameters(jsonObject(request.body, badRequest), parameterErrors), request.url.searchParams);
        return answer.json === undefined ? { status: answer.status, headers: { "x-request-id": request.requestId } } : json(answer.status, answer.json, { "x-request-id": request.requestId });
      }
      throw gatewayError(404, "APIGW.0101", `The API does not exist or has not been published in the environment: ${request.method} ${path}`);
    },
    fault: faultSource(emulator, options.fault),
    faults: {
      // Both throttling answers clients must handle, chosen by the request's signature (stateless, stable for a replay).
      throttle: (request) =>
        parseInt((request.header("authorization") ?? "0").slice(-1), 16) % 2 === 0
          ? gatewayError(429, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit, limit:5, time:1 second")
          : imsError(400, "IMG.0060", "Flow control: the request was rejected; try again later."),
      "internal-error": imsError(500, "IMG.0999", "An internal error occurred; retry the request."),
      "service-unavailable": gatewayError(503, "APIGW.0204", "emulated gateway error 503"),
      "http-status": (status) => gatewayError(status, status === 429 ? "APIGW.0308" : "APIGW.0204", `emulated gateway error ${status}`),
    },
    errors: ERRORS,
    renderError: (error, request) =>
      json(error.status, error.gateway ? { error_code: error.code, error_msg: error.message, request_id: request.requestId } : { error: { code: error.code, message: error.message } }, { "x-request-id": request.requestId }),
  });
}
