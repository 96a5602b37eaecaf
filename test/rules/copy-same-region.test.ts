import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("copy-same-region", () => {
  it("tencentcloud: fails a copy to the source's own region, passes another region", () => {
    const t = topology("tencentcloud");
    t.copies.push({ name: "same", source: "golden", region: "ap-guangzhou", as: "golden-2" });
    const [v] = of("copy-same-region", t);
    assert.equal(v.severity, "error");
    assert.deepEqual(v.path, ["copies", 0, "region"]);
    t.copies[0].region = "ap-shanghai";
    assert.deepEqual(of("copy-same-region", t), []);
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
