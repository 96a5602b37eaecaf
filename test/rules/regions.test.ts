/**
 * Region names per cloud (docs/sources.md, "Region tables"): a misspelt region in a topology file
 * is an input error at its place with a did-you-mean (exit 2 from the spawned `validate`), in an
 * image, a project and a copy; the file's `regions:` adds a region the table does not know yet;
 * the resources' check fails a misspelt `region` / `targetRegion` the same way, and the stack's
 * `regions` lifts it. The tables agree with the backend's endpoint table where one exists.
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { OTC_IMS_ENDPOINTS } from "../../provider/backends/huaweicloud/config";
import { shapeFailures } from "../../provider/resources/provider/inputs";
import { PULUMI_UNKNOWN } from "../../provider/resources/wire";
import { PROFILE_IDS, PROFILES, REGION_TABLES, knownRegion } from "../../provider/rules";
import { formatInputError, loadTopologyText } from "../../provider/topology/load";

const ROOT = path.join(__dirname, "..", "..");

const HUAWEI = (region: string, projectRegion: string, copyRegion: string, extra = "") => `profile: huaweicloud
${extra}accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: ${projectRegion} }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: ${region}, owner: platform, kind: system, name: golden }
copies:
  - { name: to-gz, source: golden, region: ${copyRegion}, as: golden-gz }
`;

const errorsOf = (text: string) => {
  const r = loadTopologyText(text, "t.yaml");
  return "errors" in r ? r.errors.map(formatInputError) : [];
};

describe("region tables", () => {
  it("every profile has a region table with its source in docs/sources.md, read through the profile table", () => {
    for (const p of PROFILE_IDS) {
      assert.ok(PROFILES[p].regions.length > 0, p);
      assert.deepEqual(PROFILES[p].regions, REGION_TABLES[p].regions);
      assert.deepEqual(PROFILES[p].sources.regions, [REGION_TABLES[p].source]);
      assert.equal(new Set(PROFILES[p].regions).size, PROFILES[p].regions.length, `${p}: a region listed twice`);
    }
  });

  it("opentelekomcloud: the regions are those of the backend's IMS endpoint table", () => {
    assert.deepEqual([...PROFILES.opentelekomcloud.regions].sort(), Object.keys(OTC_IMS_ENDPOINTS).sort());
  });

  it("a misspelt region is an input error at its place with a did-you-mean: an image's, a project's, a copy's destination", () => {
    assert.deepEqual(errorsOf(HUAWEI("cn-north-4", "cn-north-4", "cn-south-1")), []);
    const errors = errorsOf(HUAWEI("cn-nort-4", "cn-north-44", "cn-sout-1"));
    assert.equal(errors.length, 3, errors.join("\n"));
    assert.match(errors[0], /^t\.yaml:6:\d+ accounts\.platform\.projects\.platform-bj\.region: unknown huaweicloud region "cn-north-44" \(did you mean "cn-north-4"\?\): not in Huawei Cloud's region table \(docs\/sources\.md, Huawei Cloud IMS regions\); if it is a region newer than the table, add it to the file's regions: list$/);
    assert.match(errors[1], /^t\.yaml:8:\d+ images\.golden\.region: unknown huaweicloud region "cn-nort-4" \(did you mean "cn-north-4"\?\)/);
    assert.match(errors[2], /^t\.yaml:10:\d+ copies\[0\]\.region: unknown huaweicloud region "cn-sout-1" \(did you mean "cn-south-1"\?\)/);
  });

  it("the file's regions: adds regions the table does not know yet; its entries are checked as region ids", () => {
    const text = HUAWEI("cn-north-99", "cn-north-99", "cn-south-1", "regions: [cn-north-99]\n");
    assert.deepEqual(errorsOf(text), []);
    const loaded = loadTopologyText(text, "t.yaml");
    assert.ok(!("errors" in loaded));
    assert.deepEqual(loaded.topology.regions, ["cn-north-99"]);
    const bad = errorsOf(HUAWEI("cn-north-4", "cn-north-4", "cn-south-1", "regions: [North_4]\n"));
    assert.equal(bad.length, 1);
    assert.match(bad[0], /^t\.yaml:2:\d+ regions\[0\]: "North_4" is not a valid huaweicloud region/);
  });

  it("each cloud checks its own regions: an image of another profile in the file, and a project region any profile of the file knows", () => {
    const text = `profile: alicloud
accounts:
  a: { id: "1234567890123456" }
images:
  golden: { id: "m-bp1g7004ksh0oeuc9ab1", region: cn-hangzhou, owner: a, kind: system, name: g }
  tc: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: a, kind: system, name: t, profile: tencentcloud }
  tc-bad: { id: "img-8tbqf3vf", region: cn-hangzhou, owner: a, kind: system, name: t, profile: tencentcloud }
`;
    const errors = errorsOf(text);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /images\.tc-bad\.region: unknown tencentcloud region "cn-hangzhou"/);
  });

  it("validate (spawned) exits 2 on a misspelt region, naming file:line and the fix; 0 with the region added", function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(tmpdir(), "image-share-regions-"));
    try {
      const file = path.join(dir, "t.yaml");
      writeFileSync(file, HUAWEI("cn-north-4", "cn-north-4", "cn-southh-1"));
      const r = spawnSync(process.execPath, ["cli.js", "validate", file], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /t\.yaml:10:\d+ copies\[0\]\.region: unknown huaweicloud region "cn-southh-1" \(did you mean "cn-south-1"\?\)/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      writeFileSync(file, HUAWEI("cn-north-4", "cn-north-4", "cn-southh-1", "regions: [cn-southh-1]\n"));
      const ok = spawnSync(process.execPath, ["cli.js", "validate", file], { cwd: ROOT, encoding: "utf8" });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the resources' check: a misspelt region or targetRegion is a failure on that property with a did-you-mean; the stack's regions lifts it", () => {
    const copy = { profile: "alicloud", region: "cn-hangzhou", account: "1234567890123456", sourceImageId: "m-bp1g7004ksh0oeuc9ab1", targetRegion: "cn-shangai" };
    const [f, ...rest] = shapeFailures("CrossRegionCopy", copy);
    assert.equal(rest.length, 0);
    assert.equal(f.property, "targetRegion");
    assert.match(f.reason, /^CrossRegionCopy: targetRegion: unknown alicloud region "cn-shangai" \(did you mean "cn-shanghai"\?\): not in Alibaba Cloud's region table .* add it to the resource's regions$/);
    assert.deepEqual(shapeFailures("CrossRegionCopy", { ...copy, stack: { shares: [], acceptances: [], copies: [], regions: ["cn-shangai"] } }), []);
    const share = { profile: "tencentcloud", region: "ap-guangzou", account: "100000000001", imageId: "img-8tbqf3ve", members: [] };
    assert.deepEqual(
      shapeFailures("ImageShare", share).map((x) => x.property),
      ["region"],
    );
    assert.deepEqual(shapeFailures("ImageShare", { ...share, region: "ap-guangzhou" }), []);
    assert.deepEqual(shapeFailures("ImageShare", { ...share, region: PULUMI_UNKNOWN }), [], "an unknown region (preview) waits");
    assert.ok(knownRegion("opentelekomcloud", "eu-ch2") && !knownRegion("opentelekomcloud", "eu-ch3") && knownRegion("opentelekomcloud", "eu-ch3", ["eu-ch3"]));
  });
});
