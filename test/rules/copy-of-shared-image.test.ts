import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("copy-of-shared-image", () => {
  it("tencentcloud: fails any copy of a shared image by the recipient, with the owner-copies fix", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.copies.push({ name: "a-copies", source: "golden", region: "ap-shanghai", by: "team-a", as: "golden-sh" });
    const [v] = of("copy-of-shared-image", t);
    assert.equal(v.severity, "error");
    assert.equal(v.resource, "a-copies");
    assert.match(v.message, /Tencent Cloud cannot copy a shared image/);
    assert.match(v.fix ?? "", /have the owner platform copy image golden to ap-shanghai .* then share that copy with team-a/);
  });

  it("tencentcloud: passes the owner's copy", () => {
    const t = topology("tencentcloud");
    t.copies.push({ name: "own", source: "golden", region: "ap-shanghai", as: "golden-sh" });
    t.shares.push({ name: "s", image: "golden-sh", members: ["team-a"] });
    assert.deepEqual(of("copy-of-shared-image", t), []);
  });

  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: fails the recipient's cross-region copy, passes its in-region replicate and the copy of that replicate`, () => {
      const t = topology(p);
      const region = t.images.golden.region;
      const other = p === "huaweicloud" ? "cn-south-1" : "eu-nl";
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
      t.copies.push({ name: "straight", source: "golden", region: other, by: "team-a", as: "golden-x" });
      const [v] = of("copy-of-shared-image", t);
      assert.equal(v.resource, "straight");
      assert.match(v.fix ?? "", new RegExp(`a copy with source: golden, by: team-a, region: ${region}`));
      t.copies = [
        { name: "replicate", source: "golden", region, by: "team-a", as: "golden-a" },
        { name: "then-copy", source: "golden-a", region: other, by: "team-a", as: "golden-x" },
      ];
      assert.deepEqual(of("copy-of-shared-image", t), []);
    });
  }

  it("alicloud: the seeds are silent, no rule", () => {
    const t = topology("alicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.copies.push({ name: "a-copies", source: "golden", region: "cn-shanghai", by: "team-a", as: "golden-sh" });
    assert.deepEqual(of("copy-of-shared-image", t), []);
  });
});
