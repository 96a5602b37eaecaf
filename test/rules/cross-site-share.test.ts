import assert = require("node:assert/strict");
import { HUAWEICLOUD_REGION_SITES } from "../../provider/rules";
import { of, topology } from "./fixtures";

describe("cross-site-share", () => {
  it("huaweicloud: fails a share from the China site to the international site in cn-north-4 (China site only)", () => {
    const t = topology("huaweicloud");
    t.accounts.platform.site = "cn";
    t.accounts["team-a"].site = "intl";
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    const [v] = of("cross-site-share", t);
    assert.equal(v.severity, "error");
    assert.match(v.message, /cn-north-4 \(CN North-Beijing4\).*China site.*international site/);
    assert.deepEqual(v.path, ["shares", 0, "members", 0]);
  });

  it("passes the same site, unknown sites, and regions the table does not know", () => {
    const t = topology("huaweicloud");
    t.accounts.platform.site = "cn";
    t.accounts["team-a"].site = "cn";
    t.shares.push({ name: "s", image: "golden", members: ["team-a", "team-b"] }); // team-b: no site given
    assert.deepEqual(of("cross-site-share", t), []);
    t.accounts["team-a"].site = "intl";
    t.images.golden.region = "ap-southeast-1";
    assert.ok(!("ap-southeast-1" in HUAWEICLOUD_REGION_SITES));
    assert.deepEqual(of("cross-site-share", t), []);
  });

  it("keeps its region table as data, each entry with a source", () => {
    assert.deepEqual(HUAWEICLOUD_REGION_SITES["cn-north-4"].sites, ["cn"]);
    for (const entry of Object.values(HUAWEICLOUD_REGION_SITES)) assert.ok(entry.source.length > 0);
  });

  it("applies to huaweicloud only", () => {
    const t = topology("opentelekomcloud");
    t.images.golden.region = "cn-north-4";
    t.accounts.platform.site = "cn";
    t.accounts["team-a"].site = "intl";
    assert.deepEqual(of("cross-site-share", t), []);
  });
});
