import assert = require("node:assert/strict");
import { of, topology } from "./fixtures";

describe("shared-image-immutable", () => {
  const shared = { member: "team-a", status: "accepted" as const };

  it("tencentcloud: fails renaming or re-describing a shared image", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    const [v] = of("shared-image-immutable", t, { images: { golden: { name: "golden-old", members: [shared] } } });
    assert.equal(v.severity, "error");
    assert.deepEqual(v.path, ["images", "golden", "name"]);
    assert.match(v.message, /renamed from golden-old to golden/);
    t.images.golden.description = "new words";
    const [w] = of("shared-image-immutable", t, { images: { golden: { name: "golden", description: "old words", members: [shared] } } });
    assert.deepEqual(w.path, ["images", "golden", "description"]);
  });

  it("tencentcloud: passes an unchanged name, and a rename of an image nobody shares", () => {
    const t = topology("tencentcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    assert.deepEqual(of("shared-image-immutable", t, { images: { golden: { name: "golden", members: [shared] } } }), []);
    const u = topology("tencentcloud");
    assert.deepEqual(of("shared-image-immutable", u, { images: { golden: { name: "golden-old", members: [] } } }), []);
    // Shared outside the stack (existingMembers) still counts as shared.
    u.images.golden.existingMembers = 1;
    assert.equal(of("shared-image-immutable", u, { images: { golden: { name: "golden-old" } } }).length, 1);
  });

  it("does not apply to the other clouds", () => {
    for (const p of ["huaweicloud", "opentelekomcloud", "alicloud"] as const) {
      const t = topology(p);
      t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
      assert.deepEqual(of("shared-image-immutable", t, { images: { golden: { name: "golden-old", members: [shared] } } }), []);
    }
  });
});
