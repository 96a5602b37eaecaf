import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ImageServiceError } from "../../errors";
import { listAllMembers, type ImageService, type Job, type MemberTarget } from "../../types";
import type { ProfileId } from "../../../rules/model";
import type { Dialect } from "./dialect";

/**
 * Huawei Cloud / Open Telekom Cloud IMS as the emulator serves it (one dialect for both: the
 * caller's account decides the profile, its project the region). Every request must carry an
 * SDK-HMAC-SHA256 Authorization header (the AK/SK signature of the API gateway, "API Request
 * Signing Guide") that is verified against the emulator's access keys; the project comes from
 * the X-Project-Id header (or the job URL's project), else the key's own project.
 *
 * Shapes: IMS errors are {"error": {"code": "IMG.xxxx", "message"}} (HTTP 400, 404 for an
 * unknown image); the gateway's are {"error_code": "APIGW.xxxx", "error_msg", "request_id"}
 * (401 for authentication, 429 for throttling). Member changes and copies answer {"job_id"} and
 * run as jobs read with GET /v1/{project_id}/jobs/{job_id}.
 */

/** What the dialect needs of the emulator (a structural view of emulator/index.ts's Emulator). */
export interface HuaweiDialectEmulator {
  findAccessKey(id: string): { secret: string; account: string; project?: string } | undefined;
  service(identity: { profile: ProfileId; region: string; account: string; project?: string }): ImageService;
  snapshot(): { accounts: { id: string; profile: ProfileId; projects: { id: string; region: string }[] }[] };
  /** The fault for one request, from the emulator's schedule. */
  takeFault?(action: string): HuaweiFault | undefined;
}

/**
 * Faults as IMS clients meet them: throttling (the gateway's HTTP 429 APIGW.0308, or IMS's own
 * IMG.0060 flow control), server errors (HTTP 500 / 503), a slow answer, a dropped connection.
 */
export type HuaweiFault =
  | { kind: "throttle" }
  | { kind: "internal-error" }
  | { kind: "http-status"; status: number }
  | { kind: "latency"; ms: number }
  | { kind: "drop" };

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
   * the IMS code in error_code, instead of refusing the request at once. IMS documents both
   * outcomes for its asynchronous APIs; clients must handle either. Default false.
   */
  asyncRefusals?: boolean;
}

/** A refusal in IMS's (or the gateway's) words. */
class HuaweiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly gateway = false,
  ) {
    super(message);
  }
}

interface Caller {
  account: string;
  project: string;
  profile: ProfileId;
  region: string;
  service: ImageService;
}

interface MemberJob {
  id: string;
  account: string;
  type: string;
  polls: number;
  begin: string;
  /** A refused change: the job FAILs with this code and reason. */
  failure?: { code: string; reason: string };
}

type Json = Record<string, unknown>;

