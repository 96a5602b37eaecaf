/** docs/rules.md is the catalogue the code runs, and every source it names is in docs/sources.md. */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROFILES, PROFILE_IDS, RULES } from "../../provider/rules";
import { ruleMarkdown, rulesMarkdown, sourceAnchor } from "../../provider/cli/format/rulesMarkdown";

const ROOT = path.join(__dirname, "..", "..");
const read = (f: string): string => readFileSync(path.join(ROOT, f), "utf8");
const anchors = (text: string): Set<string> => new Set([...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]));

describe("docs/rules.md and docs/sources.md", () => {
  it("docs/rules.md is what the rules' metadata generates (else: npm run docs)", () => {
    assert.ok(read("docs/rules.md") === rulesMarkdown(), "docs/rules.md is stale: run npm run docs and commit it");
  });

  it("image-share rules --format markdown prints it, and one rule's section with an id", () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, ["cli.js", "rules", ...args, "--format", "markdown"], { cwd: ROOT, encoding: "utf8" });
    const all = cli();
    assert.equal(all.status, 0, all.stderr);
    assert.ok(all.stdout === read("docs/rules.md"), "the built CLI prints another catalogue than docs/rules.md (is bin/ built? npm run build)");
    const one = cli("self-share");
    assert.equal(one.status, 0, one.stderr);
    assert.equal(one.stdout, ruleMarkdown(RULES.find((r) => r.id === "self-share")!));
  });

  it("every source a rule or a profile names has its section in docs/sources.md", () => {
    const have = anchors(read("docs/sources.md"));
    const named = [...RULES.flatMap((r) => r.source), ...PROFILE_IDS.flatMap((p) => [...PROFILES[p].seeds, ...Object.values(PROFILES[p].sources).flat()])];
    for (const s of named) assert.ok(have.has(sourceAnchor(s)), `docs/sources.md has no section for source ${JSON.stringify(s)} (anchor ${sourceAnchor(s)})`);
  });

  it("every link of docs/rules.md lands on a section", () => {
    const rules = read("docs/rules.md");
    const sources = anchors(read("docs/sources.md"));
    const own = anchors(rules);
    for (const [, file, anchor] of rules.matchAll(/\]\(([a-z.]*)#([^)]+)\)/g)) {
      assert.ok(file === "sources.md" ? sources.has(anchor) : file === "" && own.has(anchor), `a link to ${file}#${anchor} lands nowhere`);
    }
  });
});
