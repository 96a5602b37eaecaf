/**
 * YAML topologies are read by js-yaml (fast) with a schema meant to read every scalar as the
 * `yaml` package's YAML 1.2 core schema did when it parsed the data; positions still come from
 * `yaml`, lazily. These tests hold the two readers to the same data and the positions to the file.
 */
import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import * as fc from "fast-check";
import { parseDocument, stringify } from "yaml";
import { RULES, validate } from "../../provider/rules";
import { formatInputError, loadTopologyText, type LoadResult, type TopologyInputError } from "../../provider/topology/load";
import { MAX_ALIAS_NODES, readYamlData } from "../../provider/topology/yamlData";
import { generate } from "../../bench/validate";
import { runs } from "../harness/soak";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");

/** What the loader read YAML with before: `yaml`'s document, with the loader's options. */
function yamlBefore(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
  return doc.toJS({ maxAliasCount: 1000 });
}

function dataOf(text: string): unknown {
  const r = readYamlData(text);
  if ("error" in r) assert.fail(`js-yaml refused: ${r.error.message}`);
  return r.data;
}

function ok(r: LoadResult) {
  if ("errors" in r) assert.fail(r.errors.map(formatInputError).join("\n"));
  return r;
}

function errorsOf(r: LoadResult): TopologyInputError[] {
  assert.ok("errors" in r, "expected input errors, got a topology");
  return r.errors;
}

