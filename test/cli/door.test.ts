/**
 * The pull-request door (issue 13): files validated together are one view; suppressions,
 * config, baselines; several outputs in one run; the markdown summary and the share graph.
 * Through the CLI as users run it (spawned), with files written the way a config repo holds them.
 */
import assert = require("node:assert/strict");
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { artifactUri } from "../../provider/cli/format/sarif";

const ROOT = path.join(__dirname, "..", "..");
const CLI = path.join(ROOT, "cli.js");

function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An alicloud file: image golden (one id in every file) shared with `members` tenants t<from>..; limit 50. */
function aliFile(from: number, count: number, extra = ""): string {
  const accounts = ['  platform: { id: "1000000000000001" }'];
  const members: string[] = [];
  for (let i = from; i < from + count; i++) {
    accounts.push(`  t${i}: { id: "${2000000000000000 + i}" }`);
    members.push(`t${i}`);
  }
  return `profile: alicloud
accounts:
${accounts.join("\n")}
images:
  golden: { id: "m-golden0000000000001", region: cn-hangzhou, owner: platform, kind: system, name: golden }
shares:
  - name: golden-to-tenants-${from}
    image: golden
    members: [${members.join(", ")}]
${extra}`;
}

describe("image-share validate: the pull-request door", function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "image-share-door-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("two files sharing one image over its limit fail in one run; each alone passes; a directory is the same view", () => {
    mkdirSync(path.join(dir, "topology"));
    writeFileSync(path.join(dir, "topology", "a.yaml"), aliFile(0, 30));
    writeFileSync(path.join(dir, "topology", "b.yaml"), aliFile(30, 30));
    assert.equal(cli(["validate", "topology/a.yaml"], dir).code, 0);
    assert.equal(cli(["validate", "topology/b.yaml"], dir).code, 0);
    for (const args of [["topology/a.yaml", "topology/b.yaml"], ["topology"]]) {
      const r = cli(["validate", ...args, "--format", "json"], dir);
      assert.equal(r.code, 1, r.stderr);
      const json = JSON.parse(r.stdout);
      const limit = json.violations.find((v: { rule: string }) => v.rule === "member-limit");
      assert.ok(limit, r.stdout);
      assert.match(limit.message, /60 members/);
      // Reported in the file whose member crosses the limit, with the path there.
      assert.equal(limit.file, path.join("topology", "b.yaml"));
      assert.equal(typeof limit.path, "string");
      assert.deepEqual(limit.segments.slice(0, 3), ["shares", 0, "members"]);
    }
  });

  it("one member granted in two files is a member-conflict; one id said two ways is an input error naming both places", () => {
    writeFileSync(path.join(dir, "a.yaml"), aliFile(0, 3));
    writeFileSync(path.join(dir, "b.yaml"), aliFile(2, 3));
    const r = cli(["validate", "a.yaml", "b.yaml", "--format", "json"], dir);
    assert.equal(r.code, 1);
    const conflict = JSON.parse(r.stdout).violations.find((v: { rule: string }) => v.rule === "member-conflict");
    assert.ok(conflict, r.stdout);
    assert.match(conflict.message, /golden-to-tenants-0 and golden-to-tenants-2/);
    // Both places: the second file's member, and the first file's as a related place (text, json, SARIF).
    assert.equal(conflict.file, "b.yaml");
    assert.deepEqual(conflict.related, [{ resource: "golden-to-tenants-0", file: "a.yaml", line: 12, column: 23, path: "shares[0].members[2]" }]);
    assert.match(cli(["validate", "a.yaml", "b.yaml"], dir).stdout, /also: shares\[0\]\.members\[2\] of golden-to-tenants-0, a\.yaml:12:23/);
    const sarif = JSON.parse(cli(["validate", "a.yaml", "b.yaml", "--format", "sarif"], dir).stdout);
    const result = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "member-conflict");
    assert.equal(result.relatedLocations[0].physicalLocation.artifactLocation.uri, "a.yaml");
    assert.deepEqual(result.relatedLocations[0].physicalLocation.region, { startLine: 12, startColumn: 23 });
    writeFileSync(path.join(dir, "b.yaml"), aliFile(5, 3).replace("region: cn-hangzhou", "region: cn-shanghai"));
    const bad = cli(["validate", "a.yaml", "b.yaml"], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /b\.yaml:\d+:\d+ images\.golden\.region: image id m-golden0000000000001 has region cn-shanghai here, but cn-hangzhou in a\.yaml:\d+:\d+/);
  });

  it("existingMembers lists of one image in two files are one list: a member listed in one and shared in the other conflicts; statuses must agree", () => {
    const listed = (status: string) => aliFile(10, 1).replace("name: golden }", `name: golden, existingMembers: [{ account: t10, status: ${status} }] }`).replace(/shares:[\s\S]*/, "");
    writeFileSync(path.join(dir, "a.yaml"), listed("accepted"));
    writeFileSync(path.join(dir, "b.yaml"), aliFile(10, 2));
    const r = cli(["validate", "a.yaml", "b.yaml", "--format", "json"], dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const conflict = JSON.parse(r.stdout).violations.find((v: { rule: string }) => v.rule === "member-conflict");
    assert.equal(conflict.file, "b.yaml");
    assert.equal(conflict.related[0].file, "a.yaml");
    assert.equal(conflict.related[0].path, "images.golden.existingMembers[0]");
    // The same list twice is one list; a status said two ways is bad input naming both places.
    writeFileSync(path.join(dir, "b.yaml"), listed("accepted"));
    assert.equal(cli(["validate", "a.yaml", "b.yaml"], dir).code, 0);
    writeFileSync(path.join(dir, "b.yaml"), listed("rejected"));
    const bad = cli(["validate", "a.yaml", "b.yaml"], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /b\.yaml:\d+:\d+ images\.golden\.existingMembers\[0\]\.status: image id m-golden0000000000001: member t10 is rejected here, but accepted in a\.yaml:\d+:\d+ \(images\.golden\.existingMembers\[0\]\)/);
  });

  it("an inline suppression needs a reason and is reported as suppressed, in json and SARIF", () => {
    const text = aliFile(0, 2).replace("  - name: golden-to-tenants-0", "  - name: golden-to-tenants-0   # image-share:ignore self-share -- the platform tests its own share, ticket OPS-1").replace("members: [t0, t1]", "members: [t0, t1, platform]");
    writeFileSync(path.join(dir, "t.yaml"), text);
    const r = cli(["validate", "t.yaml", "--format", "json", "--sarif", "out.sarif"], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(json.violations, []);
    assert.equal(json.suppressed[0].rule, "self-share");
    assert.deepEqual(json.suppressed[0].suppression, { reason: "the platform tests its own share, ticket OPS-1", line: 9 });
    assert.equal(json.summary.suppressed, 1);
    const sarif = JSON.parse(readFileSync(path.join(dir, "out.sarif"), "utf8"));
    const res = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "self-share");
    assert.deepEqual(res.suppressions, [{ kind: "inSource", justification: "the platform tests its own share, ticket OPS-1" }]);
    // No reason, or an unknown rule: bad input, at the comment's place.
    writeFileSync(path.join(dir, "t.yaml"), text.replace(" -- the platform tests its own share, ticket OPS-1", ""));
    const noReason = cli(["validate", "t.yaml"], dir);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /t\.yaml:9:\d+: the suppression of self-share gives no reason/);
    writeFileSync(path.join(dir, "t.yaml"), text.replace("ignore self-share", "ignore self-shar"));
    assert.match(cli(["validate", "t.yaml"], dir).stderr, /unknown rule "self-shar" \(did you mean "self-share"\?\)/);
  });

  it("a suppression that suppresses nothing is reported as a note (text, json, SARIF, github), never a failure", () => {
    // The self-share was fixed; the comment stayed. A second comment names a rule that is off.
    const text = aliFile(0, 2)
      .replace("  - name: golden-to-tenants-0", "  - name: golden-to-tenants-0   # image-share:ignore self-share,untrusted-source -- ticket OPS-1")
      .replace("  golden: {", "  # image-share:ignore pending-acceptance -- tenants accept in the console\n  golden: {");
    writeFileSync(path.join(dir, "t.yaml"), text);
    writeFileSync(path.join(dir, ".image-share.yaml"), "rules:\n  pending-acceptance: off\nfailOn: warning\n");
    const r = cli(["validate", "t.yaml", "--format", "json", "--sarif", "out.sarif", "--format", "github=gh.txt", "--format", "text=out.txt"], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(json.violations, []);
    assert.deepEqual(
      json.unusedSuppressions.map((u: { line: number; rule: string; ruleOff?: boolean }) => [u.line, u.rule, u.ruleOff ?? false]),
      [
        [7, "pending-acceptance", true],
        [10, "self-share", false],
        [10, "untrusted-source", false],
      ],
    );
    assert.match(json.unusedSuppressions[1].message, /unused suppression of self-share: no self-share finding here any more; remove the comment/);
    assert.equal(json.summary.unusedSuppressions, 3);
    assert.equal(json.summary.warnings, 0);
    const sarif = JSON.parse(readFileSync(path.join(dir, "out.sarif"), "utf8"));
    const notes = sarif.runs[0].results.filter((x: { ruleId: string }) => x.ruleId === "unused-suppression");
    assert.equal(notes.length, 3);
    assert.ok(notes.every((n: { level: string }) => n.level === "note"));
    assert.equal(notes[1].locations[0].physicalLocation.region.startLine, 10);
    assert.ok(sarif.runs[0].tool.driver.rules.some((x: { id: string }) => x.id === "unused-suppression"));
    assert.match(readFileSync(path.join(dir, "gh.txt"), "utf8"), /^::notice file=t\.yaml,line=10,col=\d+,title=image-share%3A unused suppression::unused suppression of self-share/m);
    const textOut = readFileSync(path.join(dir, "out.txt"), "utf8");
    assert.match(textOut, /note  t\.yaml:7:3: unused suppression of pending-acceptance: the rule is off in the config/);
    assert.match(textOut, /passed: 0 errors, 0 warnings, 3 unused suppressions in 1 file/);
    // A suppression that is used is not reported.
    writeFileSync(path.join(dir, "t.yaml"), text.replace("members: [t0, t1]", "members: [t0, t1, platform]"));
    const used = JSON.parse(cli(["validate", "t.yaml", "--format", "json"], dir).stdout);
    assert.equal(used.summary.suppressed, 1);
    assert.deepEqual(used.unusedSuppressions.map((u: { rule: string }) => u.rule), ["pending-acceptance", "untrusted-source"]);
  });

  it(".image-share.yaml found upward: rules off or at another severity, failOn; --config; a bad config is bad input", () => {
    mkdirSync(path.join(dir, "topology"));
    writeFileSync(path.join(dir, "topology", "t.yaml"), aliFile(0, 46)); // 46 of 50: member-limit-headroom warning
    assert.equal(cli(["validate", "topology/t.yaml"], dir).code, 0);
    writeFileSync(path.join(dir, ".image-share.yaml"), "failOn: warning\n");
    assert.equal(cli(["validate", "topology/t.yaml"], dir).code, 1);
    writeFileSync(path.join(dir, ".image-share.yaml"), "rules:\n  member-limit-headroom: error\n");
    const r = cli(["validate", "topology/t.yaml", "--format", "json"], dir);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).violations[0].severity, "error");
    writeFileSync(path.join(dir, ".image-share.yaml"), "rules:\n  member-limit-headroom: off\nfailOn: warning\n");
    assert.deepEqual(JSON.parse(cli(["validate", "topology/t.yaml", "--format", "json"], dir).stdout).violations, []);
    assert.equal(cli(["validate", "topology/t.yaml", "--no-config", "--fail-on", "warning"], dir).code, 1);
    assert.equal(cli(["validate", "topology/t.yaml", "--fail-on", "never", "--config", path.join(dir, "missing.yaml")], dir).code, 2);
    writeFileSync(path.join(dir, ".image-share.yaml"), "rules:\n  member-limit-headromm: off\nfailon: never\n");
    const bad = cli(["validate", "topology/t.yaml"], dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /rules\.member-limit-headromm: unknown rule "member-limit-headromm" \(did you mean "member-limit-headroom"\?\)|unknown key "failon" \(did you mean "failOn"\?\)/);
  });

  it("a baseline: written once, then only new findings fail", () => {
    writeFileSync(path.join(dir, "t.yaml"), aliFile(0, 2).replace("members: [t0, t1]", "members: [t0, t1, platform]"));
    assert.equal(cli(["validate", "t.yaml"], dir).code, 1);
    const w = cli(["validate", "t.yaml", "--write-baseline", "image-share.baseline.json"], dir);
    assert.equal(w.code, 0, w.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(dir, "image-share.baseline.json"), "utf8")).findings.length, 1);
    const known = cli(["validate", "t.yaml", "--baseline", "image-share.baseline.json", "--format", "json"], dir);
    assert.equal(known.code, 0, known.stdout);
    assert.equal(JSON.parse(known.stdout).summary.baselined, 1);
    // An edit above it moves the finding: still known. A new one fails.
    writeFileSync(path.join(dir, "t.yaml"), "# moved down a line\n" + aliFile(0, 2).replace("members: [t0, t1]", "members: [t0, t1, platform]") + "  - { name: again, image: golden, members: [t0] }\n");
    const fresh = cli(["validate", "t.yaml", "--baseline", "image-share.baseline.json", "--format", "json"], dir);
    assert.equal(fresh.code, 1);
    assert.deepEqual(JSON.parse(fresh.stdout).violations.map((v: { rule: string }) => v.rule), ["member-conflict"]);
    assert.match(cli(["validate", "t.yaml", "--baseline", "nope.json"], dir).stderr, /no such baseline/);
  });

  it("several outputs in one run: github on stdout, SARIF and the markdown summary (appended) to files", () => {
    writeFileSync(path.join(dir, "t.yaml"), aliFile(0, 2).replace("members: [t0, t1]", "members: [t0, t1, platform]"));
    writeFileSync(path.join(dir, "summary.md"), "# earlier step\n");
    const env = { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "acme/config", GITHUB_SHA: "0123abc", GITHUB_WORKSPACE: dir };
    const r = cli(["validate", "t.yaml", "--format", "github", "--sarif", "out.sarif", "--summary", "summary.md", "--format", "json=out.json"], dir, env);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^::error file=t\.yaml,line=\d+,col=\d+,title=self-share \(alicloud\)::/m);
    assert.equal(JSON.parse(readFileSync(path.join(dir, "out.sarif"), "utf8")).version, "2.1.0");
    assert.equal(JSON.parse(readFileSync(path.join(dir, "out.json"), "utf8")).summary.errors, 1);
    const md = readFileSync(path.join(dir, "summary.md"), "utf8");
    assert.match(md, /^# earlier step\n## image-share validate: failed\n/);
    assert.match(md, /\| 🔴 \| `self-share` \| \[t\.yaml:\d+\]\(https:\/\/github\.com\/acme\/config\/blob\/0123abc\/t\.yaml#L\d+\) \|/);
    assert.match(md, /```mermaid\nflowchart LR\n/);
    assert.match(cli(["validate", "t.yaml", "--format", "json", "--format", "sarif"], dir).stderr, /at most one --format can go to stdout/);
  });

  it("validate | head -1 stops quietly (no EPIPE stack trace)", async () => {
    const child = spawn(process.execPath, [CLI, "validate", path.join(ROOT, "examples", "broken.yaml")], { env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /, stderr);
    assert.ok(code === 1 || code === 0, `exit ${code}`);
  });

  it("SARIF URIs escape # ? % and spaces in file names", () => {
    assert.equal(artifactUri("topology/team #1 ?.yaml", "/repo"), "topology/team%20%231%20%3F.yaml");
    assert.equal(artifactUri("/elsewhere/a#b.yaml", "/repo"), "file:///elsewhere/a%23b.yaml");
  });
});

describe("README", () => {
  it("the topology example validates (not bad input) and names only accounts it declares", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const block = /## Topology files[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1];
    const dir = mkdtempSync(path.join(tmpdir(), "image-share-readme-"));
    try {
      writeFileSync(path.join(dir, "readme.yaml"), block);
      const r = cli(["validate", "readme.yaml"], dir);
      assert.notEqual(r.code, 2, r.stderr);
      assert.equal(r.stderr, "");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
