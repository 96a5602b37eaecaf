import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { command, credentialVariables } from "../../provider/cli/plan";
import { openEmulator, seedTopology } from "../../provider/backends/emulator";
import { createHuaweiCloudDialect } from "../../provider/backends/emulator/http/huaweicloud";
import { startEmulatorServer } from "../../provider/backends/emulator/http/server";
import { loadTopologyFile } from "../../provider/topology/load";
import type { Topology } from "../../provider/rules/model";

const EXAMPLE = "examples/huaweicloud.yaml";

async function plan(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await command.run(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function example(): Topology {
  const loaded = loadTopologyFile(EXAMPLE);
  if (!("topology" in loaded)) throw new Error(JSON.stringify(loaded.errors));
  return loaded.topology;
}

describe("image-share plan against a seeded emulator", () => {
  let dir: string;
  let db: string;
  const stranger = "9e9e9e9e9e9e4e9e9e9e9e9e9e9e9e9e";

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-plan-"));
    db = path.join(dir, "emulator.db");
    const t = example();
    seedTopology(db, t);
    const emulator = openEmulator(db);
    emulator.addAccount({ id: stranger, profile: "huaweicloud" });
    // Already in the cloud: team-a accepted the golden image; a stranger shares it, outside the file.
    emulator.addMembersDirectly(t.images.golden.id!, [
      { type: "account", id: t.accounts["team-a"].id, status: "accepted" },
      { type: "account", id: stranger, status: "pending" },
    ]);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints what an apply would add, copy and accept, and members outside the file; changes nothing", async () => {
    const before = JSON.stringify(openEmulator(db).snapshot().images);
    const { code, stdout, stderr } = await plan([EXAMPLE, "--db", db]);
    assert.equal(stderr, "");
    assert.equal(code, 0, stdout);
    assert.match(stdout, /share golden-to-teams: image golden \(8c5e2a1c-[^)]*\) in cn-north-4, by platform/);
    assert.match(stdout, /= team-a \(account 6a3d9b72[^)]*\) already a member, accepted/);
    assert.match(stdout, /\+ add team-b\/team-b-bj \(project 3eab7f4d/);
    assert.match(stdout, /copy golden-to-guangzhou: \+ copy image golden .* from cn-north-4 to cn-south-1 as golden-gz, by platform/);
    assert.match(stdout, /acceptance team-a-accepts-golden: team-a on image golden: no change \(already accepted\)/);
    assert.match(stdout, /acceptance team-b-accepts-golden: team-b\/team-b-bj on image golden: accept, once the share above adds the member \(not a member yet\)/);
    assert.match(stdout, /image golden \(8c5e2a1c-[^)]*\): 1 member\(s\) outside the file, counted toward the limit, not removed/);
    assert.match(stdout, new RegExp(`~ account ${stranger}, pending`));
    assert.match(stdout, /plan: \d+ member\(s\) to add, 1 copy, \d+ acceptance\(s\), 0 rejection\(s\); 1 member\(s\) outside the file; 0 error\(s\)/);
    assert.equal(JSON.stringify(openEmulator(db).snapshot().images), before, "plan is read-only");
  });

  it("--format json: one object with the per-resource plan, the violations and a summary", async () => {
    const { code, stdout } = await plan([EXAMPLE, "--emulator", db, "--format", "json"]);
    assert.equal(code, 0);
    const out = JSON.parse(stdout);
    assert.ok(Array.isArray(out.violations));
    assert.equal(out.summary.errors, 0);
    assert.equal(out.summary.outside, 1);
    assert.equal(out.summary.copy, 1);
    const teams = out.shares.find((s: { resource: string }) => s.resource === "golden-to-teams");
    assert.deepEqual(teams.add.map((m: { member: string }) => m.member), ["team-b/team-b-bj"]);
    assert.deepEqual(out.outside[0].members, [{ type: "account", id: stranger, status: "pending" }]);
  });

  it("exits 1 when members outside the file push an image over its limit", async () => {
    const t = example();
    t.limits = { member: 2 }; // golden: team-a, team-b/team-b-bj declared + the stranger outside
    const file = path.join(dir, "tight.json");
    fs.writeFileSync(file, JSON.stringify(t));
    const { code, stdout } = await plan([file, "--emulator", db]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /error \[member-limit\] /);
  });

  it("exits 1 when an image of the file is not in the backend", async () => {
    const t = example();
    t.images.golden.id = "0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e";
    const file = path.join(dir, "missing.json");
    fs.writeFileSync(file, JSON.stringify(t));
    const { code, stdout } = await plan([file, "--emulator", db]);
    assert.equal(code, 1, stdout);
    assert.match(stdout, /error images\.golden: .*0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e0e/);
  });

  it("--backend cloud reads the clouds through their real backends, each account with its own key pair: over the served emulator, the same plan", async () => {
    const t = example();
    const emulator = openEmulator(db);
    // An access key per account of the file, in the variables plan reads (IMAGE_SHARE_<KEY>_AK / _SK).
    const env: Record<string, string> = {};
    for (const [key, account] of Object.entries(t.accounts)) {
      const names = credentialVariables(key);
      const project = Object.values(account.projects ?? {})[0]?.id;
      emulator.addAccessKey({ accessKeyId: `AK${account.id.slice(0, 18).toUpperCase()}`, secret: `sk-${account.id}`, account: account.id, ...(project ? { project } : {}) });
      env[names.accessKey] = `AK${account.id.slice(0, 18).toUpperCase()}`;
      env[names.secretKey] = `sk-${account.id}`;
    }
    assert.deepEqual(credentialVariables("team-a"), { accessKey: "IMAGE_SHARE_TEAM_A_AK", secretKey: "IMAGE_SHARE_TEAM_A_SK" });
    const server = await startEmulatorServer({ dialects: [createHuaweiCloudDialect(emulator)] });
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const direct = await plan([EXAMPLE, "--db", db, "--format", "json"]);
      const served = await plan([EXAMPLE, "--backend", "cloud", "--endpoint", server.url, "--format", "json"]);
      assert.equal(served.stderr, "");
      assert.equal(served.code, direct.code, served.stdout);
      assert.deepEqual(JSON.parse(served.stdout), JSON.parse(direct.stdout));
      assert.equal(JSON.parse(served.stdout).summary.outside, 1, "the stranger's membership, read over HTTP");
      // A wrong key pair: the image cannot be read, an error of the plan (exit 1), named.
      process.env[credentialVariables("platform").secretKey] = "not-the-secret";
      const refused = await plan([EXAMPLE, "--backend", "cloud", "--endpoint", server.url]);
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stdout, /error images\.golden: /);
      // No key pair for the account at all: the error names the account's variables too.
      for (const v of [...Object.values(credentialVariables("platform")), "HW_ACCESS_KEY", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"]) delete process.env[v];
      const keyless = await plan([EXAMPLE, "--backend", "cloud", "--endpoint", server.url]);
      assert.equal(keyless.code, 1, keyless.stdout);
      assert.match(keyless.stdout, /error images\.golden: .*\(or IMAGE_SHARE_PLATFORM_AK \/ IMAGE_SHARE_PLATFORM_SK, the key pair of account platform\)/);
    } finally {
      process.env = saved;
      await server.close();
    }
    assert.match((await plan([EXAMPLE, "--backend", "cloud", "--db", db])).stderr, /--db reads the emulator: give it or --backend cloud, not both/);
    assert.match((await plan([EXAMPLE, "--endpoint", "http://127.0.0.1:1"])).stderr, /--endpoint is for --backend cloud/);
    assert.match((await plan([EXAMPLE, "--backend", "aws"])).stderr, /--backend must be emulator or cloud, not "aws"/);
  });

  it("exits 2 on bad input: no file, a malformed file, an unknown option, no emulator state", async () => {
    assert.equal((await plan([])).code, 2);
    assert.match((await plan(["--format", "sarif", EXAMPLE])).stderr, /--format must be text or json/);
    assert.match((await plan([EXAMPLE, "--frobnicate"])).stderr, /unknown option --frobnicate/);
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, "profile: huaweicloud\naccounts: {}\nimages: {}\nshares:\n  - name: x\n    image: nope\n    members: []\n");
    const r = await plan([bad, "--emulator", db]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml.*shares\[0\]\.image/);
    const none = await plan([EXAMPLE, "--emulator", path.join(dir, "absent.db")]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no emulator state at .*absent\.db/);
    assert.ok(!fs.existsSync(path.join(dir, "absent.db")), "plan never creates an emulator");
    const mistyped = await plan([path.join(dir, "nonexistent.yaml"), "--db", path.join(dir, "absent.db")]);
    assert.equal(mistyped.code, 2);
    assert.match(mistyped.stderr, /nonexistent\.yaml: no such file/, "a mistyped path is named before the missing state");
    // --db as image-share emulator spells it; --emulator, the older spelling, is the same.
    assert.match((await plan([EXAMPLE, "--db", path.join(dir, "absent.db")])).stderr, /no emulator state at .*absent\.db \(seed it: .* or give --db PATH; --backend cloud reads the clouds\)/);
    assert.match((await plan([EXAMPLE, "--db"])).stderr, /--db needs the emulator's state file/);
    const help = await plan(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /exit codes: 0 no error .* 1 a rule reported an error .*\n.*2 bad input/s);
  });
});