export function createHuaweiCloudDialect(emulator: HuaweiDialectEmulator, options: HuaweiDialectOptions = {}): Dialect {
  const now = options.now ?? (() => Date.now());
  const maxSkew = options.maxSkewSeconds ?? 15 * 60;
  const memberJobs = new Map<string, MemberJob>();
  const pollsBeforeSuccess = options.memberJobPolls ?? 1;
  let throttles = 0;

  const accounts = () => {
    const store = (emulator as unknown as { store?: { read?: () => { accounts: Record<string, { id: string; profile: ProfileId; projects: { id: string; region: string }[] }> } } }).store;
    return store?.read ? Object.values(store.read().accounts) : emulator.snapshot().accounts;
  };

  const newMemberJob = (caller: Caller, type: string, failure?: { code: string; reason: string }): string => {
    const id = randomBytes(16).toString("hex");
    memberJobs.set(id, { id, account: caller.account, type, polls: 0, begin: new Date(now()).toISOString(), ...(failure ? { failure } : {}) });
    return id;
  };

  /** Runs a member change; with asyncRefusals, a refusal becomes a failing job. */
  const memberJob = async (caller: Caller, type: string, change: () => Promise<void>): Promise<string> => {
    try {
      await change();
    } catch (e) {
      if (!options.asyncRefusals || !(e instanceof ImageServiceError) || e.retryable) throw e;
      const error = toHuaweiError(e);
      return newMemberJob(caller, type, { code: error.code, reason: error.message });
    }
    return newMemberJob(caller, type);
  };

  async function route(caller: Caller, method: string, path: string, body: Json, query: URLSearchParams = new URLSearchParams()): Promise<{ status: number; json?: Json }> {
    let m: RegExpExecArray | null;
    if ((m = /^\/v2\/images\/([^/]+)$/.exec(path))) {
      const imageId = decodeURIComponent(m[1]);
      if (method === "GET") return { status: 200, json: await imageView(caller, imageId) };
      if (method === "DELETE") {
        await caller.service.deleteImage(imageId);
        return { status: 204 };
      }
    }
    if ((m = /^\/v2\/images\/([^/]+)\/members$/.exec(path)) && method === "GET") {
      const imageId = decodeURIComponent(m[1]);
      const all = await listAllMembers(caller.service, imageId);
      // Paged as GlanceListImageMembers is (ims_03_0723): limit 1..1000 (default 500), marker
      // (base64) names the last member of the previous page, page_info.next_marker the next one.
      const limit = query.has("limit") ? Number(query.get("limit")) : 500;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HuaweiError(400, "IMG.0001", `limit must be 1..1000, got ${query.get("limit")}`);
      const marker = query.get("marker");
      const after = marker ? all.findIndex((x) => x.id === Buffer.from(marker, "base64").toString("utf8")) + 1 : 0;
      if (marker && after === 0) throw new HuaweiError(400, "IMG.0001", `marker ${marker} names no member of image ${imageId}`);
      const members = all.slice(after, after + limit);
      const more = after + limit < all.length;
      const at = new Date(now()).toISOString().replace(/\.\d+Z$/, "Z");
      return {
        status: 200,
        json: {
          members: members.map((x) => ({
            member_id: x.id,
            // member_type tells a domain (account) member from a project member. Not in the member-listing
            // reference we could read: the emulator's assumption, which the backend reads if present.
            member_type: x.type === "account" ? "domain" : "project",
            image_id: imageId,
            status: x.status,
            created_at: at,
            updated_at: at,
            schema: "/v2/schemas/member",
          })),
          schema: "/v2/schemas/members",
          ...(more ? { page_info: { next_marker: Buffer.from(members[members.length - 1].id).toString("base64"), current_count: members.length } } : {}),
        },
      };
    }
    if (path === "/v1/cloudimages/members") {
      if (method === "POST" || method === "DELETE") return { status: 200, json: { job_id: await changeMembers(caller, body, method === "POST") } };
      if (method === "PUT") return { status: 200, json: { job_id: await updateMemberStatus(caller, body) } };
    }
    if ((m = /^\/v1\/cloudimages\/([^/]+)\/(copy|cross_region_copy)$/.exec(path)) && method === "POST") {
      return { status: 200, json: { job_id: await copy(caller, decodeURIComponent(m[1]), m[2] === "copy", body) } };
    }
    if ((m = /^\/v1\/([^/]+)\/jobs\/([^/]+)$/.exec(path)) && method === "GET") {
      return { status: 200, json: await jobView(caller, decodeURIComponent(m[2])) };
    }
    throw new HuaweiError(404, "APIGW.0101", `The API does not exist or has not been published in the environment: ${method} ${path}`, true);
  }

  async function imageView(caller: Caller, imageId: string): Promise<Json> {
    const image = await caller.service.getImage(imageId);
    let shared = image.sharedWithCaller;
    if (!shared) shared = (await caller.service.listMembers(imageId, { pageSize: 1 })).items.length > 0;
    const at = new Date(now()).toISOString().replace(/\.\d+Z$/, "Z");
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
      virtual_env_type: image.kind === "data" ? "DataImage" : "FusionCompute",
      __image_source_type: "uds",
      __isregistered: "true",
      ...(image.description !== undefined ? { __description: image.description } : {}),
      ...(image.sourceImageId ? { __originalimagename: image.sourceImageId } : {}),
      disk_format: "zvhd2",
      container_format: "bare",
      min_disk: 40,
      protected: false,
      tags: [],
      created_at: at,
      updated_at: at,
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: "/v2/schemas/image",
    };
  }

  async function changeMembers(caller: Caller, body: Json, add: boolean): Promise<string> {
    const images = strings(body, "images", true)!;
    const projects = strings(body, "projects", false) ?? [];
    const domains = strings(body, "domains", false) ?? [];
    if (strings(body, "organizations", false)?.length) throw new HuaweiError(400, "IMG.0001", "Sharing with organizations is not served by the emulator.");
    if (projects.length + domains.length === 0) throw new HuaweiError(400, "IMG.0001", "One of projects, domains and organizations must be given.");
    if (domains.length > 0 && caller.profile === "opentelekomcloud") throw new HuaweiError(400, "IMG.0001", "The parameter domains is not supported: images are shared with projects.");
    const targets: MemberTarget[] = [...projects.map((id) => ({ type: "project" as const, id })), ...domains.map((id) => ({ type: "account" as const, id }))];
    // Checked and applied when the request is accepted (refusals answer at once); the job then
    // reports the outcome, as IMS's asynchronous member APIs do.
    return memberJob(caller, add ? "batchAddMembers" : "batchDeleteMembers", async () => {
      for (const imageId of images) {
        if (add) await caller.service.addMembers(imageId, targets);
        else await caller.service.removeMembers(imageId, targets);
      }
    });
  }

  async function updateMemberStatus(caller: Caller, body: Json): Promise<string> {
    const images = strings(body, "images", true)!;
    const projectId = str(body, "project_id");
    const status = str(body, "status");
    if (status !== "accepted" && status !== "rejected") throw new HuaweiError(400, "IMG.0001", `The status must be accepted or rejected, not ${status}.`);
    if (projectId !== caller.project) throw new HuaweiError(403, "IMG.0047", `The project_id ${projectId} is not the caller's project ${caller.project}.`);
    return memberJob(caller, "batchUpdateMembers", async () => {
      for (const imageId of images) {
        try {
          await caller.service.setMemberStatus(imageId, { type: "project", id: projectId }, status);
        } catch (e) {
          // Not a member as a project: the share may target the caller's account (domain).
          if (!(e instanceof ImageServiceError && e.kind === "not-found" && e.rule === "acceptance-without-share")) throw e;
          await caller.service.setMemberStatus(imageId, { type: "account", id: caller.account }, status);
        }
      }
    });
  }

  async function copy(caller: Caller, imageId: string, inRegion: boolean, body: Json): Promise<string> {
    const name = str(body, "name");
    const description = body.description === undefined ? undefined : typeof body.description === "string" ? body.description : badParameter("description");
    let region = caller.region;
    if (!inRegion) {
      region = str(body, "region");
      str(body, "project_name");
      str(body, "agency_name");
      if (region === caller.region) throw new HuaweiError(400, "IMG.0001", "The destination region is the image's own region: use the in-region replication API.");
    }
    const job = await caller.service.copyImage({ imageId, region, name, ...(description !== undefined ? { description } : {}) });
    return job.id;
  }

  async function jobView(caller: Caller, jobId: string): Promise<Json> {
    const member = memberJobs.get(jobId);
    if (member && member.account === caller.account) {
      member.polls += 1;
      const done = member.polls > pollsBeforeSuccess;
      const failed = done && member.failure !== undefined;
      return {
        job_id: jobId,
        job_type: member.type,
        status: failed ? "FAIL" : done ? "SUCCESS" : "RUNNING",
        begin_time: member.begin,
        ...(done ? { end_time: new Date(now()).toISOString() } : {}),
        entities: {},
        error_code: failed ? member.failure!.code : null,
        fail_reason: failed ? member.failure!.reason : null,
      };
    }
    let job: Job;
    try {
      job = await caller.service.getJob(jobId);
    } catch (e) {
      if (e instanceof ImageServiceError && e.kind === "not-found") throw new HuaweiError(404, "IMG.0086", `The job ${jobId} does not exist.`);
      throw e;
    }
    const failed = job.status === "failed";
    const reason = /^(IMG\.\d+):\s*(.*)$/.exec(job.reason ?? "");
    return {
      job_id: jobId,
      job_type: "copyImage",
      status: job.status === "succeeded" ? "SUCCESS" : failed ? "FAIL" : "RUNNING",
      entities: {
        ...(job.status !== "running" && job.imageId ? { image_id: job.imageId } : {}),
        ...(job.progress !== undefined ? { process_percent: job.progress / 100 } : {}),
      },
      error_code: failed ? (reason?.[1] ?? "IMG.0024") : null,
      fail_reason: failed ? (reason?.[2] ?? job.reason ?? "the copy failed") : null,
    };
  }

  return {
    name: "huaweicloud",
    matches: (request) => /^(SDK|HWS)-HMAC-SHA256/.test(header(request, "authorization") ?? "") || /^\/v[12]\/(images|cloudimages|[0-9a-f]{32}\/jobs)(\/|$|\?)/.test(request.url ?? ""),
    async handle(request, body, response) {
      const requestId = randomBytes(16).toString("hex");
      try {
        const keyId = verifySdkSignature(request, body, (id) => emulator.findAccessKey(id)?.secret, now(), maxSkew);
        const key = emulator.findAccessKey(keyId)!;
        const url = new URL(request.url ?? "/", "http://emulator");
        const jobProject = /^\/v1\/([^/]+)\/jobs\//.exec(url.pathname)?.[1];
        const project = header(request, "x-project-id") ?? (jobProject ? decodeURIComponent(jobProject) : undefined) ?? key.project;
        if (!project) throw new HuaweiError(401, "APIGW.0301", "Incorrect IAM authentication information: no project (X-Project-Id) in the request.", true);
        const account = accounts().find((a) => a.id === key.account);
        const home = account?.projects.find((p) => p.id === project);
        if (!account || !home) throw new HuaweiError(401, "APIGW.0301", `Incorrect IAM authentication information: project ${project} does not belong to the access key's account.`, true);
        if (jobProject && decodeURIComponent(jobProject) !== project) throw new HuaweiError(403, "IMG.0047", `The project ${decodeURIComponent(jobProject)} in the URL is not the caller's project ${project}.`);
        const action = `${request.method} ${url.pathname.replace(/[0-9a-f-]{32,36}/g, "{id}")}`;
        const fault = (options.fault ?? emulator.takeFault?.bind(emulator))?.(action);
        if (fault?.kind === "drop") {
          request.socket.destroy();
          return;
        }
        if (fault?.kind === "latency") await new Promise((resolve) => setTimeout(resolve, fault.ms));
        if (fault?.kind === "http-status") throw new HuaweiError(fault.status, fault.status === 429 ? "APIGW.0308" : "APIGW.0204", `emulated gateway error ${fault.status}`, true);
        if (fault?.kind === "throttle") {
          // Alternate the two throttling answers clients must both handle.
          if (throttles++ % 2 === 0) throw new HuaweiError(429, "APIGW.0308", "The throttling threshold has been reached: policy user over ratelimit, limit:5, time:1 second", true);
          throw new HuaweiError(400, "IMG.0060", "Flow control: the request was rejected; try again later.");
        }
        if (fault?.kind === "internal-error") throw new HuaweiError(500, "IMG.0999", "An internal error occurred; retry the request.");
        const caller: Caller = {
          account: account.id,
          project,
          profile: account.profile,
          region: home.region,
          service: emulator.service({ profile: account.profile, region: home.region, account: account.id, project }),
        };
        const answer = await route(caller, request.method ?? "GET", url.pathname, parseBody(body), url.searchParams);
        reply(response, answer.status, answer.json, requestId);
      } catch (e) {
        const error = e instanceof HuaweiError ? e : toHuaweiError(e);
        const payload = error.gateway
          ? { error_code: error.code, error_msg: error.message, request_id: requestId }
          : { error: { code: error.code, message: error.message } };
        reply(response, error.status, payload, requestId);
      }
    },
  };
}

