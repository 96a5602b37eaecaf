import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("share-chain", () => {
  const chain = (p: "huaweicloud" | "opentelekomcloud") => {
    const t = topology(p);
    const region = t.images.golden.region;
    t.shares.push({ name: "to-a", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "a-replicates", source: "golden", region, by: "team-a", as: "golden-a" });
    return t;
  };

  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: warns when the recipient shares its replica on (not reshare-forbidden)`, () => {
      const t = chain(p);
      t.shares.push({ name: "a-shares-on", image: "golden-a", members: ["team-b"] });
      const [v] = of("share-chain", t);
      assert.equal(v.severity, "warning");
      assert.equal(v.resource, "a-shares-on");
      assert.match(v.message, /golden-a is a copy of image golden, which platform shared with team-a/);
      assert.deepEqual(of("reshare-forbidden", t), []);
    });
  }

  it("follows a chain of copies (replicate, then copy to another region)", () => {
    const t = chain("huaweicloud");
    t.copies.push({ name: "a-to-gz", source: "golden-a", region: "cn-south-1", by: "team-a", as: "golden-a-gz" });
    t.shares.push({ name: "a-shares-gz", image: "golden-a-gz", members: ["team-b"] });
    assert.equal(of("share-chain", t).length, 1);
  });

  it("passes the owner's own copies and a replica shared only with the copier's own projects", () => {
    const t = chain("huaweicloud");
    t.shares.push({ name: "a-internal", image: "golden-a", members: [{ account: "team-a", project: "team-a-other" }] });
    t.copies.push({ name: "own", source: "golden", region: "cn-south-1", as: "golden-gz" });
    t.shares.push({ name: "own-share", image: "golden-gz", members: ["team-b"] });
    assert.deepEqual(of("share-chain", t), []);
  });

  it("does not apply on alicloud / tencentcloud", () => {
    const t = topology("alicloud");
    t.shares.push({ name: "to-a", image: "golden", members: ["team-a"] });
    t.copies.push({ name: "a-copies", source: "golden", region: "cn-hangzhou", by: "team-a", as: "golden-a" });
    t.shares.push({ name: "a-shares-on", image: "golden-a", members: ["team-b"] });
    assert.deepEqual(of("share-chain", t), []);
  });
});
