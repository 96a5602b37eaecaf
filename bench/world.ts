/**
 * The benchmark's clouds: the in-process emulator (in memory, and on a state file as the provider
 * runtime opens it) and the four real backends over the emulator served on loopback, each with an owner, enough
 * member accounts (or projects) and a request counter. Nothing here measures; bench/run.ts does.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Emulator, EmulatorImageService, MemoryStore, openEmulator } from "../provider/backends/emulator";
import type { Dialect } from "../provider/backends/emulator/http/dialect";
import { createAlibabaCloudDialect } from "../provider/backends/emulator/http/alicloud";
import { createHuaweiCloudDialect } from "../provider/backends/emulator/http/huaweicloud";
import { createTencentCloudDialect } from "../provider/backends/emulator/http/tencentcloud";
import { startEmulatorServer, type EmulatorServer } from "../provider/backends/emulator/http/server";
import { createAlibabaCloudImageService } from "../provider/backends/alicloud";
import { createHuaweiCloudImageService } from "../provider/backends/huaweicloud";
import { createTencentCloudImageService } from "../provider/backends/tencentcloud";
import type { ImageService, MemberTarget } from "../provider/backends/types";
import type { ProfileId } from "../provider/rules/model";
import type { ConnectionInputs, ImageShareInputs } from "../provider/resources/wire";

export type BackendName = "emulator" | "emulator-file" | "huaweicloud" | "opentelekomcloud" | "alicloud" | "tencentcloud";

/** Requests (or emulator API calls) by kind, since the last reset. */
export interface CallCounts {
  total: number;
  /** Member additions / removals (one per batch). */
  writes: number;
  /** Image and member reads. */
  reads: number;
  /** Job polls (huaweicloud / opentelekomcloud member jobs). */
  polls: number;
  byAction: Record<string, number>;
}

export class Counter {
  private counts: CallCounts = Counter.empty();
  private static empty(): CallCounts {
    return { total: 0, writes: 0, reads: 0, polls: 0, byAction: {} };
  }
  reset(): void {
    this.counts = Counter.empty();
  }
  add(action: string, kind: "writes" | "reads" | "polls" | "other"): void {
    this.counts.total++;
    if (kind !== "other") this.counts[kind]++;
    this.counts.byAction[action] = (this.counts.byAction[action] ?? 0) + 1;
  }
  snapshot(): CallCounts {
    return { ...this.counts, byAction: { ...this.counts.byAction } };
  }
}

const WRITES = new Set(["ModifyImageSharePermission", "POST /v1/cloudimages/members", "DELETE /v1/cloudimages/members", "addMembers", "removeMembers"]);
const POLLS = new Set(["GET /v1/jobs", "getJob"]);
const READS = new Set(["DescribeImages", "DescribeImageSharePermission", "GET /v2/images/members", "GET /v2/images", "GET /v2/cloudimages", "getImage", "listMembers"]);

function kindOf(action: string): "writes" | "reads" | "polls" | "other" {
  if (WRITES.has(action)) return "writes";
  if (POLLS.has(action)) return "polls";
  if (READS.has(action)) return "reads";
  return "other";
}

/** The action of one HTTP request in its cloud's terms (ids in paths dropped). */
function actionOf(name: string, request: { method?: string; url?: string; headers: Record<string, unknown> }): string {
  const url = new URL(request.url ?? "/", "http://x");
  if (name === "tencentcloud") return String(request.headers["x-tc-action"] ?? "?");
  // ACS3 signatures name the action in a header, the older RPC signature in the query.
  if (name === "alicloud") return String(request.headers["x-acs-action"] ?? url.searchParams.get("Action") ?? "?");
  // IMS: method and path with ids left out.
  const p = url.pathname;
  const shape = /^\/v1\/[^/]+\/jobs\//.test(p) || /^\/v1\/jobs\//.test(p) ? "/v1/jobs" : /^\/v2\/images\/[^/]+\/members/.test(p) ? "/v2/images/members" : /^\/v2\/images\/[^/]+$/.test(p) ? "/v2/images" : p;
  return `${request.method} ${shape}`;
}

/** Counts every request a dialect receives, before it is served. */
function counting(dialect: Dialect, counter: Counter): Dialect {
  return {
    name: dialect.name,
    matches: (r) => dialect.matches(r),
    handle(request, body, response) {
      const action = actionOf(dialect.name, request);
      counter.add(action, kindOf(action));
      return dialect.handle(request, body, response);
    },
  };
}

// The in-process backend's API calls: every EmulatorImageService call goes through its private
// `call(operation, ...)`, once per cloud API call (a batch, a page, a read). Counted there, and
// only for services that draw call faults (the in-process backend; the dialects' own services
// do not, and are counted per request above).
const emulatorCounter = new Counter();
{
  const proto = EmulatorImageService.prototype as unknown as { call: (this: { callFaults?: boolean }, operation: string, op: unknown) => Promise<unknown> };
  const original = proto.call;
  proto.call = function (operation: string, op: unknown) {
    if ((this as { callFaults?: boolean }).callFaults) emulatorCounter.add(operation, kindOf(operation));
    return original.call(this, operation, op);
  };
}

