import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

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
