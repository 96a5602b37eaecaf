/**
 * The stand-in engine from the command line (node test/engine/cli.js), as a person or a script
 * runs it: up, a preview that fails a rule (exit 1, the error under its resource), destroy; bad
 * arguments exit 2. What the engine does step by step is tested through whole programs in
 * lifecycle.test.ts, example.test.ts, rename.test.ts and kill.soak.ts.
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { makeWorld, key, type World } from "../harness/world";
import { makeProject } from "./fixtures";

const CLI = path.join(__dirname, "cli.js");

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ImageShare } = require("image-share");
const config = new pulumi.Config();
const share = new ImageShare("golden-to-teams", {
  profile: "huaweicloud",
  region: config.require("region"),
  account: config.require("owner"),
  project: config.require("ownerProject"),
  imageId: config.require("imageId"),
  members: config.requireObject("members"),
});
exports.members = share.members;
`;

describe("the stand-in engine's command line", function () {
  this.timeout(120_000);
  let dir: string;
  let w: World;
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, IMAGE_SHARE_JOB_POLL_MS: "20" } });
  const config = (members: string[]) =>
    ["region", w.region, "owner", w.owner, "ownerProject", w.ownerProject!, "imageId", w.imageId, "members", JSON.stringify(members)].flatMap((v, i, a) => (i % 2 ? [] : ["--config", `small:${v}=${a[i + 1]}`]));

  before(() => {
    dir = makeProject({ name: "small", files: { "index.js": PROGRAM } });
    // The emulator's default place: .image-share/emulator.db under the program's folder, where the host runs.
    w = makeWorld("huaweicloud", { dir });
  });
  after(() => w?.cleanup());

  it("up, a preview that breaks a rule, destroy; state in .pulumi-standin/dev.json", () => {
    const members = [w.recipients[0].account, w.recipients[1].account];
    const up = cli(["up", ...config(members)]);
    assert.equal(up.status, 0, up.stdout + up.stderr);
    assert.match(up.stdout, /^Updating \(dev\):/);
    assert.match(up.stdout, /\+ {2}pulumi-nodejs:dynamic\/image-share:ImageShare +golden-to-teams +created/);
    assert.match(up.stdout, /Resources:\n +\+ {2}2 created/);
    assert.deepEqual(w.members(), members.map((id) => key({ type: "account", id })).sort());
    assert.ok(fs.existsSync(path.join(dir, ".pulumi-standin", "dev.json")));

    const bad = cli(["preview", ...config([members[0], w.owner])]);
    assert.equal(bad.status, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /\n {2}pulumi-nodejs:dynamic\/image-share:ImageShare \(golden-to-teams\):\n {4}error: pulumi-nodejs:dynamic\/image-share:ImageShare resource 'golden-to-teams': property members\[1\] value \{<nil>\} has a problem: \[self-share\]/);
    assert.match(bad.stdout, /error: preview failed/);

    const destroy = cli(["destroy", "--json"]);
    assert.equal(destroy.status, 0, destroy.stdout + destroy.stderr);
    const result = JSON.parse(destroy.stdout);
    assert.equal(result.ok, true);
    assert.deepEqual(result.summary, { delete: 2 });
    assert.deepEqual(w.members(), []);
  });

  it("bad arguments exit 2 with the usage", () => {
    const r = cli(["apply"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^usage: node test\/engine\/cli.js preview\|up\|refresh\|destroy/);
  });
});
