/**
 * The copy rules per cloud at check (what `pulumi preview` runs), through the real
 * dynamic-provider host on the emulator: a CrossRegionCopy that the cloud would refuse fails
 * Check with the rule id on the property to change and the fix; the ones the cloud makes pass.
 * Nothing is copied at check.
 */
import assert = require("node:assert/strict");
import { crossRegionCopyProvider } from "../../provider/resources/crossRegionCopy";
import type { ProfileId } from "../../provider/rules/model";
import { PROVIDER_KEY, serializeProvider } from "../harness/host";
import { regionsOf, useHost, type World } from "../harness/world";

describe("copy rules per cloud at check through the dynamic-provider host (CrossRegionCopy)", function () {
  this.timeout(60_000);
  const fx = useHost();
  let copyText: string;
  before(async () => {
    copyText = await serializeProvider(crossRegionCopyProvider);
  });

  /** A copy of the world's image to `targetRegion`, by its owner or (shared, accepted) by recipient 0. */
  const copy = (w: World, by: "owner" | "recipient", targetRegion: string) => {
    const r = w.recipients[0];
    if (by === "recipient") w.emulator.addMembersDirectly(w.imageId, [{ ...w.member(0), status: "accepted" }]);
    const who = by === "owner" ? { account: w.owner, ...(w.ownerProject ? { project: w.ownerProject } : {}) } : { account: r.account, ...(r.project ? { project: r.project } : {}) };
    return { profile: w.profile, region: w.region, ...who, connection: { backend: "emulator", emulatorPath: w.db }, sourceImageId: w.imageId, targetRegion, [PROVIDER_KEY]: copyText };
  };
  const verdict = async (profile: ProfileId, by: "owner" | "recipient", where: "same" | "other") => {
    const w = fx.world(profile);
    const [here, there] = regionsOf(profile);
    const { failures } = await fx.host.check({}, copy(w, by, where === "same" ? here : there));
    assert.equal(w.emulator.snapshot().images.length, 1, "check copies nothing");
    return failures;
  };

  it("a misspelt targetRegion fails check on targetRegion with a did-you-mean; the stack's regions accepts a region newer than the table", async () => {
    const w = fx.world("alicloud");
    const news = copy(w, "owner", "cn-shangai");
    const { failures } = await fx.host.check({}, news);
    assert.deepEqual(failures.map((f) => f.property), ["targetRegion"]);
    assert.match(failures[0].reason, /unknown alicloud region "cn-shangai" \(did you mean "cn-shanghai"\?\)/);
    // Added by the stack (a topology file's regions:, a resource's regions): the copy checks as usual.
    const added = await fx.host.check({}, { ...news, stack: { shares: [], acceptances: [], copies: [], regions: ["cn-shangai"] } });
    assert.deepEqual(added.failures, []);
  });

  it("alicloud: a recipient's cross-region copy of a shared image fails copy-of-shared-image (copy it in its region first); its in-region copy passes", async () => {
    const [failure, ...rest] = await verdict("alicloud", "recipient", "other");
    assert.equal(rest.length, 0);
    assert.equal(failure.property, "sourceImageId");
    assert.match(failure.reason, /^\[copy-of-shared-image\] .*Alibaba Cloud copies a shared image only within its own region/);
    assert.match(failure.reason, /Fix: copy it in its region first \(a copy with source: .*, region: cn-hangzhou\), then copy that image to cn-shanghai/);
    assert.deepEqual(await verdict("alicloud", "recipient", "same"), []);
  });

  it("tencentcloud: a shared image synced into its source region passes; to another region fails copy-of-shared-image; an owned image to its own region fails copy-same-region", async () => {
    assert.deepEqual(await verdict("tencentcloud", "recipient", "same"), []);
    const [shared] = await verdict("tencentcloud", "recipient", "other");
    assert.equal(shared.property, "sourceImageId");
    assert.match(shared.reason, /^\[copy-of-shared-image\] .*Fix: copy it in its region first/);
    const [own] = await verdict("tencentcloud", "owner", "same");
    assert.equal(own.property, "targetRegion");
    assert.match(own.reason, /^\[copy-same-region\] .*Fix: copy to another region/);
    assert.deepEqual(await verdict("tencentcloud", "owner", "other"), []);
  });

  it("opentelekomcloud: a cross-region copy, the owner's or a recipient's, fails cross-region-copy-unsupported on targetRegion; in-region replicates pass", async () => {
    for (const by of ["owner", "recipient"] as const) {
      const [failure, ...rest] = await verdict("opentelekomcloud", by, "other");
      assert.equal(rest.length, 0, JSON.stringify(rest));
      assert.equal(failure.property, "targetRegion");
      assert.match(failure.reason, /^\[cross-region-copy-unsupported\] .*from eu-de to eu-nl; Open Telekom Cloud IMS copies images only within a region/);
      assert.match(failure.reason, /Fix: copy within eu-de/);
      assert.deepEqual(await verdict("opentelekomcloud", by, "same"), []);
    }
  });
});
