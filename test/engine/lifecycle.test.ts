/**
 * Whole-program lifecycles through the stand-in engine, for each profile on the in-process
 * emulator (its file store, as users get it) and for a real backend (alicloud) over the emulator
 * served in its HTTP dialect. One stack holds the five of them side by side, as a platform team's
 * multi-cloud stack does: per world a ShareTopology from its topology file and a standalone
 * ImageShare beside it, whose share and the file's share of one full-ECS image sum to exactly the
 * member limit. The four in-process worlds share one emulator file (the stack's
 * `image-share:emulatorPath`); the served one has its own. The steps, each checked for every world:
 *
 *  1. preview of the new stack: every resource to create, no failure, nothing applied;
 *  2. up, with the provider host killed mid-apply: fails;
 *  3. up again: converges, every declared member there and nothing else;
 *  4. preview: no changes and no failure, at the limit;
 *  5. a member added and one removed: preview shows an update (never a replace), up makes only
 *     that update (and, served, only that many member requests);
 *  6. a declared member removed and an undeclared one added outside the stack, refresh: the
 *     state shows the drift; up: converges (the undeclared member stays);
 *  7. one member over the limit: the preview fails on that world's standalone share with
 *     member-limit and applies nothing (a preview per world: the engine stops at the first
 *     invalid resource);
 *  8. destroy: the emulator as seeded, plus the member added outside the stack (never removed).
 *
 * One stack rather than one per world: each step is one engine operation (a language runtime and
 * a provider host, ~3-4 CPU seconds) for all five instead of five, which keeps `npm test` the
 * fast tier while every profile still goes through every step.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { PROFILES, usesProjects } from "../../provider/rules/profiles";
import type { ProfileId } from "../../provider/rules/model";
import { regionsOf } from "../harness/world";
import { runOperation, type RunResult } from "./engine";
import { makeProject } from "./fixtures";
import type { ConfigValue } from "./project";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ShareTopology, ImageShare } = require("image-share");
const imageIds = {};
for (const w of new pulumi.Config().requireObject("worlds")) {
  const topology = new ShareTopology(w.name, {
    file: w.topologyFile,
    ...(w.connection ? { connection: w.connection } : {}),
    ...(w.credentials ? { credentials: w.credentials } : {}),
  });
  new ImageShare(w.name + "-standalone", {
    ...w.standalone,
    ...(w.connection ? { connection: { ...w.connection, ...(w.credentials ? { credentials: w.credentials.owner } : {}) } } : {}),
    limits: topology.topology.limits,
  });
  imageIds[w.name] = topology.imageIds;
}
exports.imageIds = imageIds;
`;

const ENV = { IMAGE_SHARE_JOB_POLL_MS: "20" };

interface Sequence {
  /** The world's resource names start with it. */
  name: string;
  title: string;
  profile: ProfileId;
  served: boolean;
}

const SEQUENCES: Sequence[] = [
  { name: "hw", title: "huaweicloud on the in-process emulator", profile: "huaweicloud", served: false },
  { name: "otc", title: "opentelekomcloud on the in-process emulator", profile: "opentelekomcloud", served: false },
  { name: "ali", title: "alicloud on the in-process emulator", profile: "alicloud", served: false },
  { name: "tc", title: "tencentcloud on the in-process emulator", profile: "tencentcloud", served: false },
  { name: "ali-served", title: "alicloud's real backend over the served emulator", profile: "alicloud", served: true },
];

/** One world's cloud: accounts, two images, its topology file and its part of the program's config. */
class World {
  readonly emulator: Emulator;
  readonly region: string;
  readonly usesProjects: boolean;
  /** Members are projects only (Open Telekom Cloud). */
  readonly projectMembers: boolean;
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
  /** The system image's share's members (recipient indexes), as the next run declares them. */
  systemMembers = [0, 1, 2];

