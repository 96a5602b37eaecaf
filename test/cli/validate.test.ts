import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../../provider/cli/main";
import { RULE_IDS } from "../../provider/rules";
import { escapeData, escapeProperty, formatGithub } from "../../provider/cli/format/github";
import { INPUT_ERROR_RULE, UNUSED_SUPPRESSION_RULE } from "../../provider/cli/format/sarif";

const ROOT = path.join(__dirname, "..", "..");
const ex = (f: string) => path.join("examples", f);

/** Runs main() in-process with stdout / stderr captured. */
async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (sink: string[]) => ((chunk: string | Uint8Array) => {
    sink.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  const [ow, ew, cwd] = [process.stdout.write, process.stderr.write, process.cwd()];
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  process.chdir(ROOT);
  try {
    const code = await main(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.chdir(cwd);
  }
}

/** Whether bin/ is missing or older than a source of the validate / rules commands. */
function binStale(): boolean {
  const built = path.join(ROOT, "bin", "provider", "cli", "main.js");
  if (!existsSync(built)) return true;
  // pretest's incremental tsc rewrites only the outputs that change, then stamps bin/.tsbuildinfo.
  const stamp = path.join(ROOT, "bin", ".tsbuildinfo");
  const builtAt = Math.max(statSync(built).mtimeMs, existsSync(stamp) ? statSync(stamp).mtimeMs : 0);
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : e.name.endsWith(".ts") ? statSync(p).mtimeMs : 0);
    }, 0);
  return ["provider/cli", "provider/topology", "provider/rules"].some((d) => newest(path.join(ROOT, d)) > builtAt);
}

const CLEAN = ["huaweicloud.yaml", "opentelekomcloud.yaml", "alicloud.yaml", "tencentcloud.yaml"];

