import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("reshare-forbidden", () => {
  it("fails a share by an account that does not own the image, with the huaweicloud fix", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "to-a", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.shares.push({ name: "a-passes-on", image: "golden", by: "team-a", members: ["team-b"] });
    const [v, ...rest] = of("reshare-forbidden", t);
    assert.equal(rest.length, 0);
    assert.equal(v.severity, "error");
    assert.equal(v.resource, "a-passes-on");
    assert.deepEqual(v.path, ["shares", 1, "by"]);
    assert.match(v.message, /team-a shares image golden, which platform owns \(it was shared with team-a\)/);
    assert.match(v.fix ?? "", /accept golden as team-a, replicate it to a private image .* and share that copy/);
  });

  for (const p of ["opentelekomcloud", "alicloud", "tencentcloud"] as const) {
    it(`fails on ${p} too, with the recipient's own in-region copy as the fix`, () => {
      const t = topology(p);
      t.shares.push({ name: "a-passes-on", image: "golden", by: "team-a", members: ["team-b"] });
      const [v] = of("reshare-forbidden", t);
      assert.equal(v.profile, p);
      // huaweicloud / opentelekomcloud: seeds 000 / 001; alicloud / tencentcloud: the CopyImage and SyncImages references.
      assert.match(v.fix ?? "", new RegExp(`a copy with source: golden, by: team-a, region: ${t.images.golden.region}.* share that copy instead`));
      assert.doesNotMatch(v.message, /cannot be copied|no way around/);
    });
  }

  it("passes the owner's share, a default `by`, and the recipient's share of its own replica (share-chain warns instead)", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "to-a", image: "golden", by: "platform", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "a-replicates", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" });
    t.shares.push({ name: "a-shares-replica", image: "golden-a", members: ["team-b"] });
    assert.deepEqual(of("reshare-forbidden", t), []);
    const chain = of("share-chain", t);
    assert.equal(chain.length, 1);
    assert.equal(chain[0].severity, "warning");
    assert.equal(chain[0].resource, "a-shares-replica");
  });

  it("treats a copy's product declared under images (without id) as owned by the copier", () => {
    const t = topology("huaweicloud");
    t.images["golden-a"] = { region: "cn-north-4", owner: "team-a", kind: "system", name: "golden-a" };
    t.shares.push({ name: "to-a", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "a-replicates", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" });
    t.shares.push({ name: "a-shares-replica", image: "golden-a", by: "team-a", members: ["team-b"] });
    assert.deepEqual(of("reshare-forbidden", t), []);
    assert.equal(of("share-chain", t).length, 1);
  });
});
