import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("copy-same-region", () => {
  it("tencentcloud: fails a copy of an owned image to its own region, passes another region", () => {
    const t = topology("tencentcloud");
    t.copies.push({ name: "same", source: "golden", region: "ap-guangzhou", as: "golden-2" });
    const [v] = of("copy-same-region", t);
    assert.equal(v.severity, "error");
    assert.deepEqual(v.path, ["copies", 0, "region"]);
    assert.match(v.message, /Tencent Cloud copies images only to other regions/);
    t.copies[0].region = "ap-shanghai";
    assert.deepEqual(of("copy-same-region", t), []);
  });

  it("tencentcloud: passes a recipient syncing a shared image into its source region (it becomes the recipient's image); fails that image synced into the same region again", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.copies.push({ name: "a-syncs", source: "golden", region: "ap-guangzhou", by: "team-a", as: "golden-a" });
    assert.deepEqual(of("copy-same-region", t), []);
    assert.deepEqual(of("copy-of-shared-image", t), []);
    // An owner naming itself as the copier is still the owner.
    t.copies.push({ name: "again", source: "golden-a", region: "ap-guangzhou", by: "team-a", as: "golden-a2" });
    t.copies.push({ name: "own-explicit", source: "golden", region: "ap-guangzhou", by: "platform", as: "golden-2" });
    assert.deepEqual(
      of("copy-same-region", t).map((v) => v.resource),
      ["again", "own-explicit"],
    );
  });

  it("uses the region of a copy's product as the next copy's source region", () => {
    const t = topology("tencentcloud");
    t.copies.push({ name: "to-sh", source: "golden", region: "ap-shanghai", as: "golden-sh" });
    t.copies.push({ name: "sh-again", source: "golden-sh", region: "ap-shanghai", as: "golden-sh2" });
    const [v] = of("copy-same-region", t);
    assert.equal(v.resource, "sh-again");
  });

  for (const p of ["huaweicloud", "opentelekomcloud", "alicloud"] as const) {
    it(`${p}: a same-region copy is allowed (in-region replicate / copy)`, () => {
      const t = topology(p);
      t.copies.push({ name: "same", source: "golden", region: t.images.golden.region, as: "golden-2" });
      assert.deepEqual(of("copy-same-region", t), []);
    });
  }
});
