/**
 * The stand-in engine itself, on a small stack: one ImageShare through preview, up, preview,
 * refresh and destroy, and a check failure shown on its resource as the CLI shows it.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as path from "node:path";
import { makeWorld, key, type World } from "../harness/world";
import { runOperation, type RunResult } from "./engine";
import { makeProject } from "./fixtures";

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
exports.shareId = share.id;
exports.members = share.members;
`;

describe("the stand-in engine: a small stack through preview, up, refresh and destroy", function () {
  this.timeout(120_000);
  let dir: string;
  let w: World;
  let state: string;
  const run = (op: Parameters<typeof runOperation>[0], members: string[]): Promise<RunResult> =>
    runOperation(op, {
      cwd: dir,
      state,
      config: {
        "small:region": w.region,
        "small:owner": w.owner,
        "small:ownerProject": w.ownerProject!,
        "small:imageId": w.imageId,
        "small:members": JSON.stringify(members),
      },
    });

  before(() => {
    dir = makeProject({ name: "small", files: { "index.js": PROGRAM } });
    // The emulator's default place: .image-share/emulator.db under the program's directory, where the host runs.
    w = makeWorld("huaweicloud", { dir });
    state = path.join(dir, "state.json");
  });
  after(() => w?.cleanup());

  it("preview plans the creates and applies nothing; up creates; the next preview changes nothing", async () => {
    const members = [w.recipients[0].account, w.recipients[1].account];
    const preview = await run("preview", members);
    assert.ok(preview.ok, preview.output);
    assert.deepEqual(preview.summary, { create: 2 });
    assert.deepEqual(preview.calls.map((c) => c.method), ["check"]);
    assert.equal(preview.outputs.shareId, "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "an id not known before the create");
    assert.deepEqual(w.members(), []);
    assert.ok(!fs.existsSync(state), "a preview writes no state");

    const up = await run("up", members);
    assert.ok(up.ok, up.output);
    assert.deepEqual(up.summary, { create: 2 });
    assert.deepEqual(w.members(), members.map((id) => key({ type: "account", id })).sort());
    assert.match(String(up.outputs.shareId), new RegExp(`^${w.imageId}/share-`));
    const saved = JSON.parse(fs.readFileSync(state, "utf8"));
    assert.deepEqual(saved.resources.map((r: { type: string }) => r.type), ["pulumi:pulumi:Stack", "pulumi:providers:pulumi-nodejs", "pulumi-nodejs:dynamic/image-share:ImageShare"]);
    assert.deepEqual(saved.pendingOperations, []);

    const again = await run("preview", members);
    assert.ok(again.ok, again.output);
    assert.deepEqual(again.summary, { same: 2 });
    assert.deepEqual(again.calls.map((c) => c.method), ["check", "diff"]);
  });

  it("a changed member list is an update; refresh reads a member removed outside the stack", async () => {
    const members = [w.recipients[0].account, w.recipients[2].account];
    const up = await run("up", members);
    assert.ok(up.ok, up.output);
    assert.deepEqual(up.summary, { same: 1, update: 1 });
    assert.deepEqual(up.steps.find((s) => s.op === "update")?.diffs, ["members"]);
    assert.deepEqual(w.members(), members.map((id) => key({ type: "account", id })).sort());

    w.emulator.store.transact((s) => {
      const image = s.images[w.imageId];
      image.members = image.members.filter((m) => m.id !== w.recipients[2].account);
    });
    const refresh = await run("refresh", members);
    assert.ok(refresh.ok, refresh.output);
    assert.deepEqual(refresh.steps.map((s) => s.op), ["refresh"]);
    assert.ok(refresh.steps[0].diffs?.includes("members"), refresh.output);
    const share = refresh.state.resources.find((r) => r.type.endsWith(":ImageShare"))!;
    assert.deepEqual(share.outputs.members, [{ type: "account", id: w.recipients[0].account }]);

    const converge = await run("up", members);
    assert.ok(converge.ok, converge.output);
    assert.deepEqual(converge.summary, { same: 1, update: 1 });
    assert.deepEqual(w.members(), members.map((id) => key({ type: "account", id })).sort());
  });

  it("a check failure fails the preview on its resource, with the rule id, as the CLI prints it", async () => {
    const r = await run("preview", [w.recipients[0].account, w.owner]);
    assert.equal(r.ok, false);
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    assert.equal(errors.length, 1, r.output);
    assert.match(errors[0].urn ?? "", /::golden-to-teams$/);
    assert.match(errors[0].message, /^pulumi-nodejs:dynamic\/image-share:ImageShare resource 'golden-to-teams': property members\[1\] value \{<nil>\} has a problem: \[self-share\]/);
    assert.match(r.output, /\n {2}pulumi-nodejs:dynamic\/image-share:ImageShare \(golden-to-teams\):\n {4}error: /);
    assert.match(r.output, /error: preview failed/);
  });

  it("destroy deletes in reverse order and leaves an empty state", async () => {
    const r = await run("destroy", []);
    assert.ok(r.ok, r.output);
    assert.deepEqual(r.steps.filter((s) => !s.hidden).map((s) => s.type), ["pulumi-nodejs:dynamic/image-share:ImageShare", "pulumi:pulumi:Stack"]);
    assert.deepEqual(w.members(), []);
    assert.deepEqual(r.state.resources, []);
  });
});