function reply(response: ServerResponse, status: number, json: Json | undefined, requestId: string): void {
  if (json === undefined) {
    response.writeHead(status, { "x-request-id": requestId }).end();
    return;
  }
  const text = JSON.stringify(json);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "x-request-id": requestId });
  response.end(text);
}

/** The model's refusals carry IMS codes (cloudCode); their HTTP status follows their kind. */
function toHuaweiError(e: unknown): HuaweiError {
  if (e instanceof ImageServiceError) {
    const code = e.cloudCode ?? (e.kind === "not-found" ? "IMG.0027" : "IMG.0001");
    const status = e.kind === "not-found" ? 404 : e.kind === "throttled" ? 429 : e.kind === "transient" ? 500 : e.kind === "auth" ? 401 : 400;
    return new HuaweiError(status, code, e.message);
  }
  return new HuaweiError(500, "IMG.0999", `emulator: ${e instanceof Error ? e.message : String(e)}`);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseBody(body: Buffer): Json {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw new HuaweiError(400, "IMG.0001", "The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new HuaweiError(400, "IMG.0001", "The request body must be a JSON object.");
  return parsed as Json;
}

function badParameter(name: string): never {
  throw new HuaweiError(400, "IMG.0001", `The parameter ${name} is invalid.`);
}

function str(body: Json, name: string): string {
  const value = body[name];
  if (value === undefined || value === null || value === "") throw new HuaweiError(400, "IMG.0001", `The parameter ${name} is missing.`);
  if (typeof value !== "string") badParameter(name);
  return value;
}

function strings(body: Json, name: string, required: boolean): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new HuaweiError(400, "IMG.0001", `The parameter ${name} is missing.`);
    return undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) badParameter(name);
  if (required && value.length === 0) throw new HuaweiError(400, "IMG.0001", `The parameter ${name} must not be empty.`);
  return value as string[];
}

