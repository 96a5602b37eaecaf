/**
 * `image-share plan` as a user runs it: the command spawned (node cli.js) against the embedded
 * emulator's state file. The files given are one view per cloud, as for validate (an image named
 * in two files is one image), and an existingMembers list is compared with what the cloud holds.
 */
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator } from "../../provider/backends/emulator";

const ROOT = path.join(__dirname, "..", "..");

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["cli.js", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
}

const IMAGE = "m-golden00000000000001";
const STRANGER = "1000000000000009";

// One image under two keys in two files (ids are global in a cloud); the member limit is 2.
const A = `profile: alicloud
limits: { member: 2 }
accounts:
  platform: { id: "1000000000000001" }
  team-a: { id: "1000000000000002" }
  team-c: { id: "1000000000000004" }
images:
  golden:
    id: "${IMAGE}"
    region: cn-hangzhou
    owner: platform
    kind: system
    name: golden
    existingMembers: [{ account: team-c, status: accepted }]   # the file's word for the cloud
shares:
  - { name: golden-to-a, image: golden, members: [team-a] }
`;
const B = `profile: alicloud
limits: { member: 2 }
accounts:
  platform: { id: "1000000000000001" }
  team-b: { id: "1000000000000003" }
images:
  gold: { id: "${IMAGE}", region: cn-hangzhou, owner: platform, kind: system, name: golden }
shares:
  - { name: gold-to-b, image: gold, members: [team-b] }
`;

describe("image-share plan, spawned, against the embedded emulator", function () {
  this.timeout(240000);
  let dir: string;
  let db: string;
  let a: string;
  let b: string;

  before(() => {
    if (!fs.existsSync(path.join(ROOT, "bin", "provider", "cli", "main.js"))) {
      spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: ROOT, stdio: "pipe" });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-plan-views-"));
    db = path.join(dir, "emulator.db");
    a = path.join(dir, "a.yaml");
    b = path.join(dir, "b.yaml");
    fs.writeFileSync(a, A);
    fs.writeFileSync(b, B);
    for (const f of [a, b]) {
      const seeded = cli("emulator", "seed", f, "--db", db);
      assert.equal(seeded.status, 0, seeded.stderr);
    }
    // The cloud holds a member no file declares or lists; team-c, listed, is not there.
    const emulator = openEmulator(db);
    emulator.addAccount({ id: STRANGER, profile: "alicloud" });
    emulator.addMembersDirectly(IMAGE, [{ type: "account", id: STRANGER, status: "accepted" }]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("plans two files as one view: both files' shares of the image count toward its limit, with the cloud's member", () => {
    const before = fs.readFileSync(db, "utf8");
    const r = cli("plan", a, b, "--db", db, "--format", "json");
    assert.equal(r.status, 1, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.files, [a, b]);
    assert.deepEqual(
      out.shares.map((s: { resource: string; imageId: string; add: Array<{ member: string }> }) => [s.resource, s.imageId, s.add.map((m) => m.member)]),
      [
        ["golden-to-a", IMAGE, ["team-a"]],
        ["gold-to-b", IMAGE, ["team-b"]],
      ],
    );
    // 2 declared (one per file) + the stranger in the cloud: 3 of 2.
    const limit = out.violations.filter((v: { rule: string }) => v.rule === "member-limit");
    assert.equal(limit.length, 1, JSON.stringify(out.violations));
    assert.match(limit[0].message, /3/);
    assert.equal(fs.readFileSync(db, "utf8"), before, "plan is read-only");

    // Each file alone stays within the limit: only the view of both finds it.
    for (const f of [a, b]) {
      const alone = cli("plan", f, "--db", db, "--format", "json");
      assert.ok(!JSON.parse(alone.stdout).violations.some((v: { rule: string }) => v.rule === "member-limit"), `${f}: ${alone.stdout}`);
    }
  });

  it("compares the existingMembers list with the cloud: listed but absent, and present but not listed", () => {
    const r = cli("plan", a, b, "--db", db);
    assert.match(r.stdout, /image golden \(m-golden00000000000001\): its existingMembers list differs from the cloud:/);
    assert.match(r.stdout, /- team-c \(account 1000000000000004\): listed accepted, not a member in the cloud/);
    assert.match(r.stdout, /\+ account 1000000000000009, accepted: in the cloud, not listed \(and no share declares it\)/);
    const json = JSON.parse(cli("plan", a, b, "--db", db, "--format", "json").stdout);
    const [diff] = json.existing;
    assert.equal(diff.image, "golden");
    assert.deepEqual(diff.missing.map((m: { member: string }) => m.member), ["team-c"]);
    assert.deepEqual(diff.unlisted, [{ type: "account", id: STRANGER, status: "accepted" }]);
    assert.equal(json.summary.differences, 2);
  });

  it("emulator show prints the state plan read, as JSON with --format json as with --json", () => {
    const json = cli("emulator", "show", "--format", "json", "--db", db);
    assert.equal(json.status, 0, json.stderr);
    assert.equal(json.stdout, cli("emulator", "show", "--json", "--db", db).stdout);
    assert.equal(cli("emulator", "show", "--format=json", "--db", db).stdout, json.stdout);
    const image = JSON.parse(json.stdout).images.find((i: { id: string }) => i.id === IMAGE);
    assert.ok(image, json.stdout);
    assert.match(cli("emulator", "show", "--format", "text", "--db", db).stdout, new RegExp(IMAGE));
    const bad = cli("emulator", "show", "--format", "yaml", "--db", db);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--format must be text or json, not "yaml"/);
  });

  it("bad input in one file stops the plan with exit 2, naming the file and place", () => {
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, B.replace("members: [team-b]", "members: [team-x]"));
    const r = cli("plan", a, bad, "--db", db);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml:\d+:\d+ shares\[0\]\.members\[0\]: unknown account "team-x"/);
    assert.equal(r.stdout, "");
  });
});
