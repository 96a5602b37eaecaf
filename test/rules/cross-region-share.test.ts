import assert = require("node:assert/strict");
import { OTHER_REGION, of, topology } from "./fixtures";

describe("cross-region-share", () => {
  for (const p of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${p}: fails a member project of another region, passes one of the image's region`, () => {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: [{ account: "team-a", project: "team-a-other" }, { account: "team-b", project: "team-b-main" }] });
      const [v, ...rest] = of("cross-region-share", t);
      assert.equal(rest.length, 0);
      assert.equal(v.severity, "error");
      assert.deepEqual(v.path, ["shares", 0, "members", 0]);
      assert.match(v.message, new RegExp(`team-a/team-a-other is in ${OTHER_REGION[p]}`));
      // opentelekomcloud copies within a region only: the fix cannot be a copy there.
      const fix = {
        huaweicloud: new RegExp(`copy image golden to ${OTHER_REGION.huaweicloud} first .* then share the copy`),
        opentelekomcloud: /share image golden with a project of team-a in eu-de instead: Open Telekom Cloud IMS copies images only within a region/,
      };
      assert.match(v.fix ?? "", fix[p]);
    });
  }

  it("opentelekomcloud: a bare account means its project in the image's region; none there fails", () => {
    const t = topology("opentelekomcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    assert.deepEqual(of("cross-region-share", t), []);
    t.accounts["team-a"].projects = { "team-a-nl": { id: "f".repeat(32), region: "eu-nl" } };
    const [v] = of("cross-region-share", t);
    assert.match(v.message, /team-a has no project in eu-de/);
  });

  it("huaweicloud: a bare account member is the account, in any region", () => {
    const t = topology("huaweicloud");
    t.accounts["team-a"].projects = {};
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    assert.deepEqual(of("cross-region-share", t), []);
  });

  it("passes the fix: copy to the member's region, share the copy there", () => {
    const t = topology("huaweicloud");
    t.copies.push({ name: "to-gz", source: "golden", region: "cn-south-1", as: "golden-gz" });
    t.shares.push({ name: "s", image: "golden-gz", members: [{ account: "team-a", project: "team-a-other" }] });
    assert.deepEqual(of("cross-region-share", t), []);
  });

  it("fails an acceptance by a project of another region", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: [{ account: "team-a", project: "team-a-other" }] });
    t.acceptances.push({ name: "acc", image: "golden", member: { account: "team-a", project: "team-a-other" }, status: "accepted" });
    const found = of("cross-region-share", t);
    assert.deepEqual(
      found.map((v) => v.resource),
      ["s", "acc"],
    );
    assert.deepEqual(found[1].path, ["acceptances", 0, "member"]);
  });

  it("alicloud / tencentcloud members are accounts: no region to cross", () => {
    for (const p of ["alicloud", "tencentcloud"] as const) {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      assert.deepEqual(of("cross-region-share", t), []);
    }
  });
});