  /** `index`: the world's place in SEQUENCES, which keeps its ids apart from the others' in a shared emulator file. */
  constructor(
    readonly seq: Sequence,
    index: number,
    readonly dir: string,
    readonly db: string,
  ) {
    this.emulator = openEmulator(db);
    const profile = seq.profile;
    [this.region] = regionsOf(profile);
    this.usesProjects = usesProjects(profile);
    this.projectMembers = PROFILES[profile].shareTarget === "project";
    this.limit = PROFILES[profile].memberLimit.full as number;
    this.half = this.limit / 2;
    const numeric = profile === "alicloud" || profile === "tencentcloud";
    // Ids as each cloud shapes them: 32 hex characters (Huawei / OTC accounts and projects), digits (Alibaba / Tencent).
    const id = (i: number) => (numeric ? String((index + 1) * 1_000_000_000_000 + i) : `a${index}${i.toString(16).padStart(30, "0")}`);
    const projectOf = (i: number) => `b${index}${i.toString(16).padStart(30, "0")}`;
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
    this.full = this.emulator.addImage({ profile, region: this.region, owner: this.owner, ownerProject: this.ownerProject, kind: "full", name: `${seq.name}-golden-full` });
    this.system = this.emulator.addImage({ profile, region: this.region, owner: this.owner, ownerProject: this.ownerProject, kind: "system", name: `${seq.name}-golden-system` });
  }

  /** Resources of this world in the stack: its component, 3 shares, and on Huawei / OTC 2 acceptances. */
  get resources(): number {
    return this.usesProjects ? 6 : 4;
  }

  /** Member i as the cloud holds it ("type:id"). */
  member(i: number): string {
    const r = this.recipients[i];
    return this.projectMembers ? `project:${r.project}` : `account:${r.account}`;
  }

  members(image: string): string[] {
    return (this.emulator.image(image)?.members ?? []).map((m) => `${m.type}:${m.id}`).sort();
  }

  get declaredFull(): string[] {
    return Array.from({ length: this.limit }, (_, i) => this.member(i)).sort();
  }

  get declaredSystem(): string[] {
    return this.systemMembers.map((i) => this.member(i)).sort();
  }

  /** The member added outside the stack in step 6. */
  get outsiderMember(): { type: "account" | "project"; id: string } {
    return this.projectMembers ? { type: "project", id: this.outsiderProject } : { type: "account", id: this.outsider };
  }

  get topologyFile(): string {
    return path.join(this.dir, `${this.seq.name}.topology.json`);
  }

