/**
 * action.yml (the composite GitHub Action): its steps run scripts/action.sh; these tests check
 * that the action's steps are those, and run them as the runner would, with its environment
 * (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, the inputs as INPUT_* variables).
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.join(__dirname, "..", "..");

interface Step {
  id: string;
  shell: string;
  run: string;
  env: Record<string, string>;
}

describe("action.yml", function () {
  this.timeout(120000);
  const action = parse(readFileSync(path.join(ROOT, "action.yml"), "utf8")) as {
    inputs: Record<string, { default: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: Step[] };
  };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "image-share-action-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the action's steps as the runner would: ${{ }} expressions filled from inputs, steps' outputs and github.*. */
  function runAction(inputs: Record<string, string>) {
    const output = path.join(dir, "output");
    const summary = path.join(dir, "summary.md");
    const stepOutputs: Record<string, Record<string, string>> = {};
    let last = { status: 0 as number | null, stdout: "", stderr: "" };
    for (const step of action.runs.steps) {
      writeFileSync(output, "");
      const fill = (v: string) =>
        v.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
          if (expr === "github.action_path") return ROOT;
          const input = /^inputs\.([\w-]+)$/.exec(expr);
          if (input) return inputs[input[1]] ?? action.inputs[input[1]].default;
          const out = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
          if (out) return stepOutputs[out[1]]?.[out[2]] ?? "";
          throw new Error(`unknown expression ${expr}`);
        });
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, RUNNER_TEMP: dir };
      for (const [k, v] of Object.entries(step.env)) env[k] = fill(v);
      assert.equal(step.shell, "bash");
      const r = spawnSync("bash", ["-e", "-c", fill(step.run)], { cwd: dir, env, encoding: "utf8" });
      last = { status: r.status, stdout: r.stdout, stderr: r.stderr };
      stepOutputs[step.id] = Object.fromEntries(readFileSync(output, "utf8").split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      if (r.status !== 0) break;
    }
    const summaryText = (() => {
      try {
        return readFileSync(summary, "utf8");
      } catch {
        return "";
      }
    })();
    return { ...last, outputs: stepOutputs, summary: summaryText };
  }

  it("is a composite action whose steps install and run validate with the inputs", () => {
    assert.equal(action.runs.using, "composite");
    assert.deepEqual(action.runs.steps.map((s) => s.id), ["install", "validate"]);
    for (const input of ["files", "format", "sarif", "summary", "baseline", "fail-on", "config"]) assert.ok(action.inputs[input], input);
    assert.equal(action.outputs["exit-code"].value, "${{ steps.validate.outputs.exit-code }}");
  });

  it("on a clean topology: exit 0, annotations none, a summary with the share graph", () => {
    mkdirSync(path.join(dir, "topology"));
    copyFileSync(path.join(ROOT, "examples", "huaweicloud.yaml"), path.join(dir, "topology", "huaweicloud.yaml"));
    const r = runAction({});
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.equal(r.outputs.validate["exit-code"], "0");
    assert.match(r.stdout, /^image-share: 0 errors, 0 warnings$/m);
    assert.match(r.summary, /## image-share validate: passed/);
    assert.match(r.summary, /```mermaid\nflowchart LR/);
  });

  it("on a broken topology: exit 1, github annotations, SARIF written; fail-on never passes; a baseline passes", () => {
    copyFileSync(path.join(ROOT, "examples", "broken.yaml"), path.join(dir, "broken.yaml"));
    const r = runAction({ files: "broken.yaml", sarif: "out.sarif" });
    assert.equal(r.status, 1);
    assert.equal(r.outputs.validate["exit-code"], "1");
    assert.match(r.stdout, /^::error file=broken\.yaml,line=\d+/m);
    assert.equal(JSON.parse(readFileSync(path.join(dir, "out.sarif"), "utf8")).version, "2.1.0");
    assert.equal(runAction({ files: "broken.yaml", "fail-on": "never" }).status, 0);
    const w = spawnSync(process.execPath, [path.join(ROOT, "cli.js"), "validate", "broken.yaml", "--write-baseline", "baseline.json"], { cwd: dir, encoding: "utf8" });
    assert.equal(w.status, 0, w.stderr);
    assert.equal(runAction({ files: "broken.yaml", baseline: "baseline.json" }).status, 0);
  });
});
