/**
 * Whole-program lifecycles through the stand-in engine, once per profile on the in-process
 * emulator (its file store, as users get it) and once with a real backend (alicloud) over the
 * emulator served in its HTTP dialect. The program declares a ShareTopology from a topology file
 * and a standalone ImageShare beside it; the file's share and the standalone share of one
 * full-ECS image sum to exactly the member limit. Each sequence:
 *
 *  1. preview of the new stack: every resource to create, no failure, nothing applied;
 *  2. up, with the provider host killed mid-apply: fails;
 *  3. up again: converges, every declared member there and nothing else;
 *  4. preview: no changes and no failure, at the limit;
 *  5. a member added and one removed: preview shows an update (never a replace), up makes only
 *     that update (and, served, only that many member requests);
 *  6. a declared member removed and an undeclared one added outside the stack, refresh: the
 *     state shows the drift; up: converges (the undeclared member stays);
 *  7. one member over the limit: the preview fails on the standalone share with member-limit and
 *     applies nothing;
 *  8. destroy: the emulator as seeded, plus the member added outside the stack (never removed).
 *
 * `npm test` runs every step of all five sequences (each profile's lifecycle is a kind of test,
 * not a repetition); the soak tier does not repeat them.
 * The five sequences run at once (each has its own emulator, state and host); each `it` reports
 * one.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { PROFILES } from "../../provider/rules/profiles";
import type { ProfileId } from "../../provider/rules/model";
import { regionsOf } from "../harness/world";
import { runOperation, type RunResult } from "./engine";
import { makeProject } from "./fixtures";
import type { ConfigValue } from "./project";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ShareTopology, ImageShare } = require("image-share");
const config = new pulumi.Config();
const connection = config.getObject("connection");
const credentials = config.getObject("credentials");
const topology = new ShareTopology("t", {
  file: config.require("topologyFile"),
  ...(connection ? { connection } : {}),
  ...(credentials ? { credentials } : {}),
});
const standalone = config.requireObject("standalone");
new ImageShare("standalone", {
  ...standalone,
  ...(connection ? { connection: { ...connection, ...(credentials ? { credentials: credentials.owner } : {}) } } : {}),
  limits: topology.topology.limits,
});
exports.imageIds = topology.imageIds;
`;

const ENV = { IMAGE_SHARE_JOB_POLL_MS: "20" };

interface Sequence {
  name: string;
  profile: ProfileId;
  served: boolean;
}

const SEQUENCES: Sequence[] = [
  { name: "huaweicloud on the in-process emulator", profile: "huaweicloud", served: false },
  { name: "opentelekomcloud on the in-process emulator", profile: "opentelekomcloud", served: false },
  { name: "alicloud on the in-process emulator", profile: "alicloud", served: false },
  { name: "tencentcloud on the in-process emulator", profile: "tencentcloud", served: false },
  { name: "alicloud's real backend over the served emulator", profile: "alicloud", served: true },
];

/** One sequence's cloud: accounts, two images, the topology file and the program's config. */
class World {
  readonly dir: string;
  readonly db: string;
  readonly emulator: Emulator;
  readonly region: string;
  readonly usesProjects: boolean;
  readonly owner: string;
  readonly ownerProject?: string;
  readonly recipients: Array<{ account: string; project?: string }> = [];
  readonly full: string;
  readonly system: string;
  readonly limit: number;
  readonly half: number;
  server?: EmulatorServer;
  /** Member-changing requests the served emulator answered (served only). */
  memberRequests = 0;
  readonly outsider: string;
  readonly outsiderProject: string;

