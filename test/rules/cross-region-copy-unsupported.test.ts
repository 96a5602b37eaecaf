import assert = require("node:assert/strict");
import { OTHER_REGION, REGION, of, topology } from "./fixtures";

describe("cross-region-copy-unsupported", () => {
  it("opentelekomcloud: fails the owner's copy to another region, on its region, with the in-region fix", () => {
    const t = topology("opentelekomcloud");
    t.copies.push({ name: "to-nl", source: "golden", region: "eu-nl", as: "golden-nl" });
    const [v, ...rest] = of("cross-region-copy-unsupported", t);
    assert.equal(rest.length, 0);
    assert.equal(v.severity, "error");
    assert.equal(v.resource, "to-nl");
    assert.deepEqual(v.path, ["copies", 0, "region"]);
    assert.match(v.message, /copied from eu-de to eu-nl; Open Telekom Cloud IMS copies images only within a region/);
    assert.match(v.fix ?? "", /copy within eu-de \(region: eu-de\), or drop the copy; to have the image in eu-nl, export it to an OBS bucket/);
  });

  it("opentelekomcloud: fails a recipient's cross-region copy of its accepted replica too; passes the in-region replicates", () => {
    const t = topology("opentelekomcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "replicate", source: "golden", region: "eu-de", by: "team-a", as: "golden-a" });
    t.copies.push({ name: "own-replicate", source: "golden", region: "eu-de", as: "golden-2" });
    assert.deepEqual(of("cross-region-copy-unsupported", t), []);
    t.copies.push({ name: "replica-to-nl", source: "golden-a", region: "eu-nl", by: "team-a", as: "golden-nl" });
    assert.deepEqual(
      of("cross-region-copy-unsupported", t).map((v) => v.resource),
      ["replica-to-nl"],
    );
  });

  for (const p of ["huaweicloud", "alicloud", "tencentcloud"] as const) {
    it(`${p}: never fires (the cloud copies across regions)`, () => {
      const t = topology(p);
      t.copies.push({ name: "away", source: "golden", region: OTHER_REGION[p], as: "golden-x" });
      t.copies.push({ name: "here", source: "golden", region: REGION[p], as: "golden-y" });
      assert.deepEqual(of("cross-region-copy-unsupported", t), []);
    });
  }
});
