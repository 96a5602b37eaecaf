/**
 * `preview --policy-pack` end to end through the stand-in engine: a Huawei Cloud program of this
 * package's resources (against the emulator) where every resource's own check passes at preview,
 * and the whole-stack policies find what no single resource can: a recipient sharing on a
 * replica of an image shared with it (share-chain, advisory: the share's image id is not known
 * until the replica exists) and a share with another account's project in another region
 * (cross-region-share, mandatory, with the project's region from the policy config).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as path from "node:path";
import { makeWorld, type World } from "../harness/world";
import { installExamplePack } from "../harness/analyzer";
import { runOperation } from "../engine/engine";
import { makeProject } from "../engine/fixtures";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ImageShare, ShareAcceptance, CrossRegionCopy } = require("image-share");
const c = new pulumi.Config();
const region = c.require("region");
const owner = { profile: "huaweicloud", region, account: c.require("owner"), project: c.require("ownerProject") };
const teamA = { profile: "huaweicloud", region, account: c.require("teamA"), project: c.require("teamAProject") };
const golden = c.require("imageId");
const toTeamA = new ImageShare("golden-to-team-a", { ...owner, imageId: golden, members: [{ type: "project", id: teamA.project }] });
const accepted = new ShareAcceptance("team-a-accepts", { ...teamA, imageId: golden, member: { type: "project", id: teamA.project } }, { dependsOn: [toTeamA] });
const replica = new CrossRegionCopy("team-a-replica", { ...teamA, sourceImageId: golden, targetRegion: region, name: "golden-team-a" }, { dependsOn: [accepted] });
new ImageShare("team-a-shares-replica", { ...teamA, imageId: replica.imageId, members: [{ type: "project", id: c.require("teamBProject") }] });
if (c.get("partnerProject")) new ImageShare("golden-to-partner", { ...owner, imageId: golden, members: [{ type: "project", id: c.require("partnerProject") }] });
`;

describe("preview --policy-pack through the stand-in engine", function () {
  this.timeout(240_000);
  let packDir: string;
  let dir: string;
  let w: World;
  const config = () => ({
    "chain:region": w.region,
    "chain:owner": w.owner,
    "chain:ownerProject": w.ownerProject!,
    "chain:teamA": w.recipients[0].account,
    "chain:teamAProject": w.recipients[0].project!,
    "chain:teamBProject": w.recipients[1].project!,
    "chain:imageId": w.imageId,
  });

  before(() => {
    packDir = installExamplePack();
    dir = makeProject({ name: "chain", files: { "index.js": PROGRAM } });
    w = makeWorld("huaweicloud", { dir });
  });
  after(() => {
    w?.cleanup();
    if (packDir) fs.rmSync(packDir, { recursive: true, force: true });
  });

  it("the resources' checks pass; the pack reports the share chain as advisory and the preview succeeds", async () => {
    const r = await runOperation("preview", { cwd: dir, state: path.join(dir, "state.json"), config: config(), policyPacks: [{ dir: packDir }] });
    assert.ok(r.ok, r.output);
    const chain = (r.policyViolations ?? []).filter((v) => v.policy === "share-chain");
    assert.equal(chain.length, 1, r.output);
    assert.equal(chain[0].level, "advisory");
    assert.match(chain[0].urn ?? "", /::team-a-shares-replica$/);
    assert.match(chain[0].message, /image \(copy team-a-replica\) is a copy of image [^ ]+, which hua-owner shared with hua-r0/);
    assert.deepEqual((r.policyViolations ?? []).filter((v) => v.level === "mandatory"), [], r.output);
    assert.match(r.output, /warning: \[advisory\] image-share@v0\.1\.0 share-chain:/);
  });

  it("a share with another account's project in another region: mandatory cross-region-share, the preview fails", async () => {
    const r = await runOperation("preview", {
      cwd: dir,
      state: path.join(dir, "state.json"),
      config: { ...config(), "chain:partnerProject": "partner-p-gz" },
      policyPacks: [{ dir: packDir, config: { "cross-region-share": { accounts: { partner: { projects: { "partner-p-gz": "cn-south-1" } } } } } }],
    });
    assert.equal(r.ok, false, r.output);
    const m = (r.policyViolations ?? []).filter((v) => v.level === "mandatory");
    assert.deepEqual(m.map((v) => `${v.policy}@${v.urn?.split("::").pop()}`), ["cross-region-share@golden-to-partner"], r.output);
    assert.match(r.output, /error: \[mandatory\] image-share@v0\.1\.0 cross-region-share: [^\n]*\n *share golden-to-partner: member partner\/partner-p-gz is in cn-south-1/);
    assert.match(r.output, /error: preview failed/);
    // Nothing was applied: a preview.
    assert.deepEqual(w.members(), []);
  });
});