const memoryEmulator = () => new Emulator(new MemoryStore());

/** Points the backend factory's emulator connections at `emulatorPath` to the in-memory `emulator`. */
function routeToMemory(emulatorPath: string, emulator: Emulator): void {
  const backends = require("../provider/backends") as { createImageService: (input: Record<string, unknown>) => ImageService };
  const original = backends.createImageService;
  backends.createImageService = (input) => {
    if (input.backend === "emulator" && input.emulatorPath === emulatorPath) {
      const { profile, region, account, project } = input as { profile: ProfileId; region: string; account: string; project?: string };
      return emulator.service({ profile, region, account, ...(project ? { project } : {}) }, { callFaults: true });
    }
    return original(input);
  };
}

export interface World {
  name: BackendName;
  profile: ProfileId;
  region: string;
  account: string;
  project?: string;
  /** Members per add / remove call the backend uses (the API's batch size). */
  batch: number;
  /** The cloud's own member limit for a system image, before we raised it for the benchmark. */
  cloudLimit: number;
  counter: Counter;
  /** Inputs of an ImageShare acting as the owner. */
  inputs(imageId: string, members: MemberTarget[]): ImageShareInputs;
  /** The backend acting as the owner, built directly (the baseline's client). */
  service(): ImageService;
  newImage(name: string): string;
  /** The i-th member (created up front). */
  member(i: number): MemberTarget;
  /** Members of an image, read from the emulator's state (not counted). */
  membersOf(imageId: string): number;
  emulator: Emulator;
}

export interface Worlds {
  worlds: World[];
  /** Sets the per-call (per-request) latency on every emulator. */
  setLatency(ms: number): void;
  teardown(): Promise<void>;
}