/** 1-based line and column of the n-th (0-based) occurrence of `needle`. */
function placeOf(text: string, needle: string, n = 0): { line: number; column: number } {
  let at = -1;
  for (let i = 0; i <= n; i++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not in the text`);
  const before = text.slice(0, at);
  return { line: before.split("\n").length, column: at - before.lastIndexOf("\n") };
}

const ALICLOUD = (id: string, extra = "") => `profile: alicloud
accounts:
  platform: { id: "6492702116800237" }
  tenant: { id: ${id} }
images:
  golden: { id: "m-3xtplpft75v2seh60kvj", region: cn-hangzhou, owner: platform, kind: system, name: golden${extra} }
shares:
  - { name: s, image: golden, members: [tenant] }
`;

describe("topology loader: YAML read by js-yaml", function () {
  // Large files are parsed here (by `yaml` too, for positions): more than mocha's default 2 s on a busy machine.
  this.timeout(60000);
  it("reads every example and every rule snippet to the same data as yaml did", () => {
    const texts: Array<[string, string]> = readdirSync(EXAMPLES)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => [f, readFileSync(path.join(EXAMPLES, f), "utf8")]);
    assert.ok(texts.length >= 6);
    for (const rule of RULES) for (const which of ["failing", "passing"] as const) texts.push([`${rule.id}.${which}`, rule.docs[which]]);
    for (const [name, text] of texts) assert.deepEqual(dataOf(text), yamlBefore(text), name);
  });

  it("the same topology as YAML (block and flow styles) and as JSON loads to deep-equal topologies", () => {
    const data = generate(5000);
    const json = ok(loadTopologyText(JSON.stringify(data, null, 1), "t.json"));
    const block = stringify(data);
    const flow = stringify(data, { collectionStyle: "flow" });
    assert.deepEqual(ok(loadTopologyText(block, "t.yaml")).topology, json.topology);
    assert.deepEqual(ok(loadTopologyText(flow, "t.yaml")).topology, json.topology);
    assert.deepEqual(dataOf(block), yamlBefore(block));
    // And the examples, through JSON.
    for (const f of ["huaweicloud.yaml", "alicloud.yaml", "broken.yaml"]) {
      const text = readFileSync(path.join(EXAMPLES, f), "utf8");
      assert.deepEqual(ok(loadTopologyText(JSON.stringify(yamlBefore(text)), "x.json")).topology, ok(loadTopologyText(text, f)).topology, f);
    }
  });

  it("YAML 1.2 core scalars read as before: yes/on stay strings, 1e3 and 0o17 are numbers, dates are strings", () => {
    const scalars = [
      "yes", "no", "on", "off", "y", "Y", "true", "True", "TRUE", "false", "FALSE", "tRue", "null", "Null", "NULL", "~", "",
      "1e3", "1E3", "1e+3", "-1e-3", ".5e2", "0o17", "0O17", "-0o17", "017", "0x10", "0X10", "-0x10", "+0x10", "0xff", "0b101",
      "1_000", "1,000", "+12", "-12", "012", "00", "-0", "1.", "1.5", ".5", "-.5", "+.5", "1.2.3", ".inf", "-.Inf", "+.INF", ".NaN",
      ".nan", "nan", "inf", "1e400", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "12:30:00", "100012345678", "6492702116800237",
      "'12'", '"12"', "'yes'", "!!str 12", "!!str yes", "!!int \"12\"", "<<", "=", "0xG", "0o8", "1e", "e3",
    ];
    for (const s of scalars) {
      const text = `k: ${s}\nl: [${s}]\n`;
      assert.deepEqual(dataOf(text), yamlBefore(text), text);
    }
    // Keys too (a mapping's keys are strings in the data).
    assert.deepEqual(dataOf("1e3: a\n0o17: b\ntrue: c\n0x10: d\n"), yamlBefore("1e3: a\n0o17: b\ntrue: c\n0x10: d\n"));
  });

  it("random plain scalars read as before (property)", () => {
    const alphabet = "0123456789.+-eExXoObBaflnNsStTruUiI_~:,#' ".split("");
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 8 }), (chars) => {
        const text = `k: ${chars.join("")}\n`;
        let before: unknown;
        try {
          before = yamlBefore(text);
        } catch {
          return; // not a valid document for yaml: nothing to compare
        }
        const now = readYamlData(text);
        if ("error" in now) return; // js-yaml is stricter on some oddities (e.g. "k: a: b")
        assert.deepEqual(now.data, before, JSON.stringify(text));
      }),
      { numRuns: runs(300, 3000) },
    );
  });

  it("the values of a topology: yes is not true, True is, 1e3 and 0o17 count, an unquoted id is refused with a hint to quote it", () => {
    const base = `profile: alicloud
accounts:
  a: { id: "6492702116800237" }
images:
  g: { id: "m-3xtplpft75v2seh60kvj", region: cn-hangzhou, owner: a, kind: system, name: on, existingMembers: 0o17 }
limits: { member: 1e3 }
`;
    const t = ok(loadTopologyText(base + "strictTrust: True\n", "t.yaml")).topology;
    assert.equal(t.images.g.name, "on");
    assert.equal(t.images.g.existingMembers, 15);
    assert.equal(t.limits?.member, 1000);
    assert.equal(t.strictTrust, true);
    const [yes] = errorsOf(loadTopologyText(base + "strictTrust: yes\n", "t.yaml"));
    assert.equal(yes.path, "strictTrust");
    assert.match(yes.message, /expected true or false, got the string "yes"/);
    const [num] = errorsOf(loadTopologyText(base.replace('"6492702116800237"', "6492702116800237"), "t.yaml"));
    assert.equal(formatInputError(num), 't.yaml:3:8 accounts.a.id: expected a string, got number 6492702116800237 (write it in quotes, as the cloud shows it)');
  });

  it("a 19-digit account id: quoted it is read exactly; unquoted it is an error naming its path and every digit", () => {
    const quoted = ok(loadTopologyText(ALICLOUD('"1234567890123456789"'), "a.yaml"));
    assert.equal(quoted.topology.accounts.tenant.id, "1234567890123456789");
    const errors = errorsOf(loadTopologyText(ALICLOUD("1234567890123456789"), "a.yaml"));
    assert.equal(errors.length, 1);
    const [e] = errors;
    assert.equal(e.path, "accounts.tenant.id");
    // The place of the path's last key, as for every error.
    assert.deepEqual({ line: e.line, column: e.column }, { line: 4, column: 13 });
    // Not 1234567890123456800, which a JavaScript number makes of it.
    assert.match(e.message, /got number 1234567890123456789 \(too long for a number: write the id in quotes/);
    // As a key it keeps its digits too.
    assert.deepEqual(Object.keys(dataOf("1234567890123456789: x\n") as object), ["1234567890123456789"]);
  });

  it("positions of an error deep in a large YAML file are right (found lazily)", () => {
    const data = generate(20000);
    const shares = data.shares as Array<{ members: string[] }>;
    shares[shares.length - 1].members[47] = "ghost-tenant";
    const text = stringify(data);
    const [e, ...rest] = errorsOf(loadTopologyText(text, "big.yaml"));
    assert.equal(rest.length, 0, rest.map(formatInputError).join("\n"));
    assert.equal(e.path, `shares[${shares.length - 1}].members[47]`);
    assert.deepEqual({ line: e.line, column: e.column }, placeOf(text, "ghost-tenant"));
    assert.ok(e.line! > 30000, `deep in the file (line ${e.line})`);
    // A violation's path located in the loaded file: the last acceptance, of a member its image's share does not grant.
    shares[shares.length - 1].members[47] = "t1";
    const accs = data.acceptances as Array<{ name: string; member: string }>;
    const last = accs.length - 1;
    assert.ok(!shares[shares.length - 1].members.includes("t999"));
    accs[last].member = "t999";
    const clean = stringify(data);
    const r = ok(loadTopologyText(clean, "big.yaml"));
    const at = placeOf(clean, `name: ${accs[last].name}\n`);
    assert.deepEqual(r.positions.locate(["acceptances", last, "name"]), at);
    const found = validate(r.topology).filter((v) => v.severity === "error");
    assert.deepEqual(found.map((v) => [v.rule, v.resource, v.path]), [["acceptance-without-share", accs[last].name, ["acceptances", last]]]);
    assert.equal(r.positions.locate(found[0].path!)?.line, at.line);
  });

  it("syntax errors name line:column; duplicate keys, several documents, tabs are clear errors", () => {
    const cases: Array<[string, RegExp, number, number | undefined]> = [
      ["profile: alicloud\naccounts:\n  a: { id: \"1\"\n", /not valid YAML: unexpected end of the stream within a flow collection/, 4, 1],
      ["profile: alicloud\nprofile: tencentcloud\n", /^duplicate key "profile"$/, 2, 1],
      ["accounts:\n  a:\n    id: x\n    id: y\n", /^duplicate key "id"$/, 4, 5],
      ["profile: alicloud\n---\nprofile: tencentcloud\n", /several YAML documents/, 2, 1],
      ["--- # first\nprofile: alicloud\n...\nprofile: x\n", /several YAML documents/, 4, 1],
      ["profile: huaweicloud\naccounts:\n\tx: 1\n", /not valid YAML: tab/, 3, 1],
      ["profile: 'open\n", /not valid YAML: unexpected end of the stream within a single quoted scalar/, 2, 1],
      ["images: *nope\n", /not valid YAML: unidentified alias "nope"/, 1, 14],
    ];
    for (const [text, re, line, column] of cases) {
      const errors = errorsOf(loadTopologyText(text, "e.yaml"));
      assert.equal(errors.length, 1, text);
      assert.match(errors[0].message, re, text);
      assert.equal(errors[0].line, line, `${text}: ${formatInputError(errors[0])}`);
      if (column !== undefined) assert.equal(errors[0].column, column, `${text}: ${formatInputError(errors[0])}`);
      assert.doesNotMatch(errors[0].message, /\n/);
    }
  });

  it("anchors and aliases work; an alias bomb and a recursive alias are refused, never hang", () => {
    const anchored = `profile: alicloud
accounts:
  platform: { id: "6492702116800237" }
  t1: { id: "3869800795356433" }
  t2: { id: "2130327816681920" }
images:
  golden: { id: "m-3xtplpft75v2seh60kvj", region: cn-hangzhou, owner: platform, kind: system, name: golden }
  data: { id: "m-50ce9uvw53efr4edt2sy", region: cn-hangzhou, owner: platform, kind: data, name: data }
shares:
  - { name: s1, image: golden, members: &tenants [t1, t2] }
  - { name: s2, image: data, members: *tenants }
`;
    const r = ok(loadTopologyText(anchored, "a.yaml"));
    assert.deepEqual(r.topology.shares[1].members, ["t1", "t2"]);
    assert.deepEqual(dataOf(anchored), yamlBefore(anchored));
    // Ten levels of ten: 10^10 nodes if expanded.
    let bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i <= 10; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
    const [b] = errorsOf(loadTopologyText(bomb, "bomb.yaml"));
    assert.match(b.message, new RegExp(`aliases repeat more than ${MAX_ALIAS_NODES.toLocaleString("en")} nodes`));
    const [c] = errorsOf(loadTopologyText("profile: alicloud\naccounts: &a { x: *a }\nimages: {}\n", "cycle.yaml"));
    assert.match(c.message, /recursive/);
  });

  it("empty and comment-only files, and a %YAML 1.1 directive (read by yaml as before: yes is true)", () => {
    assert.match(errorsOf(loadTopologyText("", "e.yaml"))[0].message, /the file is empty/);
    assert.match(errorsOf(loadTopologyText("# nothing here\n   # nor here\n\n", "c.yaml"))[0].message, /holds no topology/);
    assert.match(errorsOf(loadTopologyText("---\n# nothing\n", "d.yaml"))[0].message, /holds no topology/);
    const directive = "%YAML 1.1\n---\n" + ALICLOUD('"3869800795356433"') + "strictTrust: yes\n";
    assert.equal(ok(loadTopologyText(directive, "d.yaml")).topology.strictTrust, true);
    assert.match(errorsOf(loadTopologyText(ALICLOUD('"3869800795356433"') + "strictTrust: yes\n", "d.yaml"))[0].message, /got the string "yes"/);
  });
});
