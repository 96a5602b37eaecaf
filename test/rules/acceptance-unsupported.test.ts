import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("acceptance-unsupported", () => {
  for (const p of ["alicloud", "tencentcloud"] as const) {
    it(`${p}: fails any acceptance, accepted or rejected`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a", "team-b"] });
      t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
      t.acceptances.push({ name: "b-rejects", image: "golden", member: "team-b", status: "rejected" });
      const found = of("acceptance-unsupported", t);
      assert.deepEqual(
        found.map((v) => [v.resource, v.severity, v.profile]),
        [
          ["a-accepts", "error", p],
          ["b-rejects", "error", p],
        ],
      );
      assert.match(found[0].message, /has no acceptance step/);
      assert.match(found[1].fix ?? "", /remove it from the share's members/);
    });
  }

  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: passes (acceptance is a step there)`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
      assert.deepEqual(of("acceptance-unsupported", t), []);
    });
  }

  it("follows the image's profile in a mixed file", () => {
    const t = topology("huaweicloud");
    t.images.ali = { id: "m-1", region: "cn-hangzhou", owner: "platform", kind: "system", name: "ali", profile: "alicloud" };
    t.shares.push({ name: "s", image: "ali", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "ali", member: "team-a", status: "accepted" });
    const [v] = of("acceptance-unsupported", t);
    assert.equal(v.profile, "alicloud");
  });
});
