/**
 * The README as users meet it: in the packed package (npm pack), where a link must lead to a file
 * the package ships or to the repository; and in a clone, where its `node cli.js` commands run as
 * written (spawned, each line on its own, the emulator's state in a temporary file) and exit as
 * their comments say. The Pulumi CLI's blocks cannot run here (no Pulumi CLI), `npm ci` / `npm
 * test` are what CI runs, `serve` blocks until killed (test/backends/emulator/keys.test.ts runs
 * the serve example by hand).
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The README's shell blocks, each as its lines (a line's `# comment` kept apart). */
function shellBlocks(): Array<Array<{ command: string; comment: string }>> {
  const blocks: Array<Array<{ command: string; comment: string }>> = [];
  for (const m of README.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    blocks.push(
      m[1]
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => {
          const hash = l.search(/\s#\s/);
          return hash === -1 ? { command: l.trim(), comment: "" } : { command: l.slice(0, hash).trim(), comment: l.slice(hash).replace(/^\s*#\s*/, "") };
        }),
    );
  }
  return blocks;
}

describe("the README", function () {
  this.timeout(240000);

  it("links only to files the package ships, or to the repository", () => {
    const r = spawnSync("npm", ["pack", "--dry-run", "--ignore-scripts", "--json"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const shipped = new Set((JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path));
    const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 10, "the README has links");
    const broken = links.filter((l) => !/^(https?:|mailto:|#)/.test(l) && !shipped.has(l.split("#")[0]));
    assert.deepEqual(broken, [], "relative links to files npm pack leaves out");
    // The repository links point at files that exist in this checkout.
    const base = "https://github.com/image-share/image-share/";
    for (const l of links.filter((x) => x.startsWith(base))) {
      const file = l.slice(base.length).replace(/^(blob|tree)\/main\//, "").split("#")[0];
      if (file === "" || file.startsWith("actions")) continue;
      assert.ok(existsSync(path.join(ROOT, file)), `${l}: no ${file} in the repository`);
    }
  });

  it("every `node cli.js` command runs as written from a clone and exits as its comment says", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "image-share-readme-"));
    try {
      const env = { ...process.env, NO_COLOR: "1", IMAGE_SHARE_EMULATOR_DB: path.join(dir, "emulator.db") };
      let ran = 0;
      for (const block of shellBlocks()) {
        if (!block.every((l) => l.command.startsWith("node cli.js"))) continue;
        for (const { command, comment } of block) {
          if (/ serve( |$)/.test(command)) continue; // runs until stopped
          const r = spawnSync("bash", ["-c", command], { cwd: ROOT, encoding: "utf8", env });
          const said = /exit (\d)/.exec(comment);
          const expected = said ? Number(said[1]) : 0;
          // A broken example exits 1 for its findings: the comment says what it shows, not always its code.
          const ok = r.status === expected || (!said && r.status === 1 && /broken/.test(command));
          assert.ok(ok, `${command}: exit ${r.status}, the README says ${said ? `exit ${expected}` : "it runs"}\n${r.stdout}\n${r.stderr}`);
          assert.doesNotMatch(r.stderr, /\n\s+at /, `${command}: a stack trace`);
          assert.ok(r.stdout.length > 0, `${command}: printed nothing`);
          ran++;
        }
      }
      assert.ok(ran >= 10, `ran ${ran} commands`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
