import assert = require("node:assert/strict");
import { addAccounts, of, topology } from "./fixtures";

describe("member-limit", () => {
  it("passes exactly at the limit and fails one over (huaweicloud system image: 128)", () => {
    const at = topology("huaweicloud");
    at.shares.push({ name: "s", image: "golden", members: addAccounts(at, 128) });
    assert.deepEqual(of("member-limit", at), []);

    const over = topology("huaweicloud");
    over.shares.push({ name: "s", image: "golden", members: addAccounts(over, 129) });
    const [v, ...rest] = of("member-limit", over);
    assert.equal(rest.length, 0);
    assert.equal(v.severity, "error");
    assert.equal(v.resource, "s");
    assert.equal(v.profile, "huaweicloud");
    assert.match(v.message, /image golden \(system, huaweicloud\) would have 129 members: 129 declared by share s; the limit is 128/);
    // The member that crosses the limit is blamed.
    assert.deepEqual(v.path, ["shares", 0, "members", 128]);
    assert.ok(v.fix && /limits\.member/.test(v.fix));
  });

  it("counts members once per image across shares, and names the shares and the existing members", () => {
    const t = topology("huaweicloud");
    const keys = addAccounts(t, 120);
    t.images.golden.existingMembers = 9;
    t.shares.push({ name: "a", image: "golden", members: keys.slice(0, 80) });
    t.shares.push({ name: "b", image: "golden", members: keys.slice(60) }); // 20 overlap with a
    const [v] = of("member-limit", t);
    assert.match(v.message, /would have 129 members: 120 declared by shares a and b \+ 9 existing; the limit is 128/);
    t.images.golden.existingMembers = 8;
    assert.deepEqual(of("member-limit", t), []);
  });

  it("counts existingMembers, and blames the image when no share declares members", () => {
    const t = topology("alicloud");
    t.images.golden.existingMembers = 51;
    const [v] = of("member-limit", t);
    assert.equal(v.resource, "images.golden");
    assert.deepEqual(v.path, ["images", "golden", "existingMembers"]);
    t.images.golden.existingMembers = 50;
    assert.deepEqual(of("member-limit", t), []);
  });

  it("does not count a rejected member (topology acceptance or the cloud's status)", () => {
    const t = topology("huaweicloud");
    const keys = addAccounts(t, 129);
    t.shares.push({ name: "s", image: "golden", members: keys });
    assert.equal(of("member-limit", t).length, 1);
    t.acceptances.push({ name: "m0-rejects", image: "golden", member: "m0", status: "rejected" });
    assert.deepEqual(of("member-limit", t), []);

    const u = topology("huaweicloud");
    u.shares.push({ name: "s", image: "golden", members: addAccounts(u, 129) });
    assert.deepEqual(of("member-limit", u, { images: { golden: { members: [{ member: "m5", status: "rejected" }] } } }), []);
    assert.equal(of("member-limit", u, { images: { golden: { members: [{ member: "m5", status: "pending" }] } } }).length, 1);
  });

  it("counts the cloud's members that no share declares (pending or accepted, not rejected), not on top of existingMembers", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "s", image: "golden", members: addAccounts(t, 48) });
    const two = { images: { golden: { otherMembers: [{ member: "100001", status: "accepted" as const }, { member: "100002", status: "pending" as const }] } } };
    assert.deepEqual(of("member-limit", t, two), []); // 48 + 2 = 50
    const three = { images: { golden: { otherMembers: [...two.images.golden.otherMembers, { member: "100003", status: "accepted" as const }] } } };
    assert.equal(of("member-limit", t, three).length, 1);
    const rejected = { images: { golden: { otherMembers: [...two.images.golden.otherMembers, { member: "100003", status: "rejected" as const }] } } };
    assert.deepEqual(of("member-limit", t, rejected), []);
    // existingMembers and the cloud's undeclared members are the same members: the larger counts.
    t.images.golden.existingMembers = 2;
    assert.deepEqual(of("member-limit", t, two), []);
  });

  it("honours a raised limit (limits.member) and the full-ECS limit (limits.fullMember)", () => {
    const t = topology("huaweicloud", { limits: { member: 200 } });
    t.shares.push({ name: "s", image: "golden", members: addAccounts(t, 150) });
    assert.deepEqual(of("member-limit", t), []);

    const full = topology("huaweicloud");
    full.images.golden.kind = "full";
    full.shares.push({ name: "s", image: "golden", members: addAccounts(full, 11) });
    const [v] = of("member-limit", full);
    assert.match(v.message, /\(full, huaweicloud\) would have 11 members.*the limit is 10/);
    full.limits = { fullMember: 11 };
    assert.deepEqual(of("member-limit", full), []);
  });

  it("says whether limits raise or lower the profile's limit", () => {
    const low = topology("huaweicloud", { limits: { member: 100 } });
    low.shares.push({ name: "s", image: "golden", members: addAccounts(low, 101) });
    const [v] = of("member-limit", low);
    assert.match(v.message, /the limit is 100 \(set by limits\.member, lowered from huaweicloud's 128\)/);
    assert.match(v.fix ?? "", /or raise limits\.member \(huaweicloud allows 128\)/);
    const high = topology("alicloud", { limits: { member: 60 } });
    high.shares.push({ name: "s", image: "golden", members: addAccounts(high, 61) });
    assert.match(of("member-limit", high)[0].message, /the limit is 60 \(set by limits\.member, raised from alicloud's 50\)/);
    const same = topology("alicloud", { limits: { member: 50 } });
    same.shares.push({ name: "s", image: "golden", members: addAccounts(same, 51) });
    assert.match(of("member-limit", same)[0].message, /the limit is 50 \(set by limits\.member\)$/);
  });

  it("counts an existingMembers list as the cloud's members (rejected ones not), each member once", () => {
    const t = topology("alicloud");
    const keys = addAccounts(t, 52);
    t.shares.push({ name: "s", image: "golden", members: keys.slice(0, 48) });
    t.images.golden.existingMembers = [{ account: keys[48] }, { account: keys[49] }, { account: keys[50], status: "rejected" }];
    assert.deepEqual(of("member-limit", t), []); // 48 + 2
    t.images.golden.existingMembers.push({ account: keys[51] });
    const [v] = of("member-limit", t);
    assert.match(v.message, /would have 51 members: 48 declared by share s \+ 3 existing/);
    // A listed member the share also declares counts once (member-conflict reports it).
    t.images.golden.existingMembers = [{ account: keys[0] }, { account: keys[48] }];
    assert.deepEqual(of("member-limit", t), []);
    // With a reading of the cloud, the reading is the cloud's state (plan compares the two).
    t.images.golden.existingMembers = [{ account: keys[48] }, { account: keys[49] }, { account: keys[50] }];
    assert.deepEqual(of("member-limit", t, { images: { golden: { members: [{ member: keys[48], status: "accepted" }] } } }), []);
  });

  it("uses each profile's own limit: opentelekomcloud 256, alicloud and tencentcloud 50", () => {
    const otc = topology("opentelekomcloud");
    otc.shares.push({ name: "s", image: "golden", members: addAccounts(otc, 256) });
    assert.deepEqual(of("member-limit", otc), []);
    otc.images.golden.existingMembers = 1;
    assert.equal(of("member-limit", otc).length, 1);
    for (const p of ["alicloud", "tencentcloud"] as const) {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: addAccounts(t, 51) });
      const [v] = of("member-limit", t);
      assert.match(v.message, /the limit is 50/);
    }
  });

  it("uses an image's own profile when it differs from the file's", () => {
    const t = topology("huaweicloud");
    t.images.golden.profile = "alicloud";
    delete t.images.golden.project;
    t.shares.push({ name: "s", image: "golden", members: addAccounts(t, 51) });
    const [v] = of("member-limit", t);
    assert.equal(v.profile, "alicloud");
  });

  it("skips a limit the profile does not know (no invented limit)", () => {
    const t = topology("alicloud", { limits: { member: "unknown" as unknown as number } });
    t.shares.push({ name: "s", image: "golden", members: addAccounts(t, 60) });
    assert.deepEqual(of("member-limit", t), []);
    assert.deepEqual(of("member-limit-headroom", t), []);
  });
});
