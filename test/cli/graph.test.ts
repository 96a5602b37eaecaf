/**
 * The share graph: `image-share graph` and the summary's graph, checked by mermaid's own parser
 * (the mermaid package, as GitHub renders it; test/cli/mermaid-parse.mjs), not by a pattern.
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadTopologyFile } from "../../provider/topology/load";
import { validate } from "../../provider/rules";
import { shareGraph, toDot, toMermaid } from "../../provider/cli/format/graph";
import { generate } from "../../bench/validate";
import { loadTopologyText } from "../../provider/topology/load";

const ROOT = path.join(__dirname, "..", "..");
const ex = (f: string) => path.join(ROOT, "examples", f);

function mermaidParse(texts: string[]): Array<{ ok: boolean; type?: string; error?: string }> {
  const r = spawnSync(process.execPath, [path.join(__dirname, "mermaid-parse.mjs")], { input: JSON.stringify(texts), encoding: "utf8", cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, "cli.js"), ...args], { cwd: ROOT, encoding: "utf8" });
}

describe("share graph", function () {
  this.timeout(180000);

  it("every example's graph, the summary's folded graph and a large one parse as mermaid flowcharts", () => {
    const texts: string[] = [];
    for (const f of ["huaweicloud.yaml", "opentelekomcloud.yaml", "alicloud.yaml", "tencentcloud.yaml", "broken.yaml", "broken-tencentcloud.yaml"]) {
      const r = cli("graph", ex(f));
      assert.equal(r.status, 0, r.stderr);
      texts.push(r.stdout);
    }
    const big = loadTopologyText(JSON.stringify(generate(2000)), "big.json");
    assert.ok(!("errors" in big));
    const t = big.topology;
    texts.push(toMermaid(shareGraph(t, validate(t), { foldAbove: 8, maxEdges: 300 })));
    // Labels people write: quotes, brackets, ampersands, a mermaid keyword as a key.
    const odd = loadTopologyText(
      `profile: alicloud
accounts:
  end: { id: "1000000000000001" }
  "a&b": { id: "1000000000000002" }
images:
  'say "hi" [x] <y>': { id: "m-golden0000000000001", region: cn-hangzhou, owner: end, kind: system, name: g }
shares:
  - { name: "s|1", image: 'say "hi" [x] <y>', members: ["a&b", end] }
`,
      "odd.yaml",
    );
    assert.ok(!("errors" in odd), JSON.stringify(odd));
    texts.push(toMermaid(shareGraph(odd.topology, validate(odd.topology))));
    const results = mermaidParse([...texts, "flowchart LR\n  a[\"unclosed --> b\n"]);
    results.slice(0, -1).forEach((r, i) => assert.ok(r.ok && r.type === "flowchart-v2", `diagram ${i}: ${r.error}\n${texts[i]}`));
    // The parser really parses: a broken diagram is refused.
    assert.equal(results[results.length - 1].ok, false);
  });

  it("marks findings: broken.yaml's member-limit edge and self-share node in red; dot as well", () => {
    const loaded = loadTopologyFile(ex("broken.yaml"));
    assert.ok(!("errors" in loaded));
    const g = shareGraph(loaded.topology, validate(loaded.topology));
    assert.ok(g.edges.some((e) => e.bad) && g.nodes.some((n) => n.bad));
    const m = toMermaid(g);
    assert.match(m, /^ {2}linkStyle [\d,]+ stroke:#d1242f/m);
    assert.match(m, /^ {2}class [n\d,]+ bad$/m);
    assert.match(m, /copy to cn-south-1 \(team-a-copies-golden-to-gz\)/);
    assert.match(m, /replicate \(team-c-replicates-gpu-node\)/);
    const dot = cli("graph", ex("broken.yaml"), "--format", "dot");
    assert.equal(dot.status, 0);
    assert.match(dot.stdout, /^digraph shares \{/);
    assert.match(dot.stdout, /color="#d1242f"/);
    assert.equal(toDot(g), dot.stdout);
    assert.equal(cli("graph").status, 2);
    assert.equal(cli("graph", ex("broken.yaml"), "--format", "png").status, 2);
  });
});
