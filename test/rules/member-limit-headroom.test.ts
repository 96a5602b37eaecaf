import assert = require("node:assert/strict");
import { addAccounts, of, topology } from "./fixtures";

describe("member-limit-headroom", () => {
  it("warns from 90 % of the limit up to the limit, and leaves a breach to member-limit", () => {
    const t = topology("alicloud");
    const keys = addAccounts(t, 51);
    t.shares.push({ name: "s", image: "golden", members: keys.slice(0, 44) });
    assert.deepEqual(of("member-limit-headroom", t), []); // 44 of 50: 88 %
    t.shares[0].members = keys.slice(0, 45);
    const [v] = of("member-limit-headroom", t);
    assert.equal(v.severity, "warning");
    assert.equal(v.resource, "s");
    assert.match(v.message, /45 members of its limit of 50 \(90 %\): 5 places left/);
    t.shares[0].members = keys.slice(0, 50);
    assert.equal(of("member-limit-headroom", t).length, 1);
    t.shares[0].members = keys;
    assert.deepEqual(of("member-limit-headroom", t), []);
    assert.equal(of("member-limit", t).length, 1);
  });

  it("counts existingMembers and a raised limit", () => {
    const t = topology("huaweicloud");
    t.images.golden.existingMembers = 116; // 116 / 128 = 90.6 %
    assert.equal(of("member-limit-headroom", t).length, 1);
    assert.equal(of("member-limit-headroom", t)[0].resource, "images.golden");
    t.limits = { member: 200 };
    assert.deepEqual(of("member-limit-headroom", t), []);
  });

  it("does not warn about an image without members", () => {
    assert.deepEqual(of("member-limit-headroom", topology("tencentcloud", { limits: { member: 0 } })), []);
  });
});
