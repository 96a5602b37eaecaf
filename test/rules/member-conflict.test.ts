import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("member-conflict", () => {
  it("fails one (image, member) granted by two shares, naming both", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "first", image: "golden", members: ["team-a", "team-b"] });
    t.shares.push({ name: "second", image: "golden", members: ["team-b"] });
    const [v, ...rest] = of("member-conflict", t);
    assert.equal(rest.length, 0);
    assert.equal(v.resource, "second");
    assert.deepEqual(v.path, ["shares", 1, "members", 0]);
    assert.match(v.message, /granted to team-b by shares first and second/);
  });

  it("passes a member listed twice in one share, and the same member of different images", () => {
    const t = topology("tencentcloud");
    t.images.other = { id: "img-other", region: "ap-guangzhou", owner: "platform", kind: "data", name: "other" };
    t.shares.push({ name: "first", image: "golden", members: ["team-a", "team-a"] });
    t.shares.push({ name: "second", image: "other", members: ["team-a"] });
    assert.deepEqual(of("member-conflict", t), []);
  });

  it("huaweicloud: the account and one of its projects are different members; the same project twice conflicts", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "first", image: "golden", members: ["team-a"] });
    t.shares.push({ name: "second", image: "golden", members: [{ account: "team-a", project: "team-a-main" }] });
    assert.deepEqual(of("member-conflict", t), []);
    t.shares.push({ name: "third", image: "golden", members: [{ account: "team-a", project: "team-a-main" }] });
    assert.equal(of("member-conflict", t).length, 1);
  });

  it("opentelekomcloud: a bare account and its project in the region are the same member", () => {
    const t = topology("opentelekomcloud");
    t.shares.push({ name: "first", image: "golden", members: ["team-a"] });
    t.shares.push({ name: "second", image: "golden", members: [{ account: "team-a", project: "team-a-main" }] });
    assert.equal(of("member-conflict", t).length, 1);
  });

  it("fails two acceptances of one (image, member)", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "yes", image: "golden", member: "team-a", status: "accepted" });
    t.acceptances.push({ name: "no", image: "golden", member: "team-a", status: "rejected" });
    const [v] = of("member-conflict", t);
    assert.equal(v.resource, "no");
    assert.match(v.message, /acceptances yes and no both set team-a's status for image golden/);
  });
});
