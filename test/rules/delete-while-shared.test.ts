import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("delete-while-shared", () => {
  it("is an error on alicloud / tencentcloud, a warning on huaweicloud / opentelekomcloud", () => {
    for (const [p, severity] of [
      ["alicloud", "error"],
      ["tencentcloud", "error"],
      ["huaweicloud", "warning"],
      ["opentelekomcloud", "warning"],
    ] as const) {
      const t = topology(p);
      const observed = { images: { golden: { members: [{ member: "team-a", status: "accepted" as const }] } }, deletes: ["golden"] };
      const [v] = of("delete-while-shared", t, observed);
      assert.equal(v.severity, severity, p);
      assert.equal(v.resource, "images.golden");
      assert.match(v.message, /image golden is deleted while it has 1 member/);
    }
  });

  it("needs the current state: nothing without observed deletes", () => {
    const t = topology("alicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    assert.deepEqual(of("delete-while-shared", t), []);
    assert.equal(of("delete-while-shared", t, { deletes: ["golden"] }).length, 1);
  });

  it("passes a deleted image without members, and does not count rejected ones", () => {
    const t = topology("tencentcloud");
    assert.deepEqual(of("delete-while-shared", t, { images: { golden: { members: [] } }, deletes: ["golden"] }), []);
    const h = topology("huaweicloud");
    assert.deepEqual(of("delete-while-shared", h, { images: { golden: { members: [{ member: "team-a", status: "rejected" }] } }, deletes: ["golden"] }), []);
  });

  it("reports a deleted image the topology no longer has from the cloud's members, and a copy's product by its copy", () => {
    const t = topology("alicloud");
    const [v] = of("delete-while-shared", t, { images: { old: { otherMembers: [{ member: "1234", status: "accepted" }] } }, deletes: ["old"] });
    assert.equal(v.resource, "images.old");
    assert.match(v.message, /1234/);
    t.copies.push({ name: "to-sh", source: "golden", region: "cn-shanghai", as: "golden-sh" });
    t.shares.push({ name: "s", image: "golden-sh", members: ["team-a"] });
    const [w] = of("delete-while-shared", t, { deletes: ["golden-sh"] });
    assert.equal(w.resource, "to-sh");
    assert.deepEqual(w.path, ["copies", 0]);
  });
});