// ---- SDK-HMAC-SHA256 ----

const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** The SDK's URL encoding (AKSKSigner.urlEncode): RFC 3986 unreserved characters kept, the rest %XX upper case. */
export function sdkUrlEncode(text: string): string {
  return Array.from(Buffer.from(text, "utf8"))
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/**
 * The canonical request exactly as the SDK builds it (huaweicloud-sdk-core AKSKSigner.sign):
 * method, the path with every segment encoded again and a trailing "/", the query sorted by key
 * (values of a repeated key sorted), every signed header as `name:value\n` in the order of
 * SignedHeaders, the signed header list, and the body's SHA-256 (or X-Sdk-Content-Sha256).
 */
export function canonicalRequest(method: string, rawUrl: string, headerOf: (name: string) => string | undefined, signedHeaders: string[], body: Buffer): string {
  const url = new URL(rawUrl, "http://emulator");
  let path = url.pathname.split("/").map(sdkUrlEncode).join("/");
  if (!path.endsWith("/")) path += "/";
  const params = new Map<string, string[]>();
  for (const [k, v] of url.searchParams) params.set(k, [...(params.get(k) ?? []), v]);
  const query = [...params.keys()]
    .sort()
    .flatMap((k) => [...params.get(k)!].sort().map((v) => `${sdkUrlEncode(k)}=${sdkUrlEncode(v)}`))
    .join("&");
  const headers = signedHeaders.map((name) => `${name}:${headerOf(name) ?? ""}\n`).join("");
  const payload = headerOf("x-sdk-content-sha256") ?? sha256Hex(body);
  return [method, path, query, headers, signedHeaders.join(";"), payload].join("\n");
}

function authError(message: string): HuaweiError {
  return new HuaweiError(401, "APIGW.0301", `Incorrect IAM authentication information: ${message}`, true);
}

/** Verifies an SDK-HMAC-SHA256 Authorization header and returns the access key id. */
export function verifySdkSignature(request: IncomingMessage, body: Buffer, secretOf: (accessKeyId: string) => string | undefined, nowMs: number, maxSkewSeconds = 900): string {
  const authorization = header(request, "authorization");
  if (!authorization) throw authError("the request has no Authorization header");
  const match = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([a-z0-9;_-]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization.trim());
  if (!match) throw authError("the Authorization header is not an SDK-HMAC-SHA256 header");
  const [, accessKeyId, signedHeaderList, signature] = match;
  const secret = secretOf(accessKeyId);
  if (secret === undefined) throw authError(`the access key ${accessKeyId} does not exist`);
  const signedHeaders = signedHeaderList.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-sdk-date")) throw authError("SignedHeaders must include host and x-sdk-date");
  const date = header(request, "x-sdk-date") ?? "";
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!dm) throw authError("X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ");
  const signedAt = Date.UTC(+dm[1], +dm[2] - 1, +dm[3], +dm[4], +dm[5], +dm[6]);
  if (Math.abs(nowMs - signedAt) > maxSkewSeconds * 1000) throw authError(`the signature expired: X-Sdk-Date ${date} is more than ${maxSkewSeconds} s from the server's time`);
  const canonical = canonicalRequest(request.method ?? "GET", request.url ?? "/", (name) => header(request, name), signedHeaders, body);
  const stringToSign = `SDK-HMAC-SHA256\n${date}\n${sha256Hex(canonical)}`;
  const actual = createHmac("sha256", secret).update(stringToSign).digest();
  if (!timingSafeEqual(actual, Buffer.from(signature, "hex"))) throw authError("the signature does not match (check the secret key)");
  return accessKeyId;
}
