import assert = require("node:assert/strict");
import { OTHER_REGION, REGION, of, topology } from "./fixtures";

describe("copy-of-shared-image", () => {
  for (const p of ["alicloud", "tencentcloud"] as const) {
    it(`${p}: fails the recipient's cross-region copy (copy it in its region first), passes its in-region copy and the copy of that copy`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      t.copies.push({ name: "a-copies", source: "golden", region: OTHER_REGION[p], by: "team-a", as: "golden-x" });
      const [v, ...rest] = of("copy-of-shared-image", t);
      assert.equal(rest.length, 0);
      assert.equal(v.severity, "error");
      assert.equal(v.resource, "a-copies");
      assert.deepEqual(v.path, ["copies", 0]);
      assert.match(v.message, new RegExp(`straight from ${REGION[p]} to ${OTHER_REGION[p]}; .* copies a shared image only within its own region, where the copy becomes team-a's own image`));
      assert.match(v.fix ?? "", new RegExp(`copy it in its region first \\(a copy with source: golden, by: team-a, region: ${REGION[p]}\\), then copy that image to ${OTHER_REGION[p]}; or have platform copy image golden`));
      // The fix, applied: the in-region copy is team-a's own image, copied on to the other region.
      t.copies = [
        { name: "a-copies-here", source: "golden", region: REGION[p], by: "team-a", as: "golden-a" },
        { name: "a-copies-on", source: "golden-a", region: OTHER_REGION[p], by: "team-a", as: "golden-x" },
      ];
      assert.deepEqual(of("copy-of-shared-image", t), []);
      assert.deepEqual(of("copy-same-region", t), [], "a shared image copied into its own region is no same-region copy of an owned image");
    });
  }

  it("huaweicloud: fails the recipient's cross-region copy, passes its in-region replicate and the copy of that replicate", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "straight", source: "golden", region: "cn-south-1", by: "team-a", as: "golden-x" });
    const [v] = of("copy-of-shared-image", t);
    assert.equal(v.resource, "straight");
    assert.match(v.message, /must first be replicated to a private image in its own region/);
    assert.match(v.fix ?? "", /replicate it first \(a copy with source: golden, by: team-a, region: cn-north-4\)/);
    t.copies = [
      { name: "replicate", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" },
      { name: "then-copy", source: "golden-a", region: "cn-south-1", by: "team-a", as: "golden-x" },
    ];
    assert.deepEqual(of("copy-of-shared-image", t), []);
  });

  it("opentelekomcloud: a recipient's cross-region copy is cross-region-copy-unsupported, not this rule (the replica could not go either)", () => {
    const t = topology("opentelekomcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "straight", source: "golden", region: "eu-nl", by: "team-a", as: "golden-x" });
    assert.deepEqual(of("copy-of-shared-image", t), []);
    assert.equal(of("cross-region-copy-unsupported", t).length, 1);
  });

  for (const p of ["huaweicloud", "alicloud", "tencentcloud"] as const) {
    it(`${p}: passes the owner's copy to another region, shared afterwards`, () => {
      const t = topology(p);
      t.copies.push({ name: "own", source: "golden", region: OTHER_REGION[p], as: "golden-x" });
      t.shares.push({ name: "s", image: "golden-x", members: ["team-a"] });
      assert.deepEqual(of("copy-of-shared-image", t), []);
    });
  }
});
