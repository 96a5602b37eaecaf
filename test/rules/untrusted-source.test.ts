import assert = require("node:assert/strict");
import { of, topology, violations } from "./fixtures";

describe("untrusted-source", () => {
  const vendorImage = () => {
    const t = topology("huaweicloud");
    t.images.appliance = { id: "img-appliance", region: "cn-north-4", owner: "vendor", kind: "system", name: "appliance", existingMembers: 1 };
    t.acceptances.push({ name: "platform-accepts", image: "appliance", member: "platform", status: "accepted" });
    return t;
  };
  const sharedByVendor = { images: { appliance: { members: [{ member: "platform", status: "pending" as const }] } } };

  it("warns when accepting an image of an account the topology does not manage (no trust list)", () => {
    const [v] = of("untrusted-source", vendorImage(), sharedByVendor);
    assert.equal(v.severity, "warning");
    assert.equal(v.resource, "platform-accepts");
    assert.match(v.message, /owned by vendor, an account this topology does not manage \(no trust list is set\)/);
  });

  it("trusts, without a trust list, the accounts the topology shares or copies as", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
    t.copies.push({ name: "a-replicates", source: "golden", region: "cn-north-4", by: "team-a", as: "golden-a" });
    assert.deepEqual(of("untrusted-source", t), []);
  });

  it("with a trust list: warns for an account not on it, an error in strict mode, nothing for a listed one", () => {
    const t = vendorImage();
    t.trust = ["team-a"];
    assert.equal(of("untrusted-source", t, sharedByVendor)[0].severity, "warning");
    t.strictTrust = true;
    const [v] = of("untrusted-source", t, sharedByVendor);
    assert.equal(v.severity, "error");
    assert.match(v.message, /not on the trust list/);
    t.trust = ["vendor"];
    assert.deepEqual(of("untrusted-source", t, sharedByVendor), []);
  });

  it("with a trust list, trusts exactly the list: sharing as the vendor elsewhere in the file does not make it trusted", () => {
    const t = vendorImage();
    t.trust = ["platform"];
    t.strictTrust = true;
    t.images.vendor2 = { id: "img-vendor2", region: "cn-north-4", owner: "vendor", kind: "system", name: "v2" };
    t.shares.push({ name: "vendor-shares", image: "vendor2", members: ["team-a"] }); // the file acts as vendor
    const [v, ...rest] = of("untrusted-source", t);
    assert.equal(rest.length, 0);
    assert.equal(v.resource, "platform-accepts");
    assert.equal(v.severity, "error");
    // A copy by the vendor of its own image needs no trust; a copy by team-a of the vendor's does.
    t.copies.push({ name: "vendor-copies-own", source: "vendor2", region: "cn-south-1", as: "v2-gz" });
    t.copies.push({ name: "team-a-copies", source: "vendor2", region: "cn-north-4", by: "team-a", as: "v2-a" });
    assert.deepEqual(of("untrusted-source", t).map((x) => x.resource), ["platform-accepts", "team-a-copies"]);
    // The vendor accepting (as a member) its own image: no trust needed.
    t.acceptances.push({ name: "vendor-accepts-own", image: "vendor2", member: "vendor", status: "accepted" });
    assert.ok(!of("untrusted-source", t).some((x) => x.resource === "vendor-accepts-own"));
  });

  it("passes an acceptance offline when existingMembers names the vendor's share (no acceptance-without-share either)", () => {
    const t = vendorImage();
    t.trust = ["platform", "vendor"];
    t.images.appliance.existingMembers = [{ account: "platform", status: "pending" }];
    assert.deepEqual(violations(t).filter((x) => x.severity === "error"), []);
  });

  it("strict mode without a trust list stays a warning", () => {
    const t = vendorImage();
    t.strictTrust = true;
    assert.equal(of("untrusted-source", t, sharedByVendor)[0].severity, "warning");
  });

  it("ignores a rejection, and reports a copy of an untrusted image", () => {
    const t = vendorImage();
    t.acceptances[0].status = "rejected";
    assert.deepEqual(of("untrusted-source", t, sharedByVendor), []);
    const c = topology("alicloud");
    c.images.appliance = { id: "m-appliance", region: "cn-hangzhou", owner: "vendor", kind: "system", name: "appliance" };
    c.copies.push({ name: "copy-appliance", source: "appliance", region: "cn-shanghai", by: "platform", as: "appliance-sh" });
    const [v] = of("untrusted-source", c);
    assert.equal(v.resource, "copy-appliance");
    assert.deepEqual(v.path, ["copies", 0, "source"]);
  });
});
