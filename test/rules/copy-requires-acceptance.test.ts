import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("copy-requires-acceptance", () => {
  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: fails a recipient's replicate without acceptance, passes with one`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      t.copies.push({ name: "a-replicates", source: "golden", region: t.images.golden.region, by: "team-a", as: "golden-a" });
      const [v] = of("copy-requires-acceptance", t);
      assert.equal(v.severity, "error");
      assert.equal(v.resource, "a-replicates");
      assert.deepEqual(v.path, ["copies", 0, "by"]);
      assert.match(v.message, /without having accepted it/);
      assert.match(v.fix ?? "", /acceptance \{ image: golden, member: team-a, status: accepted \}/);
      t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
      assert.deepEqual(of("copy-requires-acceptance", t), []);
    });
  }

  it("fails after a rejection, passes when the cloud reports the member accepted", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-rejects", image: "golden", member: "team-a", status: "rejected" });
    t.copies.push({ name: "a-replicates", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" });
    assert.equal(of("copy-requires-acceptance", t).length, 1);
    t.acceptances = [];
    assert.deepEqual(of("copy-requires-acceptance", t, { images: { golden: { members: [{ member: "team-a", status: "accepted" }] } } }), []);
  });

  it("reads the copier's status from existingMembers offline", () => {
    const t = topology("huaweicloud");
    t.copies.push({ name: "a-replicates", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" });
    t.images.golden.existingMembers = [{ account: "team-a", status: "accepted" }];
    assert.deepEqual(of("copy-requires-acceptance", t), []);
    t.images.golden.existingMembers = [{ account: "team-a" }]; // pending by default on huaweicloud
    assert.match(of("copy-requires-acceptance", t)[0].message, /without having accepted it/);
  });

  it("says when the image is not even shared with the copier", () => {
    const t = topology("huaweicloud");
    t.copies.push({ name: "a-replicates", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" });
    const [v] = of("copy-requires-acceptance", t);
    assert.match(v.message, /not shared with team-a/);
    assert.match(v.fix ?? "", /share image golden with team-a/);
  });

  it("passes the owner's own copy, and does not apply on alicloud / tencentcloud", () => {
    const t = topology("huaweicloud");
    t.copies.push({ name: "own", source: "golden", region: "cn-south-1", as: "golden-gz" });
    assert.deepEqual(of("copy-requires-acceptance", t), []);
    for (const p of ["alicloud", "tencentcloud"] as const) {
      const u = topology(p);
      u.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      u.copies.push({ name: "a-copies", source: "golden", region: "somewhere", by: "team-a", as: "golden-a" });
      assert.deepEqual(of("copy-requires-acceptance", u), []);
    }
  });
});