describe("image-share validate", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "image-share-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("every clean example validates with exit 0 in every format", async () => {
    for (const f of CLEAN) {
      for (const format of ["text", "json", "sarif", "github"]) {
        const r = await run("validate", ex(f), "--format", format);
        assert.equal(r.code, 0, `${f} ${format}: ${r.stdout}${r.stderr}`);
        assert.equal(r.stderr, "");
      }
      const json = JSON.parse((await run("validate", ex(f), "--format=json")).stdout);
      assert.deepEqual(json, { violations: [], summary: { errors: 0, warnings: 0 } });
    }
  });

  it("broken.yaml, broken-tencentcloud.yaml and broken-opentelekomcloud.yaml report the rules they are written to break (exit 1)", async () => {
    const r = await run("validate", ex("broken.yaml"), ex("broken-tencentcloud.yaml"), ex("broken-opentelekomcloud.yaml"), "--format", "json");
    assert.equal(r.code, 1);
    const json = JSON.parse(r.stdout) as { violations: Array<{ rule: string; severity: string; file: string; line: number; column: number; resource: string; message: string; profile: string }>; summary: { errors: number; warnings: number } };
    const rules = new Set(json.violations.map((v) => v.rule));
    // Every rule but the two that need the cloud's current state (plan / preview time).
    const expected = RULE_IDS.filter((id) => id !== "delete-while-shared" && id !== "shared-image-immutable");
    assert.deepEqual([...rules].sort(), [...expected].sort());
    assert.equal(json.summary.errors, json.violations.filter((v) => v.severity === "error").length);
    assert.equal(json.summary.warnings, json.violations.filter((v) => v.severity === "warning").length);
    for (const v of json.violations) {
      assert.ok(v.file && v.line >= 1 && v.column >= 1 && v.resource && v.message && v.profile, JSON.stringify(v));
    }
    assert.deepEqual(Object.keys(json), ["violations", "summary"]);
  });

  it("text: grouped by resource with rule, message, fix and a summary line; no colour off a TTY", async () => {
    const r = await run("validate", ex("broken.yaml"));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^examples\/broken\.yaml\n/);
    assert.match(r.stdout, /\n {2}golden-to-teams \(examples\/broken\.yaml:\d+:\d+\)\n/);
    assert.match(r.stdout, /\n {4}error +member-limit +image golden/);
    assert.match(r.stdout, /\n {12}fix: /);
    assert.match(r.stdout, /\nfailed: \d+ errors, \d+ warnings in 1 file\n$/);
    assert.doesNotMatch(r.stdout, /\u001b\[/);
    const clean = await run("validate", ex("alicloud.yaml"));
    assert.match(clean.stdout, /ok {2}examples\/alicloud\.yaml: no violations\npassed: 0 errors, 0 warnings in 1 file\n/);
  });

  it("text: colour on a TTY, never with NO_COLOR", async () => {
    const { runValidate } = await import("../../provider/cli/validate");
    const capture = (isTTY: boolean, env: NodeJS.ProcessEnv) => {
      let s = "";
      return runValidate([path.join(ROOT, ex("broken.yaml"))], { stdout: { isTTY, write: (x: string) => (s += x) }, stderr: { write: () => true }, env }).then(() => s);
    };
    assert.match(await capture(true, {}), /\u001b\[31m/);
    assert.doesNotMatch(await capture(true, { NO_COLOR: "1" }), /\u001b\[/);
    assert.doesNotMatch(await capture(false, {}), /\u001b\[/);
  });

  it("sarif: SARIF 2.1.0, one rule entry per rule id, results with file, line and column", async () => {
    const r = await run("validate", ex("broken.yaml"), "--format", "sarif");
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout);
    assert.equal(log.version, "2.1.0");
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const driver = log.runs[0].tool.driver;
    assert.equal(driver.name, "image-share");
    const ids = driver.rules.map((x: { id: string }) => x.id);
    assert.deepEqual(ids, [...RULE_IDS, INPUT_ERROR_RULE, UNUSED_SUPPRESSION_RULE]);
    assert.equal(new Set(ids).size, ids.length);
    for (const rule of driver.rules) {
      assert.ok(rule.shortDescription.text && rule.fullDescription.text && rule.help.text, rule.id);
      assert.ok(["error", "warning", ...(rule.id === UNUSED_SUPPRESSION_RULE ? ["note"] : [])].includes(rule.defaultConfiguration.level), rule.id);
    }
    const results = log.runs[0].results;
    assert.ok(results.length > 10);
    for (const res of results) {
      assert.equal(driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(["error", "warning"].includes(res.level));
      assert.ok(res.message.text.length > 0);
      const loc = res.locations[0].physicalLocation;
      assert.equal(loc.artifactLocation.uri, "examples/broken.yaml");
      assert.ok(Number.isInteger(loc.region.startLine) && loc.region.startLine >= 1);
      assert.ok(Number.isInteger(loc.region.startColumn) && loc.region.startColumn >= 1);
    }
  });

  it("github: one workflow command per finding, escaped as the runner decodes it", async () => {
    const r = await run("validate", ex("broken.yaml"), "--format", "github");
    assert.equal(r.code, 1);
    const lines = r.stdout.trimEnd().split("\n");
    const commands = lines.filter((l) => l.startsWith("::"));
    assert.ok(commands.length > 10);
    for (const l of commands) assert.match(l, /^::(error|warning) file=examples\/broken\.yaml,line=\d+,col=\d+,title=[a-z-]+ \([a-z]+\)::\S/);
    assert.match(lines[lines.length - 1], /^image-share: \d+ errors, \d+ warnings$/);
    // Fixes are on a second line of the message: %0A, never a raw newline.
    assert.ok(commands.some((l) => l.includes("%0Afix: ")));

    assert.equal(escapeData("50% done\r\nnext"), "50%25 done%0D%0Anext");
    assert.equal(escapeProperty("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
    const out = formatGithub({
      files: ["we,ird:name.yaml"],
      inputErrors: [],
      suppressed: [],
      unusedSuppressions: [],
      baselined: [],
      views: [],
      findings: new Map(),
      summary: { errors: 1, warnings: 0 },
      violations: [{ rule: "member-limit", severity: "error", message: "100% full, really:\nyes", resource: "s", profile: "alicloud", file: "we,ird:name.yaml", line: 3, column: 5, path: "", segments: [] }],
    });
    assert.equal(out.split("\n")[0], "::error file=we%2Cird%3Aname.yaml,line=3,col=5,title=member-limit (alicloud)::s: 100%25 full, really:%0Ayes");
  });

  it("bad input exits 2 with a clear message and no stack trace, in every format", async () => {
    const invalid = path.join(dir, "team.yaml");
    writeFileSync(invalid, "profile: huaweicloud\naccounts: {}\nimages: {}\nshares:\n  - { name: s, image: golden, members: [team-x] }\n");
    const cases: Array<[string[], RegExp]> = [
      [["validate"], /no topology file given/],
      [["validate", ex("alicloud.yaml"), "--frmat", "json"], /unknown option "--frmat"/],
      [["validate", ex("alicloud.yaml"), "--format", "xml"], /unknown format "xml"/],
      [["validate", ex("alicloud.yaml"), "--format"], /needs a value/],
      [["validate", path.join(dir, "missing.yaml")], /missing\.yaml: no such file/],
      [["validate", invalid], /team\.yaml:5:\d+ shares\[0\]\.image: unknown image "golden"/],
      [["frobnicate"], /unknown command "frobnicate"/],
    ];
    for (const [argv, re] of cases) {
      const r = await run(...argv);
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr + r.stdout, re, argv.join(" "));
      assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at .*:\d+:\d+/, "no stack trace");
    }
    // An invalid file beside a valid one still exits 2 (and the valid one is still checked).
    const both = await run("validate", ex("broken.yaml"), invalid, "--format", "json");
    assert.equal(both.code, 2);
    const json = JSON.parse(both.stdout);
    assert.ok(json.violations.length > 0);
    assert.equal(json.inputErrors.length, 2);
    assert.deepEqual(Object.keys(json.inputErrors[0]).sort(), ["column", "file", "line", "message", "path", "segments"]);
    assert.equal(json.summary.inputErrors, 2);
    for (const format of ["sarif", "github", "text"]) {
      const r = await run("validate", invalid, "--format", format);
      assert.equal(r.code, 2, format);
      assert.match(r.stdout + r.stderr, /unknown image \\?"golden\\?"/, format);
    }
  });

  it("runs as a real command: node cli.js, after compiling", function () {
    // `npm test` compiles (pretest: tsc -p tsconfig.test.json, emitting); run alone, the test compiles when bin/ is
    // older than the sources the command uses. Type errors elsewhere do not stop tsc's output.
    this.timeout(240000);
    if (binStale()) spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: ROOT, stdio: "pipe" });
    assert.ok(!binStale(), "bin/ is not up to date after tsc -p tsconfig.json");
    const cli = (...args: string[]) => spawnSync(process.execPath, ["cli.js", ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const clean = cli("validate", ex("huaweicloud.yaml"));
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stdout, /passed: 0 errors/);
    const broken = cli("validate", ex("broken.yaml"), "--format", "json");
    assert.equal(broken.status, 1, broken.stderr);
    assert.ok(JSON.parse(broken.stdout).summary.errors > 0);
    const bad = cli("validate", "no-such-file.yaml");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /no-such-file\.yaml: no such file/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /);
  });

  it("loads only what the file needs: a valid JSON file never loads zod or a YAML parser, a broken one loads zod to say why", function () {
    this.timeout(240000);
    if (binStale()) spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: ROOT, stdio: "pipe" });
    // Start-up is part of what a user waits for on every pull request (bench:validate measures it).
    const packagesLoaded = (file: string) => {
      const script = `const cli = require("./bin/provider/cli/main.js");
        cli.main(["validate", ${JSON.stringify(file)}, "--format", "json", "--no-config"]).then(() => {
          const names = Object.keys(require.cache).filter((f) => f.includes("node_modules")).map((f) => f.split("node_modules/").pop().split("/")[0]);
          process.stderr.write("LOADED " + JSON.stringify([...new Set(names)]) + "\\n");
        });`;
      const r = spawnSync(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
      const line = /LOADED (.*)/.exec(r.stderr);
      assert.ok(line, r.stderr);
      return JSON.parse(line[1]) as string[];
    };
    const valid = path.join(dir, "valid.json");
    writeFileSync(valid, JSON.stringify({ profile: "alicloud", accounts: { a: { id: "1000000000000001" }, b: { id: "1000000000000002" } }, images: { g: { id: "m-golden0000000001", region: "cn-hangzhou", owner: "a", kind: "system", name: "g" } }, shares: [{ name: "s", image: "g", members: ["b", "a"] }] }));
    assert.deepEqual(packagesLoaded(valid), []);
    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, JSON.stringify({ profile: "alicloud", accounts: {}, images: { g: { id: "m-golden0000000001" } } }));
    assert.deepEqual(packagesLoaded(broken), ["zod"]);
  });
});

describe("image-share rules", () => {
  it("lists every rule with title, severity, profiles and seeds", async () => {
    const r = await run("rules");
    assert.equal(r.code, 0);
    for (const id of RULE_IDS) assert.match(r.stdout, new RegExp(`^${id} `, "m"));
    assert.match(r.stdout, /^RULE +SEVERITY +TITLE +PROFILES +SEEDS$/m);
    assert.match(r.stdout, /^member-limit +error +Too many members for one image +all +000, 001, 003, 004$/m);
    const json = JSON.parse((await run("rules", "--format", "json")).stdout);
    assert.deepEqual(json.rules.map((x: { id: string }) => x.id), [...RULE_IDS]);
  });

  it("prints one rule's documentation: what, why, seeds, a failing and a passing snippet", async () => {
    for (const id of RULE_IDS) {
      const r = await run("rules", id);
      assert.equal(r.code, 0, id);
      assert.match(r.stdout, new RegExp(`^${id}: `));
      for (const part of ["severity:", "profiles:", "source:", "What it catches", "Why", "Fails:", "Passes:", "profile: "]) assert.ok(r.stdout.includes(part), `${id}: ${part}`);
    }
    const unknown = await run("rules", "member-limits");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown rule "member-limits"/);
  });
});
