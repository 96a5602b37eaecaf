/**
 * Positions come from the index the parse itself records (positions.ts), not from a second parse
 * of the file. These tests hold that index to the positions `yaml`'s document model gives for
 * every path of the examples, of generated topologies in block and flow style and as JSON, and
 * of YAML written in the ways people write it (comments, anchors, quoted and numeric keys,
 * document markers, CRLF line ends, empty values).
 */
import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument, stringify } from "yaml";
import { nodePositions, type TopologyPositions } from "../../provider/topology/positions";
import { readJson } from "../../provider/topology/json";
import { readYaml } from "../../provider/topology/yaml";
import type { PathSegment } from "../../provider/topology/errors";
import { generate } from "../../bench/validate";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");

function reference(text: string): TopologyPositions {
  const counter = new LineCounter();
  return nodePositions("f", parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false }), counter);
}

function indexed(text: string, json: boolean): { data: unknown; positions: TopologyPositions } {
  const r = json ? readJson("f", text) : readYaml("f", text);
  if ("error" in r) assert.fail(r.error.message);
  if ("errors" in r) assert.fail(r.errors[0].message);
  return r;
}

/** Every path of the data, and paths one step past each (a key or an item that is not there). */
function* paths(v: unknown, at: PathSegment[] = []): Generator<PathSegment[]> {
  yield at;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) yield* paths(v[i], [...at, i]);
    yield [...at, v.length];
  } else if (v !== null && typeof v === "object") {
    for (const k of Object.keys(v)) yield* paths((v as Record<string, unknown>)[k], [...at, k]);
    yield [...at, "no-such-key"];
  } else yield [...at, 0];
}

function agree(text: string, json: boolean, name: string, every = 1): number {
  const { data, positions } = indexed(text, json);
  const ref = reference(text);
  let n = 0;
  let k = 0;
  for (const p of paths(data)) {
    if (k++ % every !== 0) continue;
    assert.deepEqual(positions.locate(p), ref.locate(p), `${name}: ${JSON.stringify(p)}`);
    n++;
  }
  return n;
}

describe("topology positions from the parse's own index", function () {
  this.timeout(60000);

  it("agree with yaml's document positions on every path of every example, as YAML and as JSON", () => {
    for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith(".yaml"))) {
      const text = readFileSync(path.join(EXAMPLES, f), "utf8");
      agree(text, false, f);
      const data = indexed(text, false).data;
      agree(JSON.stringify(data), true, `${f} as minified JSON`);
      agree(JSON.stringify(data, null, 2), true, `${f} as indented JSON`);
    }
  });

  it("agree on generated topologies in block and flow style and as JSON", () => {
    const data = generate(3000);
    assert.ok(agree(stringify(data), false, "block", 7) > 1000);
    agree(stringify(data, { collectionStyle: "flow" }), false, "flow", 7);
    agree(JSON.stringify(data), true, "json", 7);
    agree(JSON.stringify(data, null, "\t"), true, "json with tabs", 7);
  });

  it("agree on YAML written by hand: comments, anchors, quotes, numeric keys, markers, CRLF, empty values", () => {
    const texts = [
      "# head\n---\nprofile: huaweicloud # trailing\n\n# between\naccounts:\n  # inside\n  a: { id: '1' }\n  \"b c\": {id: \"2\"}\n  3: { id: x }\n",
      "trust:\n- a\n-   b\n- 'c'\nshares:\n-   name: s\n    members: &m [a, b]\n- name: t\n  members: *m\n- {name: u, members: [ {account: a, project: p}, b ]}\n",
      "images:\n  g:\n    id:\n    name: >\n      folded\n      text\n    description: |\n      kept\n  h: ~\nlimits: {}\ncopies: []\n",
      "profile: x\r\naccounts:\r\n  a:\r\n    id: '1'\r\nshares:\r\n  - name: s\r\n    members: [a]\r\n",
      "{ profile: x, accounts: { a: { id: '1' } }, shares: [ { name: s, members: [a, b] } ] }\n",
      "? explicit\n: value\nlist:\n  - - nested\n    - deeper\n  - [x, [y, z]]\n",
      "a: !!str 12\nb: &anchor\n  c: 1\nd: *anchor\ne: 1e3\n0o17: f\n",
    ];
    for (const t of texts) agree(t, false, JSON.stringify(t));
  });

  it("an index that cannot describe the data (an empty sequence item) falls back to yaml's positions", () => {
    const text = "shares:\n  -\n  - name: s\n    members: [a]\n";
    const { positions } = indexed(text, false);
    assert.deepEqual(positions.locate(["shares", 1, "members", 0]), reference(text).locate(["shares", 1, "members", 0]));
    assert.deepEqual(positions.locate(["shares", 1, "members", 0]), { line: 4, column: 15 });
  });
});
