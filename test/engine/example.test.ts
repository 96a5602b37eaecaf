/**
 * The repository's root project (Pulumi.yaml -> examples/stack/index.ts) through the stand-in
 * engine, launched as the engine launches it: preview declares the example's resources, up
 * creates them on the emulator, the next preview changes nothing, destroy leaves the emulator as
 * seeded. It runs in a mirror of the repository root (Pulumi.yaml and package.json as they are,
 * the example program and topology files copied, bin/ and node_modules/ linked), so that the
 * emulator's default place (.image-share/emulator.db in the root) is a temporary folder's.
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator } from "../../provider/backends/emulator";
import type { PlanResult } from "../../provider/cli/plan";
import { REPO } from "../harness/world";
import { runOperation, type EngineOptions, type RunResult } from "./engine";

const ENV = { PULUMI_NODEJS_TRANSPILE_ONLY: "true", IMAGE_SHARE_JOB_POLL_MS: "20" };

/** A folder laid out as the repository root, for the root project. */
function mirrorRepository(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-root-"));
  for (const f of ["Pulumi.yaml", "package.json"]) fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, "examples", "stack"), { recursive: true });
  fs.copyFileSync(path.join(REPO, "examples", "stack", "index.ts"), path.join(dir, "examples", "stack", "index.ts"));
  for (const f of fs.readdirSync(path.join(REPO, "examples"))) if (f.endsWith(".yaml")) fs.copyFileSync(path.join(REPO, "examples", f), path.join(dir, "examples", f));
  for (const f of ["bin", "node_modules"]) fs.symlinkSync(path.join(REPO, f), path.join(dir, f), "dir");
  return dir;
}

const names = (r: RunResult, op: string) => r.steps.filter((s) => s.op === op && !s.hidden).map((s) => s.name).sort();

describe("the root Pulumi.yaml through the stand-in engine", function () {
  this.timeout(180_000);
  let root: string;
  let options: EngineOptions;
  before(() => {
    assert.ok(fs.existsSync(path.join(REPO, "bin/provider/index.js")), "build the package first: npm run build");
    root = mirrorRepository();
    options = { cwd: root, state: path.join(root, "state.json"), env: ENV };
    // Where the README says the example keeps the emulator: .image-share/emulator.db in the root.
    openEmulator(path.join(root, ".image-share", "emulator.db")).configure({ copyDurationMs: 50 });
  });
  after(() => root && fs.rmSync(root, { recursive: true, force: true }));

  it("declares and creates the example's resources, previews clean afterwards, and destroys cleanly", async () => {
    const preview = await runOperation("preview", options);
    assert.ok(preview.ok, preview.output);
    const expected = [
      "huaweicloud",
      "huaweicloud-golden-data-to-team-a",
      "huaweicloud-golden-gz-to-teams",
      "huaweicloud-golden-to-guangzhou",
      "huaweicloud-golden-to-teams",
      "huaweicloud-team-a-accepts-data",
      "huaweicloud-team-a-accepts-golden",
      "huaweicloud-team-b-accepts-golden",
      "huaweicloud-team-b-accepts-golden-gz",
      "huaweicloud-team-c-accepts-golden-gz",
      "image-share-example-dev",
      "standalone-share",
    ];
    assert.deepEqual(names(preview, "create"), expected);
    const emulator = openEmulator(path.join(root, ".image-share", "emulator.db"));
    const seeded = emulator.snapshot().images;
    assert.deepEqual(seeded.map((i) => [i.name, i.members.length]).sort(), [["golden-data-ext4", 0], ["golden-ubuntu-22.04", 0]], "seeded by the preview, nothing shared");

    const up = await runOperation("up", options);
    assert.ok(up.ok, up.output);
    assert.deepEqual(names(up, "create"), expected);
    const golden = emulator.image("8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a")!;
    assert.deepEqual(
      golden.members.map((m) => `${m.type}:${m.id}:${m.status}`).sort(),
      [
        "account:6a3d9b72e04f4c8b9d1f2a34b5c6d7e8:accepted", // team-a, accepted
        "account:8c5fbd94a26b4eaabf3b4c56d7e8f9a0:pending", // team-c, the standalone share's
        "project:3eab7f4d2c5a4b9e1d6f8a0b2c4d5e6f:accepted", // team-b-bj, accepted
      ],
    );
    const copyId = (up.outputs.imageIds as Record<string, string>)["golden-gz"];
    assert.equal(emulator.image(copyId)?.region, "cn-south-1");
    assert.match(up.output, /copying image \S+ to cn-south-1: job \S+ started(, making image \S+)? in cn-south-1/, "the copy's job named as it starts");
    assert.equal(emulator.image(copyId)?.members.length, 2);

    const again = await runOperation("preview", options);
    assert.ok(again.ok, again.output);
    assert.deepEqual(again.summary, { same: expected.length }, again.output);
    assert.equal(again.diagnostics.filter((d) => d.severity === "error").length, 0);

    // The pull-request check after that up, as a user runs it: the copy is made (found by its
    // name), its product's shares read, nothing left to do.
    const plan = spawnSync(process.execPath, [path.join(REPO, "cli.js"), "plan", "examples/huaweicloud.yaml", "--format", "json"], { cwd: root, encoding: "utf8" });
    assert.equal(plan.status, 0, plan.stderr + plan.stdout);
    const planned = JSON.parse(plan.stdout) as PlanResult;
    assert.deepEqual(planned.copies.map((c) => [c.resource, c.made?.imageId]), [["golden-to-guangzhou", copyId]]);
    assert.equal(planned.shares.find((s) => s.image === "golden-gz")?.imageId, copyId);
    assert.deepEqual({ add: planned.summary.add, copy: planned.summary.copy, accept: planned.summary.accept, errors: planned.summary.errors }, { add: 0, copy: 0, accept: 0, errors: 0 }, plan.stdout);

    const destroy = await runOperation("destroy", options);
    assert.ok(destroy.ok, destroy.output);
    assert.deepEqual(names(destroy, "delete"), expected);
    assert.deepEqual(destroy.state.resources, []);
    assert.deepEqual(emulator.snapshot().images.map((i) => [i.name, i.members.length]).sort(), [["golden-data-ext4", 0], ["golden-ubuntu-22.04", 0]], "the copy deleted, every member removed");
  });

  it("with `main` a folder the engine would run the package.json's entry point (the library) and declare nothing", async () => {
    // Why the root Pulumi.yaml names the file: pkg/engine/project.go getPwdMain makes a folder the
    // working directory and the program ".", and cmd/run then takes exports["."] of the nearest package.json.
    const folder = mirrorRepository();
    try {
      const yaml = fs.readFileSync(path.join(folder, "Pulumi.yaml"), "utf8").replace(/^main: .*$/m, "main: examples/stack/");
      fs.writeFileSync(path.join(folder, "Pulumi.yaml"), yaml);
      const r = await runOperation("preview", { cwd: folder, state: path.join(folder, "state.json"), env: ENV });
      assert.ok(r.ok, r.output);
      assert.deepEqual(r.summary, { create: 1 }, "the stack only");
      assert.ok("RULE_IDS" in r.outputs, "the library's exports became the stack outputs");
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