  constructor(readonly seq: Sequence) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `image-share-lifecycle-${seq.profile}-`));
    this.db = path.join(this.dir, "emulator.db");
    this.emulator = openEmulator(this.db);
    const profile = seq.profile;
    [this.region] = regionsOf(profile);
    this.usesProjects = profile === "huaweicloud" || profile === "opentelekomcloud";
    this.limit = PROFILES[profile].memberLimit.full as number;
    this.half = this.limit / 2;
    const numeric = profile === "alicloud" || profile === "tencentcloud";
    // Ids as each cloud shapes them: 32 hex characters (Huawei / OTC accounts and projects), digits (Alibaba / Tencent).
    const id = (i: number) => (numeric ? String(1_000_000_000_000 + i) : `a${i.toString(16).padStart(31, "0")}`);
    const projectOf = (i: number) => `b${i.toString(16).padStart(31, "0")}`;
    const accounts = [];
    this.owner = id(0);
    this.ownerProject = this.usesProjects ? projectOf(0) : undefined;
    accounts.push({ id: this.owner, profile, projects: this.usesProjects ? [{ id: this.ownerProject!, region: this.region }] : [] });
    // limit + 2 recipients: the at-limit pair, one over, and spares for the system image.
    for (let i = 1; i <= this.limit + 3; i++) {
      const r = { account: id(i), ...(this.usesProjects ? { project: projectOf(i) } : {}) };
      this.recipients.push(r);
      accounts.push({ id: r.account, profile, projects: r.project ? [{ id: r.project, region: this.region }] : [] });
    }
    this.outsider = id(900);
    this.outsiderProject = projectOf(900);
    accounts.push({ id: this.outsider, profile, projects: this.usesProjects ? [{ id: this.outsiderProject, region: this.region }] : [] });
    this.emulator.addAccounts(accounts);
    this.full = this.emulator.addImage({ profile, region: this.region, owner: this.owner, ownerProject: this.ownerProject, kind: "full", name: "golden-full" });
    this.system = this.emulator.addImage({ profile, region: this.region, owner: this.owner, ownerProject: this.ownerProject, kind: "system", name: "golden-system" });
  }

  /** Member i as the cloud holds it ("type:id"); opentelekomcloud shares with projects. */
  member(i: number): string {
    const r = this.recipients[i];
    return this.seq.profile === "opentelekomcloud" ? `project:${r.project}` : `account:${r.account}`;
  }

  members(image: string): string[] {
    return (this.emulator.image(image)?.members ?? []).map((m) => `${m.type}:${m.id}`).sort();
  }

  /** Writes the topology file: the full image's share (members 0 .. half-1), the system image's share, acceptances. */
  writeTopology(systemMembers: number[]): string {
    const key = (i: number) => `r${i}`;
    const accounts: Record<string, unknown> = {
      owner: { id: this.owner, ...(this.usesProjects ? { projects: { "owner-p": { id: this.ownerProject, region: this.region } } } : {}) },
    };
    this.recipients.forEach((r, i) => (accounts[key(i)] = { id: r.account, ...(r.project ? { projects: { [`${key(i)}-p`]: { id: r.project, region: this.region } } } : {}) }));
    const member = (i: number) => (this.seq.profile === "opentelekomcloud" ? { account: key(i), project: `${key(i)}-p` } : key(i));
    const topology = {
      profile: this.seq.profile,
      accounts,
      images: {
        full: { id: this.full, region: this.region, owner: "owner", kind: "full", name: "golden-full" },
        system: { id: this.system, region: this.region, owner: "owner", kind: "system", name: "golden-system" },
      },
      shares: [
        { name: "full-a", image: "full", members: Array.from({ length: this.half }, (_, i) => member(i)) },
        { name: "system-a", image: "system", members: systemMembers.map(member) },
      ],
      ...(this.usesProjects
        ? {
            acceptances: [
              { name: "r0-accepts-full", image: "full", member: member(0), status: "accepted" },
              { name: "r0-accepts-system", image: "system", member: member(0), status: "accepted" },
            ],
          }
        : {}),
    };
    const file = path.join(this.dir, "topology.json");
    fs.writeFileSync(file, JSON.stringify(topology, null, 2));
    return file;
  }

  /** The program's config: the topology file, the standalone share (members half .. half+n-1 of the full image). */
  config(standaloneCount: number): Record<string, ConfigValue> {
    const profile = this.seq.profile;
    const members = Array.from({ length: standaloneCount }, (_, k) => {
      const r = this.recipients[this.half + k];
      return profile === "opentelekomcloud" ? { type: "project", id: r.project } : r.account;
    });
    const standalone = { profile, region: this.region, account: this.owner, ...(this.ownerProject ? { project: this.ownerProject } : {}), imageId: this.full, members };
    const out: Record<string, ConfigValue> = {
      "lifecycle:topologyFile": path.join(this.dir, "topology.json"),
      "lifecycle:standalone": JSON.stringify(standalone),
    };
    if (this.server) {
      out["lifecycle:connection"] = JSON.stringify({ backend: "cloud", endpoint: this.server.url });
      out["lifecycle:credentials"] = JSON.stringify({ owner: { accessKey: { env: "LIFECYCLE_AK" }, secretKey: { env: "LIFECYCLE_SK" } } });
    } else {
      out["image-share:emulatorPath"] = this.db;
    }
    return out;
  }

  async serve(): Promise<void> {
    this.emulator.addAccessKey({ accessKeyId: "LTAILIFECYCLE0001", secret: "lifecycle-secret-0001", account: this.owner });
    const dialect = createAlibabaCloudDialect(this.emulator);
    const counting = {
      name: dialect.name,
      matches: (r: Parameters<typeof dialect.matches>[0]) => dialect.matches(r),
      handle: (r: Parameters<typeof dialect.handle>[0], body: Buffer, res: Parameters<typeof dialect.handle>[2]) => {
        if (r.headers["x-acs-action"] === "ModifyImageSharePermission") this.memberRequests++;
        return dialect.handle(r, body, res);
      },
    };
    this.server = await startEmulatorServer({ dialects: [counting] });
  }

  env(): NodeJS.ProcessEnv {
    return this.server ? { ...ENV, LIFECYCLE_AK: "LTAILIFECYCLE0001", LIFECYCLE_SK: "lifecycle-secret-0001", ALICLOUD_REGION: this.region } : ENV;
  }

  async close(): Promise<void> {
    await this.server?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const errors = (r: RunResult) => r.diagnostics.filter((d) => d.severity === "error");
const mutations = (r: RunResult) => r.calls.filter((c) => c.method === "create" || c.method === "update" || c.method === "delete");

async function lifecycle(seq: Sequence, log: string[]): Promise<void> {
  const w = new World(seq);
  try {
    if (seq.served) await w.serve();
    const dir = makeProject({ name: "lifecycle", files: { "index.js": PROGRAM } }, w.dir);
    const state = path.join(w.dir, "state.json");
    let systemMembers = [0, 1, 2];
    let standaloneCount = w.half;
    const run = async (op: Parameters<typeof runOperation>[0], extra: Partial<Parameters<typeof runOperation>[1]> = {}) => {
      w.writeTopology(systemMembers);
      const r = await runOperation(op, { cwd: dir, state, config: w.config(standaloneCount), env: w.env(), ...extra });
      log.push(`--- ${op}\n${r.output}`);
      return r;
    };
    const declaredFull = Array.from({ length: w.limit }, (_, i) => w.member(i)).sort();
    const declaredSystem = () => systemMembers.map((i) => w.member(i)).sort();
    const nShares = w.usesProjects ? 7 : 5; // stack, component, 3 shares (+ 2 acceptances)
    const outsider = seq.profile === "opentelekomcloud" ? { type: "project" as const, id: w.outsiderProject } : { type: "account" as const, id: w.outsider };
    const outside: string[] = [];

    // 1. preview of the new stack
    const preview = await run("preview");
    assert.ok(preview.ok, preview.output);
    assert.deepEqual(preview.summary, { create: nShares });
    assert.deepEqual(errors(preview), []);
    assert.deepEqual(preview.calls.filter((c) => c.method !== "check"), [], "a preview only checks new resources");
    assert.deepEqual(w.members(w.full), []);
    assert.ok(!fs.existsSync(state), "a preview writes no state");

    // 2. up, the host killed once the second create is under way
    let creates = 0;
    const killed = await run("up", {
      onProviderCall: (call) => {
        if (call.method === "create" && ++creates === 2) setImmediate(() => void call.host.kill());
      },
    });
    assert.equal(killed.ok, false, killed.output);

    // 3. up again: converges
    const up = await run("up");
    assert.ok(up.ok, up.output);
    assert.deepEqual(w.members(w.full), declaredFull, "every declared member of the full image, nothing else");
    assert.deepEqual(w.members(w.system), declaredSystem());
    assert.deepEqual(up.state.pendingOperations, []);
    assert.ok(up.state.resources.some((r) => r.type === "pulumi:providers:pulumi-nodejs"), "the default provider in the state");
    if (w.usesProjects) assert.equal(w.emulator.image(w.full)!.members.find((m) => `${m.type}:${m.id}` === w.member(0))?.status, "accepted");

    // 4. preview: no changes, at the limit
    const clean = await run("preview");
    assert.ok(clean.ok, clean.output);
    assert.deepEqual(clean.summary, { same: nShares }, clean.output);
    assert.deepEqual(errors(clean), []);

    // 5. a member added and one removed
    systemMembers = [0, 1, 3];
    const plan = await run("preview");
    assert.ok(plan.ok, plan.output);
    assert.deepEqual(plan.summary, { same: nShares - 1, update: 1 }, plan.output);
    assert.deepEqual(errors(plan), [], "the shares at the limit: unchanged and clean");
    assert.deepEqual(plan.steps.find((s) => s.op === "update")?.name, "t-system-a");
    assert.deepEqual(w.members(w.system), [0, 1, 2].map((i) => w.member(i)).sort(), "a preview applies nothing");
    w.memberRequests = 0;
    const change = await run("up");
    assert.ok(change.ok, change.output);
    assert.deepEqual(mutations(change).map((c) => `${c.method} ${c.urn.split("::").pop()}`), ["update t-system-a"]);
    assert.deepEqual(w.members(w.system), declaredSystem());
    if (seq.served) assert.equal(w.memberRequests, 2, "one request removes, one adds");

    // 6. drift outside the stack, refresh, up
    w.emulator.store.transact((s) => {
      const image = s.images[w.system];
      image.members = image.members.filter((m) => `${m.type}:${m.id}` !== w.member(1));
    });
    w.emulator.addMembersDirectly(w.system, [outsider]);
    outside.push(`${outsider.type}:${outsider.id}`);
    const refresh = await run("refresh");
    assert.ok(refresh.ok, refresh.output);
    const systemShare = refresh.state.resources.find((r) => r.urn.endsWith("::t-system-a"))!;
    assert.deepEqual((systemShare.outputs.members as Array<{ type: string; id: string }>).map((m) => `${m.type}:${m.id}`).sort(), [0, 3].map((i) => w.member(i)).sort(), "the state shows the member removed outside");
    const converge = await run("up");
    assert.ok(converge.ok, converge.output);
    assert.deepEqual(mutations(converge).map((c) => `${c.method} ${c.urn.split("::").pop()}`), ["update t-system-a"]);
    assert.deepEqual(w.members(w.system), [...declaredSystem(), ...outside].sort(), "re-added; the member added outside stays");

    // 7. one member over the limit: the preview fails on the standalone share, nothing applied
    standaloneCount = w.half + 1;
    const stateBefore = fs.readFileSync(state, "utf8");
    const over = await run("preview");
    assert.equal(over.ok, false);
    const failure = errors(over).find((d) => d.urn?.endsWith("::standalone"));
    assert.ok(failure, over.output);
    assert.match(failure.message, /^pulumi-nodejs:dynamic\/image-share:ImageShare resource 'standalone': property members\[\d+\] value \{<nil>\} has a problem: \[member-limit\] /);
    assert.match(over.output, /\n {2}pulumi-nodejs:dynamic\/image-share:ImageShare \(standalone\):\n {4}error: /, "shown under its resource, as the CLI does");
    assert.match(over.output, /error: preview failed/);
    assert.deepEqual(w.members(w.full), declaredFull);
    assert.equal(fs.readFileSync(state, "utf8"), stateBefore);
    standaloneCount = w.half;

    // 8. destroy
    const destroy = await run("destroy");
    assert.ok(destroy.ok, destroy.output);
    assert.deepEqual(destroy.state.resources, []);
    assert.deepEqual(w.members(w.full), []);
    assert.deepEqual(w.members(w.system), outside, "only the member added outside the stack");
  } finally {
    await w.close();
  }
}

describe("whole-program lifecycles through the stand-in engine, per profile", function () {
  this.timeout(600_000);
  const runs = new Map<string, { done: Promise<void>; log: string[] }>();
  before(() => {
    for (const seq of SEQUENCES) {
      const log: string[] = [];
      const done = lifecycle(seq, log);
      done.catch(() => undefined);
      runs.set(seq.name, { done, log });
    }
  });
  after(() => Promise.all([...runs.values()].map((r) => r.done.catch(() => undefined))));

  for (const seq of SEQUENCES) {
    it(seq.name, async () => {
      const r = runs.get(seq.name)!;
      try {
        await r.done;
      } catch (e) {
        (e as Error).message += `\n\nthe runs so far:\n${r.log.join("\n")}`.slice(-20_000);
        throw e;
      }
    });
  }
});
