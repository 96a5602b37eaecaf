import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, openSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { RULES, validate } from "../../provider/rules";
import { keysAt } from "../../provider/topology/schemaErrors";
import { ImageSchema } from "../../provider/topology/schema";
import { formatInputError, loadTopologyFile, loadTopologyText, type LoadResult, type TopologyInputError } from "../../provider/topology/load";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");

function errorsOf(r: LoadResult): TopologyInputError[] {
  assert.ok("errors" in r, "expected input errors, got a topology");
  return r.errors;
}

function ok(r: LoadResult) {
  if ("errors" in r) assert.fail(r.errors.map(formatInputError).join("\n"));
  return r;
}

const BASE = `profile: huaweicloud
accounts:
  platform:
    id: "ae97ba94d0eda82f8f6d05584ef8aa38"
    projects:
      platform-bj: { id: "922766581e27a1c08a6a63ec24ede6a4", region: cn-north-4 }
  team-a:
    id: "8e81973e0becd7b03898d190f9ebdacc"
    projects:
      team-a-bj: { id: "0cb1e29c658cda1495e60af593bd04cf", region: cn-north-4 }
images:
  golden:
    id: "923a7369-94e3-4f91-9a61-dbe22e44158b"
    region: cn-north-4
    owner: platform
    kind: system
    name: golden
`;

