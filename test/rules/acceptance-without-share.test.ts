import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("acceptance-without-share", () => {
  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: fails an acceptance that no share grants, passes one a share grants`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      t.acceptances.push({ name: "b-accepts", image: "golden", member: "team-b", status: "accepted" });
      const [v] = of("acceptance-without-share", t);
      assert.equal(v.severity, "error");
      assert.equal(v.resource, "b-accepts");
      assert.deepEqual(v.path, ["acceptances", 0]);
      t.shares[0].members.push("team-b");
      assert.deepEqual(of("acceptance-without-share", t), []);
    });
  }

  it("passes when the cloud already holds the member (a share outside the stack)", () => {
    const t = topology("huaweicloud");
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    assert.equal(of("acceptance-without-share", t).length, 1);
    assert.deepEqual(of("acceptance-without-share", t, { images: { golden: { members: [{ member: "team-a", status: "pending" }] } } }), []);
  });

  it("passes offline when existingMembers lists the member (the cloud's state, by name)", () => {
    const t = topology("huaweicloud");
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.images.golden.existingMembers = [{ account: "team-a", status: "pending" }];
    assert.deepEqual(of("acceptance-without-share", t), []);
    // Near miss: a count says how many, not who.
    t.images.golden.existingMembers = 1;
    assert.equal(of("acceptance-without-share", t).length, 1);
    // Near miss: another member listed.
    t.images.golden.existingMembers = [{ account: "team-b" }];
    assert.equal(of("acceptance-without-share", t).length, 1);
  });

  it("huaweicloud: a project acceptance of an image shared with the account names the near miss", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "p-accepts", image: "golden", member: { account: "team-a", project: "team-a-main" }, status: "accepted" });
    const [v] = of("acceptance-without-share", t);
    assert.match(v.message, /it is shared with team-a, a different member/);
  });

  it("is not the rule on alicloud / tencentcloud (acceptance-unsupported is)", () => {
    const t = topology("alicloud");
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    assert.deepEqual(of("acceptance-without-share", t), []);
    assert.equal(of("acceptance-unsupported", t).length, 1);
  });
});
