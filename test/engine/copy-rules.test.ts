/**
 * The copy rules per cloud at `pulumi preview`, through the stand-in engine: a program of
 * CrossRegionCopy resources against the emulator. A copy the cloud would refuse fails the preview
 * on the property to change, with the rule id and the fix, and nothing is applied; the copies
 * the cloud makes preview clean (alicloud: a recipient's in-region copy of a shared image;
 * tencentcloud: a shared image synced into its source region, an owned one to another region;
 * opentelekomcloud: an in-region replicate).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProfileId } from "../../provider/rules/model";
import { makeWorld, regionsOf, type World } from "../harness/world";
import { runOperation, type RunResult } from "./engine";
import { makeProject } from "./fixtures";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { CrossRegionCopy } = require("image-share");
for (const c of new pulumi.Config().requireObject("copies")) new CrossRegionCopy(c.name, c.args);
`;

describe("copy rules per cloud at preview through the stand-in engine", function () {
  this.timeout(240_000);
  let dir: string;
  const worlds = {} as Record<"alicloud" | "tencentcloud" | "opentelekomcloud", World>;
  before(() => {
    dir = makeProject({ name: "copies", files: { "index.js": PROGRAM } });
    // One emulator file holds the three clouds' accounts and images (their ids differ by profile).
    for (const p of ["alicloud", "tencentcloud", "opentelekomcloud"] as const) {
      worlds[p] = makeWorld(p, { dir });
      worlds[p].emulator.addMembersDirectly(worlds[p].imageId, [{ ...worlds[p].member(0), status: "accepted" }]);
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A copy of the cloud's image, by its owner or by the recipient it is shared with, to its own region or the other. */
  const copy = (profile: keyof typeof worlds, name: string, by: "owner" | "recipient", where: "same" | "other") => {
    const w = worlds[profile];
    const r = w.recipients[0];
    const who = by === "owner" ? { account: w.owner, ...(w.ownerProject ? { project: w.ownerProject } : {}) } : { account: r.account, ...(r.project ? { project: r.project } : {}) };
    const [here, there] = regionsOf(profile as ProfileId);
    return { name, args: { profile, region: w.region, ...who, connection: { backend: "emulator", emulatorPath: w.db }, sourceImageId: w.imageId, targetRegion: where === "same" ? here : there } };
  };
  const preview = (...copies: ReturnType<typeof copy>[]): Promise<RunResult> =>
    runOperation("preview", { cwd: dir, state: path.join(dir, `${copies[0].name}.json`), config: { "copies:copies": JSON.stringify(copies) } });
  const failure = (r: RunResult, name: string): string => {
    assert.equal(r.ok, false, r.output);
    const d = r.diagnostics.find((x) => x.severity === "error" && x.urn?.endsWith(`::${name}`));
    assert.ok(d, r.output);
    return d.message;
  };

  it("refused copies fail the preview with the rule id, on the property to change, with the fix; the copies the clouds make preview clean", async () => {
    const [aliAway, tcAway, tcOwnHere, otcAway, clean] = await Promise.all([
      preview(copy("alicloud", "ali-away", "recipient", "other")),
      preview(copy("tencentcloud", "tc-away", "recipient", "other")),
      preview(copy("tencentcloud", "tc-own-here", "owner", "same")),
      preview(copy("opentelekomcloud", "otc-away", "owner", "other")),
      preview(
        copy("alicloud", "ali-here", "recipient", "same"),
        copy("tencentcloud", "tc-into-source", "recipient", "same"),
        copy("tencentcloud", "tc-own-away", "owner", "other"),
        copy("opentelekomcloud", "otc-replica", "owner", "same"),
      ),
    ]);
    assert.match(failure(aliAway, "ali-away"), /property sourceImageId .*\[copy-of-shared-image\] .*Alibaba Cloud copies a shared image only within its own region.* Fix: copy it in its region first/);
    assert.match(failure(tcAway, "tc-away"), /property sourceImageId .*\[copy-of-shared-image\] .*Tencent Cloud copies a shared image only within its own region.* Fix: copy it in its region first/);
    assert.match(failure(tcOwnHere, "tc-own-here"), /property targetRegion .*\[copy-same-region\] .* Fix: copy to another region/);
    assert.match(failure(otcAway, "otc-away"), /property targetRegion .*\[cross-region-copy-unsupported\] .*Open Telekom Cloud IMS copies images only within a region.* Fix: copy within eu-de/);
    assert.ok(clean.ok, clean.output);
    assert.deepEqual(
      clean.steps.filter((s) => s.op === "create" && s.urn.includes("CrossRegionCopy")).map((s) => s.urn.split("::").pop()).sort(),
      ["ali-here", "otc-replica", "tc-into-source", "tc-own-away"],
      clean.output,
    );
    for (const r of [aliAway, tcAway, tcOwnHere, otcAway, clean]) assert.ok(!r.steps.some((s) => s.op !== "create" && s.op !== "same"), "a preview applies nothing");
    for (const w of Object.values(worlds)) assert.equal(w.emulator.snapshot().images.filter((i) => i.profile === w.profile).length, 1, "nothing copied");
  });
});