describe("topology loader", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "image-share-load-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("loads every clean example and the broken ones (they are valid input; rules report them)", () => {
    for (const f of ["huaweicloud.yaml", "opentelekomcloud.yaml", "alicloud.yaml", "tencentcloud.yaml", "broken.yaml", "broken-tencentcloud.yaml"]) {
      ok(loadTopologyFile(path.join(EXAMPLES, f)));
    }
  });

  it("one id under two keys in one file is an input error naming both places (accounts, projects, images)", () => {
    const text = BASE.replace('  team-a:\n    id: "8e81973e0becd7b03898d190f9ebdacc"', '  team-a:\n    id: "ae97ba94d0eda82f8f6d05584ef8aa38"').replace('team-a-bj: { id: "0cb1e29c658cda1495e60af593bd04cf"', 'team-a-bj: { id: "922766581e27a1c08a6a63ec24ede6a4"') +
      `  golden-again:\n    id: "923a7369-94e3-4f91-9a61-dbe22e44158b"\n    region: cn-north-4\n    owner: platform\n    kind: system\n    name: golden\n`;
    const errors = errorsOf(loadTopologyText(text, "t.yaml")).map(formatInputError);
    assert.deepEqual(errors, [
      "t.yaml:8:5 accounts.team-a.id: account id ae97ba94d0eda82f8f6d05584ef8aa38 is also the id of accounts.platform.id (line 4): one account, one key (merge the two)",
      "t.yaml:10:20 accounts.team-a.projects.team-a-bj.id: project id 922766581e27a1c08a6a63ec24ede6a4 is also the id of accounts.platform.projects.platform-bj.id (line 6): one project, one key",
      "t.yaml:19:5 images.golden-again.id: image id 923a7369-94e3-4f91-9a61-dbe22e44158b is also the id of images.golden.id (line 13): one image, one key (its shares would be counted apart)",
    ]);
    // Near miss: distinct ids.
    ok(loadTopologyText(BASE, "t.yaml"));
  });

  it("existingMembers: a count, or a list of members with their status, checked like members", () => {
    const list = (entries: string) => BASE.replace("    name: golden\n", `    name: golden\n    existingMembers: ${entries}\n`);
    const loaded = ok(loadTopologyText(list("[{ account: team-a, status: accepted }, { account: team-a, project: team-a-bj }]"), "t.yaml"));
    assert.deepEqual(loaded.topology.images.golden.existingMembers, [{ account: "team-a", status: "accepted" }, { account: "team-a", project: "team-a-bj" }]);
    ok(loadTopologyText(list("3"), "t.yaml"));
    const bad = (entries: string) => errorsOf(loadTopologyText(list(entries), "t.yaml")).map((e) => `${e.path}: ${e.message}`);
    assert.deepEqual(bad("[{ account: team-x }]"), ['images.golden.existingMembers[0].account: unknown account "team-x" (did you mean "team-a"?)']);
    assert.deepEqual(bad("[{ account: team-a, status: sure }]"), ['images.golden.existingMembers[0].status: must be one of "pending", "accepted", "rejected"; got the string "sure"']);
    assert.deepEqual(bad("[{ account: team-a, state: accepted }]"), ['images.golden.existingMembers[0].state: unknown key "state" (did you mean "status"?)']);
    assert.deepEqual(bad("[{ account: team-a, project: nope }]"), ['images.golden.existingMembers[0].project: "nope" is not a project of account "team-a"']);
    assert.deepEqual(bad("many"), ['images.golden.existingMembers: expected a number of members, or a list of { account, project, status }, got the string "many"']);
    assert.deepEqual(bad("[team-a]"), ["images.golden.existingMembers[0]: expected a mapping, got the string \"team-a\""]);
  });

  it("reads JSON as well as YAML, to the same topology", () => {
    const yamlText = BASE + "shares:\n  - { name: s, image: golden, members: [team-a] }\n";
    const fromYaml = ok(loadTopologyText(yamlText, "t.yaml"));
    const fromJson = ok(loadTopologyText(JSON.stringify(parseYaml(yamlText)), "t.json"));
    assert.deepEqual(fromJson.topology, fromYaml.topology);
    // By content when the extension says nothing.
    ok(loadTopologyText(JSON.stringify(parseYaml(yamlText)), "topology"));
  });

  it("names a dangling member with its path and line:column", () => {
    const text = BASE + "shares:\n  - name: s\n    image: golden\n    members: [team-a, team-x]\n";
    const [e, ...rest] = errorsOf(loadTopologyText(text, "team.yaml"));
    assert.equal(rest.length, 0);
    assert.equal(e.path, "shares[0].members[1]");
    assert.match(e.message, /unknown account "team-x"/);
    assert.equal(e.line, 21);
    assert.equal(e.column, 23);
    assert.equal(formatInputError(e), 'team.yaml:21:23 shares[0].members[1]: unknown account "team-x" (did you mean "team-a"?)');
  });

  it("reports unknown keys, wrong types and bad enum values, each at its place", () => {
    const text = BASE.replace("kind: system", "kind: sys\n    colour: red").replace('id: "8e81973e0becd7b03898d190f9ebdacc"', "id: 42") + "shares:\n  - { name: s, image: golden, memebrs: [team-a] }\n";
    const errors = errorsOf(loadTopologyText(text, "t.yaml"));
    const byPath = new Map(errors.map((e) => [e.path, e]));
    assert.match(byPath.get("accounts.team-a.id")!.message, /expected a string, got number 42/);
    assert.match(byPath.get("images.golden.kind")!.message, /must be one of "system", "data", "full"/);
    assert.match(byPath.get("images.golden.colour")!.message, /unknown key "colour"/);
    assert.match(byPath.get("shares[0].memebrs")!.message, /unknown key "memebrs" \(did you mean "members"\?\)/);
    assert.match(byPath.get("shares[0].members")!.message, /is required/);
    for (const e of errors) assert.ok(e.line! >= 1 && e.column! >= 1, formatInputError(e));
  });

  it("an unknown key anywhere gets a near miss from the keys the schema allows at that place", () => {
    const text = BASE.replace("projects:\n      team-a-bj", "projcts:\n      team-a-bj") + "limits: { membr: 200 }\nshares:\n  - { name: s, image: golden, members: [{ acount: team-a }] }\n";
    const byPath = new Map(errorsOf(loadTopologyText(text, "t.yaml")).map((e) => [e.path, e.message]));
    assert.match(byPath.get("accounts.team-a.projcts")!, /unknown key "projcts" \(did you mean "projects"\?\)/);
    assert.match(byPath.get("limits.membr")!, /unknown key "membr" \(did you mean "member"\?\)/);
    assert.match(byPath.get("shares[0].members[0].acount")!, /unknown key "acount" \(did you mean "account"\?\)/);
    assert.deepEqual(keysAt(["images", "any-key"]), Object.keys(ImageSchema.shape));
    assert.deepEqual(keysAt(["shares", 3, "members", 0]), ["account", "project"]);
    assert.deepEqual(keysAt(["shares", 3, "members"]), []);
  });

  it("malformed YAML, duplicate keys, empty files and non-mappings are clear errors", () => {
    const cases: Array<[string, string, RegExp]> = [
      ["bad.yaml", "profile: [\n", /not valid YAML/],
      ["dup.yaml", "profile: alicloud\nprofile: tencentcloud\n", /duplicate key "profile"/],
      ["empty.yaml", "", /the file is empty/],
      ["blank.yaml", "  \n# only a comment\n\n", /holds no topology|is empty/],
      ["list.yaml", "- a\n- b\n", /expected a mapping .* got a list/],
      ["scalar.yaml", "hello\n", /expected a mapping/],
      ["bad.json", '{"profile": "alicloud",\n "accounts": {}\n "images": {}}', /not valid JSON/],
      ["dup.json", '{"profile": "alicloud", "accounts": {}, "images": {}, "images": {}}', /duplicate key "images"/],
      ["tabs.yaml", "profile: huaweicloud\naccounts:\n\tx: 1\n", /not valid YAML/],
      ["alias.yaml", "a: &a [1, 2]\nb: [*a, *a, *a]\n", /unknown key "a"/],
    ];
    for (const [name, text, re] of cases) {
      const errors = errorsOf(loadTopologyText(text, name));
      assert.ok(errors.length > 0);
      assert.ok(errors.some((e) => re.test(e.message)), `${name}: ${errors.map(formatInputError).join("; ")}`);
      for (const e of errors) assert.doesNotMatch(e.message, /\n\s+at /, "no stack trace");
    }
    // One key spelt two ways, and a duplicate among many keys.
    const escaped = errorsOf(loadTopologyText('{"profile": "alicloud", "accounts": {}, "images": {}, "\\u0070rofile": "x"}', "e.json"))[0];
    assert.equal(escaped.message, 'duplicate key "profile"');
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, { id: "1" }]));
    const manyText = JSON.stringify({ profile: "alicloud", images: {}, accounts: many }).replace('"k39"', '"k7"');
    const [m] = errorsOf(loadTopologyText(manyText, "m.json"));
    assert.equal(`${m.path} ${m.message}`, 'accounts duplicate key "k7"');
    assert.equal(m.column, manyText.lastIndexOf('"k7"') + 1);
    const dupJson = errorsOf(loadTopologyText('{"profile": "alicloud",\n "accounts": {"a": {"id": "1"}, "a": {"id": "2"}}, "images": {}}', "d.json"))[0];
    assert.equal(dupJson.path, "accounts");
    assert.equal(dupJson.line, 2);
  });

  it("dangling references, duplicate names, foreign projects and copy cycles", () => {
    const text =
      BASE.replace("    name: golden\n", "    name: golden\n    project: team-a-bj\n") +
      `  orphan: { region: cn-north-4 }
shares:
  - { name: s, image: goldn, by: nobody, members: [{ account: team-a, project: platform-bj }] }
  - { name: s, image: golden, members: [team-a] }
acceptances:
  - { name: a, image: golden, member: ghost, status: accepted }
copies:
  - { name: c1, source: c2p, region: cn-north-4, as: c1p }
  - { name: c2, source: c1p, region: cn-north-4, as: c2p }
  - { name: c3, source: golden, region: cn-south-1, as: golden }
  - { name: c4, source: nothing, region: cn-south-1, by: team-z, as: x }
`;
    const errors = errorsOf(loadTopologyText(text + "trust: [vendr]\n", "t.yaml"));
    const got = errors.map((e) => `${e.path}: ${e.message}`);
    const expect: Array<[string, RegExp]> = [
      ["images.golden.project", /"team-a-bj" is not a project of the owner, account "platform"/],
      ["images.orphan", /no id and no copy produces it/],
      ["shares[0].image", /unknown image "goldn"/],
      ["shares[0].by", /unknown account "nobody"/],
      ["shares[0].members[0].project", /"platform-bj" is not a project of account "team-a"/],
      ["shares[1].name", /duplicate name "s"/],
      ["acceptances[0].member", /unknown account "ghost"/],
      ["copies[0].source", /cycle of copies/],
      ["copies[1].source", /cycle of copies/],
      ["copies[2].as", /already exists/],
      ["copies[3].source", /unknown image "nothing"/],
      ["copies[3].by", /unknown account "team-z"/],
      ["trust[0]", /unknown account "vendr"/],
    ];
    for (const [p, re] of expect) assert.ok(errors.some((e) => e.path === p && re.test(e.message)), `${p} ${re}\n${got.join("\n")}`);
    // In the order of the file.
    const lines = errors.map((e) => e.line ?? 0);
    assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  });

  it("checks the clouds' id formats per profile", () => {
    const bad = BASE.replace('"923a7369-94e3-4f91-9a61-dbe22e44158b"', '"img-6pb6lrmy"').replace('"922766581e27a1c08a6a63ec24ede6a4"', '"not-hex"').replace("region: cn-north-4\n    owner", "region: CN_North\n    owner");
    const errors = errorsOf(loadTopologyText(bad, "t.yaml"));
    assert.ok(errors.some((e) => e.path === "images.golden.id" && /not a valid huaweicloud image id: expected a UUID/.test(e.message)));
    assert.ok(errors.some((e) => e.path === "accounts.platform.projects.platform-bj.id" && /32 hex/.test(e.message)));
    assert.ok(errors.some((e) => e.path === "images.golden.region" && /not a valid huaweicloud region/.test(e.message)));
    const tencent = `profile: tencentcloud
accounts: { a: { id: "100012345678" }, b: { id: "alice" } }
images: { i: { id: "m-bp1g7004ksh0oeuc0a1b", region: ap-guangzhou, owner: a, kind: system, name: n } }
`;
    const t = errorsOf(loadTopologyText(tencent, "t.yaml"));
    assert.ok(t.some((e) => e.path === "accounts.b.id" && /numeric account id/.test(e.message)));
    assert.ok(t.some((e) => e.path === "images.i.id" && /img-/.test(e.message)));
  });

  it("opentelekomcloud: a bare account with several projects in the image's region must name one", () => {
    const text = `profile: opentelekomcloud
accounts:
  p: { id: "6513270e269e0d37f2a74de452e6b438", projects: { p-de: { id: "d23f0824128b2f330c5c7fd0a6a3a450", region: eu-de } } }
  t: { id: "36f675cc81e74ef5e8e25d940ed90475", projects: { t1: { id: "6b0d549b6f03675a1600a35a099950d8", region: eu-de }, t2: { id: "8d116ece1738f7d93d9c172411e20b8f", region: eu-de } } }
images:
  g: { id: "923a7369-94e3-4f91-9a61-dbe22e44158b", region: eu-de, owner: p, kind: system, name: g }
shares:
  - { name: s, image: g, members: [t] }
`;
    const [e] = errorsOf(loadTopologyText(text, "otc.yaml"));
    assert.equal(e.path, "shares[0].members[0]");
    assert.match(e.message, /several projects in eu-de \(t1, t2\)/);
    ok(loadTopologyText(text.replace("members: [t]", "members: [{ account: t, project: t1 }]"), "otc.yaml"));
  });

  it("a copy's product declared under images must agree with the copy; omitted fields come from it", () => {
    const text = BASE + `  golden-gz: { name: golden-gz, description: "for Guangzhou" }
copies:
  - { name: c, source: golden, region: cn-south-1, as: golden-gz }
`;
    const r = ok(loadTopologyText(text, "t.yaml"));
    const img = r.topology.images["golden-gz"];
    assert.equal(img.region, "cn-south-1");
    assert.equal(img.owner, "platform");
    assert.equal(img.kind, "system");
    const bad = errorsOf(loadTopologyText(text.replace('name: golden-gz, description', "name: golden-gz, region: cn-north-4, kind: data, description"), "t.yaml"));
    assert.ok(bad.some((e) => e.path === "images.golden-gz.region"));
    assert.ok(bad.some((e) => e.path === "images.golden-gz.kind"));
  });

  it("files: missing, a directory, and a 50 MB file are clear errors, never a crash", () => {
    const missing = errorsOf(loadTopologyFile(path.join(dir, "nope.yaml")))[0];
    assert.match(missing.message, /no such file/);
    const sub = path.join(dir, "sub.yaml");
    mkdirSync(sub);
    assert.match(errorsOf(loadTopologyFile(sub))[0].message, /directory/);
    // 50 MB of syntactically fine YAML (a long comment): refused by size before reading.
    const big = path.join(dir, "big.yaml");
    const fd = openSync(big, "w");
    const chunk = Buffer.from(("# " + "x".repeat(1021) + "\n").repeat(1024));
    for (let i = 0; i < 50; i++) writeSync(fd, chunk);
    closeSync(fd);
    const [e] = errorsOf(loadTopologyFile(big));
    assert.match(e.message, /the file is 50\.0 MB, larger than the 48\.0 MB a topology file may have/);
    // Below the limit the same size is read and checked like any file.
    const r = loadTopologyFile(big, { maxBytes: 60 * 1024 * 1024 });
    assert.match(errorsOf(r)[0].message, /holds no topology|is empty/);
  });

  it("positions locate a violation's path", () => {
    const text = BASE + "shares:\n  - name: s\n    image: golden\n    members: [team-a]\n  - { name: t, image: golden, members: [team-a] }\n";
    const r = ok(loadTopologyText(text, "t.yaml"));
    const v = validate(r.topology).find((x) => x.rule === "member-conflict");
    assert.ok(v?.path);
    assert.deepEqual(v.path, ["shares", 1, "members", 0]);
    assert.deepEqual(r.positions.locate(v.path!), { line: 22, column: 41 });
    assert.deepEqual(r.positions.locate(["shares", 0, "image"]), { line: 20, column: 5 });
    // A path below what exists: the deepest existing node.
    assert.deepEqual(r.positions.locate(["shares", 0, "members", 9]), { line: 21, column: 14 });
  });

  it("every rule's documented snippets are valid topology files", () => {
    for (const rule of RULES) {
      for (const which of ["failing", "passing"] as const) {
        const r = loadTopologyText(rule.docs[which], `${rule.id}.${which}.yaml`);
        if ("errors" in r) assert.fail(`${rule.id} ${which}: ${r.errors.map(formatInputError).join("; ")}`);
      }
    }
  });
});
