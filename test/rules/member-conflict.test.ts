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

  it("names the first share as a related place", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "first", image: "golden", members: ["team-a"] });
    t.shares.push({ name: "second", image: "golden", members: ["team-a"] });
    assert.deepEqual(of("member-conflict", t)[0].related, [{ resource: "first", path: ["shares", 0, "members", 0] }]);
  });

  it("fails a member listed twice in one share, naming both places; counts it once", () => {
    const t = topology("alicloud");
    t.images.golden.existingMembers = 48;
    t.shares.push({ name: "first", image: "golden", members: ["team-a", "team-b", "team-a"] });
    const [v, ...rest] = of("member-conflict", t);
    assert.equal(rest.length, 0);
    assert.equal(v.resource, "first");
    assert.deepEqual(v.path, ["shares", 0, "members", 2]);
    assert.deepEqual(v.related, [{ resource: "first", path: ["shares", 0, "members", 0] }]);
    assert.match(v.message, /share first lists team-a twice for image golden \(members\[0\] and members\[2\]\)/);
    assert.deepEqual(of("member-limit", t), []); // 48 + 2, not 48 + 3
  });

  it("opentelekomcloud: a bare account and its project in the region, in one share, are one member twice", () => {
    const t = topology("opentelekomcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a", { account: "team-a", project: "team-a-main" }] });
    assert.equal(of("member-conflict", t).length, 1);
  });

  it("passes the same member of different images, and distinct members of one share (near misses)", () => {
    const t = topology("tencentcloud");
    t.images.other = { id: "img-other", region: "ap-guangzhou", owner: "platform", kind: "data", name: "other" };
    t.shares.push({ name: "first", image: "golden", members: ["team-a", "team-b"] });
    t.shares.push({ name: "second", image: "other", members: ["team-a"] });
    assert.deepEqual(of("member-conflict", t), []);
    const h = topology("huaweicloud");
    h.shares.push({ name: "s", image: "golden", members: ["team-a", { account: "team-a", project: "team-a-main" }] });
    assert.deepEqual(of("member-conflict", h), []); // huaweicloud: the account and its project are two members
  });

  it("fails a member in existingMembers that a share declares, and a member listed twice there", () => {
    const t = topology("huaweicloud");
    t.images.golden.existingMembers = [{ account: "team-b", status: "accepted" }, { account: "team-a" }, { account: "team-b" }];
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    const found = of("member-conflict", t);
    assert.equal(found.length, 2);
    const [share, twice] = found;
    assert.equal(share.resource, "s");
    assert.deepEqual(share.path, ["shares", 0, "members", 0]);
    assert.deepEqual(share.related, [{ resource: "images.golden", path: ["images", "golden", "existingMembers", 1] }]);
    assert.match(share.message, /team-a is in images\.golden\.existingMembers .* and share s declares it too/);
    assert.equal(twice.resource, "images.golden");
    assert.deepEqual(twice.path, ["images", "golden", "existingMembers", 2]);
    assert.deepEqual(twice.related, [{ resource: "images.golden", path: ["images", "golden", "existingMembers", 0] }]);
    // Near miss: distinct members in the list and in the share.
    t.images.golden.existingMembers = [{ account: "team-b" }];
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