const REGION: Record<ProfileId, string> = { huaweicloud: "cn-north-4", opentelekomcloud: "eu-de", alicloud: "cn-hangzhou", tencentcloud: "ap-guangzhou" };
const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, "0")}`;

/**
 * Sets up every world. `members`: member accounts per world. `limit`: the member limit set in
 * every emulator (the clouds' own limits, 50 on alicloud / tencentcloud, 128 on huaweicloud,
 * 256 on opentelekomcloud, are below the 257 the update scenario needs).
 */
export async function createWorlds(options: { members: number; limit: number; only?: BackendName[] }): Promise<Worlds> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-bench-"));
  const want = (b: BackendName) => !options.only || options.only.includes(b);
  const limits = { member: options.limit };
  const worlds: World[] = [];

  // (a) The in-process emulator, opentelekomcloud profile (project members, batches of 100), on
  // its memory store. The provider runtime opens the emulator by path: the backend factory the
  // runtime calls is pointed at the memory store for this one path; every other connection goes
  // to the factory unchanged.
  const emulatorPath = path.join(dir, "memory-emulator.db");
  const local = memoryEmulator();
  local.configure({ memberLimits: { opentelekomcloud: limits } });
  routeToMemory(emulatorPath, local);

  // (b) The served emulator, one per cloud, each on its own loopback server with every request
  // counted before it is served. Member jobs (huaweicloud / opentelekomcloud) answer SUCCESS at
  // the first poll: a real IMS job's duration is the cloud's, the same for us and the baseline;
  // the requests made are what is compared.
  const counter = new Counter();
  const emulators: Emulator[] = [local];
  const servers: EmulatorServer[] = [];
  const serve = async (): Promise<{ served: Emulator; server: EmulatorServer }> => {
    const served = memoryEmulator();
    served.configure({ memberLimits: { huaweicloud: limits, opentelekomcloud: limits, alicloud: limits, tencentcloud: limits } });
    const dialects = [createHuaweiCloudDialect(served, { memberJobPolls: 0 }), createAlibabaCloudDialect(served), createTencentCloudDialect(served)].map((d) => counting(d, counter));
    const server = await startEmulatorServer({ dialects });
    emulators.push(served);
    servers.push(server);
    return { served, server };
  };

  const envKey = (name: string, value: string): { env: string } => {
    process.env[name] = value;
    return { env: name };
  };

  const huaweiLike = (emulator: Emulator, server: EmulatorServer | undefined, name: BackendName, profile: "huaweicloud" | "opentelekomcloud", conn: (ak: string, sk: string) => ConnectionInputs, ctr: Counter): World => {
    const region = REGION[profile];
    const tag = profile === "huaweicloud" ? "1" : "2";
    const account = hex(`d${tag}0`, 1);
    const project = hex(`a${tag}0`, 1);
    emulator.addAccount({ id: account, profile, projects: [{ id: project, region }] });
    const ak = `AK${project.toUpperCase()}`;
    const sk = `sk-${project}`;
    emulator.addAccessKey({ accessKeyId: ak, secret: sk, account, project });
    // huaweicloud: account (domain) members; opentelekomcloud: project members.
    const members: MemberTarget[] = [];
    const inputs = [];
    for (let i = 0; i < options.members; i++) {
      const acct = hex(`d${tag}1`, i);
      const proj = hex(`a${tag}1`, i);
      inputs.push({ id: acct, profile, projects: [{ id: proj, region }] });
      members.push(profile === "huaweicloud" ? { type: "account", id: acct } : { type: "project", id: proj });
    }
    emulator.addAccounts(inputs);
    let n = 0;
    return {
      name,
      profile,
      region,
      account,
      project,
      batch: 100,
      cloudLimit: profile === "huaweicloud" ? 128 : 256,
      counter: ctr,
      emulator,
      inputs: (imageId, ms) => ({ profile, region, account, project, connection: conn(ak, sk), imageId, members: ms }),
      service:
        name === "emulator" || name === "emulator-file"
          ? () => emulator.service({ profile, region, account, project }, { callFaults: true })
          : () => createHuaweiCloudImageService({ profile, region, endpoint: server!.url, accessKey: ak, secretKey: sk, projectId: project, accountId: account, env: {} }),
      newImage: (nm) => emulator.addImage({ profile, region, owner: account, ownerProject: project, kind: "system", name: `${nm}-${n++}` }),
      member: (i) => members[i],
      membersOf: (id) => emulator.image(id)?.members.length ?? -1,
    };
  };

  if (want("emulator")) {
    worlds.push(huaweiLike(local, undefined, "emulator", "opentelekomcloud", () => ({ backend: "emulator", emulatorPath }), emulatorCounter));
  }
  // (a') The same in-process emulator on the state file users get (each write fsynced only with
  // IMAGE_SHARE_EMULATOR_FSYNC=1), reached by the runtime's factory through its path as a stack's is.
  if (want("emulator-file")) {
    const filePath = path.join(dir, "file-emulator.db");
    const file = openEmulator(filePath);
    file.configure({ memberLimits: { opentelekomcloud: limits } });
    emulators.push(file);
    worlds.push(huaweiLike(file, undefined, "emulator-file", "opentelekomcloud", () => ({ backend: "emulator", emulatorPath: filePath }), emulatorCounter));
  }
  for (const profile of ["huaweicloud", "opentelekomcloud"] as const) {
    if (!want(profile)) continue;
    const { served, server } = await serve();
    worlds.push(
      huaweiLike(served, server, profile, profile, (ak, sk) => ({ backend: "cloud", endpoint: server.url, credentials: { accessKey: envKey(`BENCH_${profile.toUpperCase()}_AK`, ak), secretKey: envKey(`BENCH_${profile.toUpperCase()}_SK`, sk) } }), counter),
    );
  }
  const accountWorld = async (profile: "alicloud" | "tencentcloud"): Promise<World> => {
    const { served, server } = await serve();
    const region = REGION[profile];
    const base = profile === "alicloud" ? 1_000_000_000_000_000 : 100_000_000_000;
    const account = String(base + 1);
    served.addAccount({ id: account, profile });
    const ak = profile === "alicloud" ? `LTAI${account}` : `AKID${account}`;
    const sk = `secret-${account}`;
    served.addAccessKey({ accessKeyId: ak, secret: sk, account });
    const members: MemberTarget[] = [];
    for (let i = 0; i < options.members; i++) members.push({ type: "account", id: String(base + 1000 + i) });
    served.addAccounts(members.map((m) => ({ id: m.id, profile })));
    let n = 0;
    const U = profile.toUpperCase();
    return {
      name: profile,
      profile,
      region,
      account,
      batch: profile === "alicloud" ? 10 : 100,
      cloudLimit: 50,
      counter,
      emulator: served,
      inputs: (imageId, ms) => ({
        profile,
        region,
        account,
        connection: { backend: "cloud", endpoint: server.url, credentials: { accessKey: envKey(`BENCH_${U}_AK`, ak), secretKey: envKey(`BENCH_${U}_SK`, sk) } },
        imageId,
        members: ms,
      }),
      service: () =>
        profile === "alicloud"
          ? createAlibabaCloudImageService({ region, endpoint: server.url, accessKeyId: ak, accessKeySecret: sk, accountId: account, env: {} })
          : createTencentCloudImageService({ region, endpoint: server.url, secretId: ak, secretKey: sk, accountId: account }),
      newImage: (nm) => served.addImage({ profile, region, owner: account, kind: "system", name: `${nm}-${n++}` }),
      member: (i) => members[i],
      membersOf: (id) => served.image(id)?.members.length ?? -1,
    };
  };
  if (want("alicloud")) worlds.push(await accountWorld("alicloud"));
  if (want("tencentcloud")) worlds.push(await accountWorld("tencentcloud"));

  return {
    worlds,
    setLatency(ms: number) {
      for (const e of emulators) {
        if (ms > 0) e.setFaults({ latencyMs: ms });
        else e.clearFaults();
      }
    },
    async teardown() {
      for (const server of servers) await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
