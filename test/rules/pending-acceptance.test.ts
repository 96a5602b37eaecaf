import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("pending-acceptance", () => {
  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: warns once per share, naming the members nothing has accepted`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a", "team-b", "vendor"] });
      t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
      const [v, ...rest] = of("pending-acceptance", t);
      assert.equal(rest.length, 0);
      assert.equal(v.severity, "warning");
      assert.equal(v.resource, "s");
      assert.deepEqual(v.path, ["shares", 0, "members", 1]);
      assert.match(v.message, /2 of 3 members have not accepted image golden: team-b.* and vendor/);
    });
  }

  it("counts the cloud's accepted status, and a declared rejection as settled; a rejection in the cloud is named", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a", "team-b"] });
    t.acceptances.push({ name: "b-rejects", image: "golden", member: "team-b", status: "rejected" });
    assert.deepEqual(of("pending-acceptance", t, { images: { golden: { members: [{ member: "team-a", status: "accepted" }] } } }), []);
    t.acceptances = [];
    const [v] = of("pending-acceptance", t, { images: { golden: { members: [{ member: "team-a", status: "rejected" }, { member: "team-b", status: "accepted" }] } } });
    assert.match(v.message, /1 of 2 members has not accepted image golden: team-a \(rejected in the cloud\)/);
  });

  it("reads a status from existingMembers as the cloud's", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.images.golden.existingMembers = [{ account: "team-a", status: "accepted" }];
    assert.deepEqual(of("pending-acceptance", t), []);
    t.images.golden.existingMembers = [{ account: "team-a", status: "rejected" }];
    assert.match(of("pending-acceptance", t)[0].message, /team-a \(rejected in the cloud\)/);
  });

  it("does not apply on clouds without an acceptance step, nor to a self-share", () => {
    for (const p of ["alicloud", "tencentcloud"] as const) {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      assert.deepEqual(of("pending-acceptance", t), []);
    }
    const h = topology("huaweicloud");
    h.shares.push({ name: "s", image: "golden", members: ["platform"] });
    assert.deepEqual(of("pending-acceptance", h), []);
  });
});