  /** Writes the topology file: the full image's share (members 0 .. half-1), the system image's share, acceptances. */
  writeTopology(): void {
    const key = (i: number) => `r${i}`;
    const accounts: Record<string, unknown> = {
      owner: { id: this.owner, ...(this.usesProjects ? { projects: { "owner-p": { id: this.ownerProject, region: this.region } } } : {}) },
    };
    this.recipients.forEach((r, i) => (accounts[key(i)] = { id: r.account, ...(r.project ? { projects: { [`${key(i)}-p`]: { id: r.project, region: this.region } } } : {}) }));
    const member = (i: number) => (this.projectMembers ? { account: key(i), project: `${key(i)}-p` } : key(i));
    const topology = {
      profile: this.seq.profile,
      accounts,
      images: {
        full: { id: this.full, region: this.region, owner: "owner", kind: "full", name: `${this.seq.name}-golden-full` },
        system: { id: this.system, region: this.region, owner: "owner", kind: "system", name: `${this.seq.name}-golden-system` },
      },
      shares: [
        { name: "full-a", image: "full", members: Array.from({ length: this.half }, (_, i) => member(i)) },
        { name: "system-a", image: "system", members: this.systemMembers.map(member) },
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
    fs.writeFileSync(this.topologyFile, JSON.stringify(topology, null, 2));
  }

  /**
   * This world's entry in the program's `worlds`: its topology file, its standalone share (members
   * half .. limit-1 of the full image, or one more `over` the limit), how it connects.
   */
  entry(over = false): Record<string, unknown> {
    const profile = this.seq.profile;
    const members = Array.from({ length: this.half + (over ? 1 : 0) }, (_, k) => {
      const r = this.recipients[this.half + k];
      return this.projectMembers ? { type: "project", id: r.project } : r.account;
    });
    const standalone = { profile, region: this.region, account: this.owner, ...(this.ownerProject ? { project: this.ownerProject } : {}), imageId: this.full, members };
    return {
      name: this.seq.name,
      topologyFile: this.topologyFile,
      standalone,
      ...(this.server
        ? {
            connection: { backend: "cloud", endpoint: this.server.url },
            credentials: { owner: { accessKey: { env: "LIFECYCLE_AK" }, secretKey: { env: "LIFECYCLE_SK" } } },
          }
        : {}),
    };
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

  /** The served world's credentials and region, for the provider host's environment. */
  env(): NodeJS.ProcessEnv {
    return this.server ? { LIFECYCLE_AK: "LTAILIFECYCLE0001", LIFECYCLE_SK: "lifecycle-secret-0001", ALICLOUD_REGION: this.region } : {};
  }
}

const errors = (r: RunResult) => r.diagnostics.filter((d) => d.severity === "error");
/** The create, update and delete calls of a run, as "method name", sorted. */
const mutations = (r: RunResult) =>
  r.calls
    .filter((c) => c.method === "create" || c.method === "update" || c.method === "delete")
    .map((c) => `${c.method} ${c.urn.split("::").pop()}`)
    .sort();

describe("whole-program lifecycles through the stand-in engine, every profile in one stack", function () {
  this.timeout(600_000);
  let dir: string;
  let worlds: World[];
  const log: string[] = [];
  let failed = false;
  const state = () => path.join(dir, "state.json");

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-lifecycle-"));
    const shared = path.join(dir, "emulator.db");
    worlds = SEQUENCES.map((seq, i) => new World(seq, i, dir, seq.served ? path.join(dir, `${seq.name}.db`) : shared));
    for (const w of worlds) if (w.seq.served) await w.serve();
    makeProject({ name: "lifecycle", files: { "index.js": PROGRAM } }, dir);
  });
  after(async () => {
    for (const w of worlds ?? []) await w.server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  // Each step starts from the one before: after a failure the rest cannot tell anything.
  beforeEach(function () {
    if (failed) this.skip();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") {
      failed = true;
      // The runs so far, as the CLI would have printed them.
      process.stderr.write(`\nthe runs so far:\n${log.join("\n").slice(-20_000)}\n`);
    }
  });

  /** Runs `op` on the stack as the worlds declare it now (`over`: that world's standalone share one member over the limit). */
  const run = async (op: Parameters<typeof runOperation>[0], extra: Partial<Parameters<typeof runOperation>[1]> = {}, over?: World) => {
    for (const w of worlds) w.writeTopology();
    const config: Record<string, ConfigValue> = { "lifecycle:worlds": JSON.stringify(worlds.map((w) => w.entry(w === over))), "image-share:emulatorPath": path.join(dir, "emulator.db") };
    const env = Object.assign({}, ENV, ...worlds.map((w) => w.env()));
    const r = await runOperation(op, { cwd: dir, state: state(), config, env, ...extra });
    log.push(`--- ${op}\n${r.output}`);
    return r;
  };
  /** Every world's resource named `${world}-${name}`. */
  const each = (name: string) => worlds.map((w) => `${w.seq.name}-${name}`).sort();
  const total = () => 1 + worlds.reduce((n, w) => n + w.resources, 0);

  it("1. a preview of the new stack: every resource to create, nothing applied", async () => {
    const preview = await run("preview");
    assert.ok(preview.ok, preview.output);
    assert.deepEqual(preview.summary, { create: total() });
    assert.deepEqual(errors(preview), []);
    assert.deepEqual(preview.calls.filter((c) => c.method !== "check"), [], "a preview only checks new resources");
    for (const w of worlds) assert.deepEqual(w.members(w.full), [], w.seq.title);
    assert.ok(!fs.existsSync(state()), "a preview writes no state");
  });

  it("2. an up whose provider host is killed mid-apply fails", async () => {
    // Killed once a third of the creates are under way: some worlds part made, others not begun.
    let creates = 0;
    const killed = await run("up", {
      onProviderCall: (call) => {
        if (call.method === "create" && ++creates === Math.ceil(total() / 3)) setImmediate(() => void call.host.kill());
      },
    });
    assert.equal(killed.ok, false, killed.output);
  });

  it("3. up again converges: every declared member there, nothing else", async () => {
    const up = await run("up");
    assert.ok(up.ok, up.output);
    assert.ok(up.steps.some((s) => s.op === "create"), "the killed up left resources to create");
    assert.deepEqual(up.state.pendingOperations, []);
    assert.ok(up.state.resources.some((r) => r.type === "pulumi:providers:pulumi-nodejs"), "the default provider in the state");
    for (const w of worlds) {
      assert.deepEqual(w.members(w.full), w.declaredFull, `${w.seq.title}: every declared member of the full image, nothing else`);
      assert.deepEqual(w.members(w.system), w.declaredSystem, w.seq.title);
      if (w.usesProjects) assert.equal(w.emulator.image(w.full)!.members.find((m) => `${m.type}:${m.id}` === w.member(0))?.status, "accepted", w.seq.title);
    }
  });

  it("4. a preview at the limit: no changes, no failure", async () => {
    const clean = await run("preview");
    assert.ok(clean.ok, clean.output);
    assert.deepEqual(clean.summary, { same: total() }, clean.output);
    assert.deepEqual(errors(clean), []);
  });

  it("5. a member added and one removed: the preview shows an update, up makes only that update", async () => {
    for (const w of worlds) w.systemMembers = [0, 1, 3];
    const plan = await run("preview");
    assert.ok(plan.ok, plan.output);
    assert.deepEqual(plan.summary, { same: total() - worlds.length, update: worlds.length }, plan.output);
    assert.deepEqual(errors(plan), [], "the shares at the limit: unchanged and clean");
    assert.deepEqual(plan.steps.filter((s) => s.op === "update").map((s) => s.name).sort(), each("system-a"));
    for (const w of worlds) assert.deepEqual(w.members(w.system), [0, 1, 2].map((i) => w.member(i)).sort(), `${w.seq.title}: a preview applies nothing`);
    for (const w of worlds) w.memberRequests = 0;
    const change = await run("up");
    assert.ok(change.ok, change.output);
    assert.deepEqual(mutations(change), each("system-a").map((n) => `update ${n}`));
    for (const w of worlds) assert.deepEqual(w.members(w.system), w.declaredSystem, w.seq.title);
    for (const w of worlds) if (w.seq.served) assert.equal(w.memberRequests, 2, "one request removes, one adds");
  });

  it("6. drift outside the stack: refresh shows it, up converges and leaves the undeclared member", async () => {
    for (const w of worlds) {
      w.emulator.store.transact((s) => {
        const image = s.images[w.system];
        image.members = image.members.filter((m) => `${m.type}:${m.id}` !== w.member(1));
      });
      w.emulator.addMembersDirectly(w.system, [w.outsiderMember]);
    }
    const refresh = await run("refresh");
    assert.ok(refresh.ok, refresh.output);
    for (const w of worlds) {
      const share = refresh.state.resources.find((r) => r.urn.endsWith(`::${w.seq.name}-system-a`))!;
      assert.deepEqual((share.outputs.members as Array<{ type: string; id: string }>).map((m) => `${m.type}:${m.id}`).sort(), [0, 3].map((i) => w.member(i)).sort(), `${w.seq.title}: the state shows the member removed outside`);
    }
    const converge = await run("up");
    assert.ok(converge.ok, converge.output);
    assert.deepEqual(mutations(converge), each("system-a").map((n) => `update ${n}`));
    for (const w of worlds) assert.deepEqual(w.members(w.system), [...w.declaredSystem, `${w.outsiderMember.type}:${w.outsiderMember.id}`].sort(), `${w.seq.title}: re-added; the member added outside stays`);
  });

  it("7. one member over the limit: the preview fails on that standalone share with member-limit, nothing applied", async () => {
    const before = fs.readFileSync(state(), "utf8");
    // The five previews at once: a preview writes no state.
    const previews = await Promise.all(worlds.map((w) => run("preview", {}, w)));
    for (const [i, w] of worlds.entries()) {
      const over = previews[i];
      assert.equal(over.ok, false, `${w.seq.title}\n${over.output}`);
      const failure = errors(over).find((d) => d.urn?.endsWith(`::${w.seq.name}-standalone`));
      assert.ok(failure, `${w.seq.title}\n${over.output}`);
      assert.match(failure.message, new RegExp(`^pulumi-nodejs:dynamic/image-share:ImageShare resource '${w.seq.name}-standalone': property members\\[\\d+\\] value \\{<nil>\\} has a problem: \\[member-limit\\] `));
      assert.match(over.output, new RegExp(`\\n {2}pulumi-nodejs:dynamic/image-share:ImageShare \\(${w.seq.name}-standalone\\):\\n {4}error: `), "shown under its resource, as the CLI does");
      assert.match(over.output, /error: preview failed/);
      for (const v of worlds) assert.deepEqual(v.members(v.full), v.declaredFull, v.seq.title);
      assert.equal(fs.readFileSync(state(), "utf8"), before);
    }
  });

  it("8. destroy leaves the emulator as seeded, and the member added outside the stack", async () => {
    const destroy = await run("destroy");
    assert.ok(destroy.ok, destroy.output);
    assert.deepEqual(destroy.state.resources, []);
    for (const w of worlds) {
      assert.deepEqual(w.members(w.full), [], w.seq.title);
      assert.deepEqual(w.members(w.system), [`${w.outsiderMember.type}:${w.outsiderMember.id}`], `${w.seq.title}: only the member added outside the stack`);
    }
  });
});
