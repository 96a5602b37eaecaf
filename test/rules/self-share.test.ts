import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("self-share", () => {
  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: the project holding the image fails, another project of the owner in the same region passes`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: [{ account: "platform", project: "platform-main" }] });
      const [v] = of("self-share", t);
      assert.equal(v.severity, "error");
      assert.match(v.message, /the project platform-main that holds it/);
      assert.match(v.fix ?? "", /platform-dev/);
      t.shares[0].members = [{ account: "platform", project: "platform-dev" }];
      assert.deepEqual(of("self-share", t), []);
    });
  }

  it("huaweicloud: the bare owner account fails", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a", "platform"] });
    const [v] = of("self-share", t);
    assert.deepEqual(v.path, ["shares", 0, "members", 1]);
    assert.match(v.message, /its owner platform/);
  });

  it("opentelekomcloud: the bare owner account is its project in the region: a self-share when that project holds the image", () => {
    const t = topology("opentelekomcloud");
    delete t.accounts.platform.projects!["platform-dev"];
    t.shares.push({ name: "s", image: "golden", members: ["platform"] });
    assert.equal(of("self-share", t).length, 1);
  });

  for (const p of ["alicloud", "tencentcloud"] as const) {
    it(`${p}: the owner's account fails, another account passes`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["platform"] });
      assert.equal(of("self-share", t).length, 1);
      t.shares[0].members = ["team-a"];
      assert.deepEqual(of("self-share", t), []);
    });
  }

  it("applies to a copy's product: the copier owns it", () => {
    const t = topology("alicloud");
    t.copies.push({ name: "c", source: "golden", region: "cn-shanghai", as: "golden-sh" });
    t.shares.push({ name: "s", image: "golden-sh", members: ["platform"] });
    assert.equal(of("self-share", t).length, 1);
  });
});
