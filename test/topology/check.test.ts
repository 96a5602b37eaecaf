/** The package's validate(): a topology built in code gets the file loader's input checks. */
import assert = require("node:assert/strict");
import { InvalidTopologyError, checkTopology, validate, type Topology } from "../../provider";

const good = (): Topology => ({
  profile: "alicloud",
  accounts: { platform: { id: "1000000000000001" }, "team-a": { id: "1000000000000002" } },
  images: { golden: { id: "m-golden0000000000001", region: "cn-hangzhou", owner: "platform", kind: "system", name: "golden" } },
  shares: [{ name: "s", image: "golden", members: ["team-a", "platform"] }],
  acceptances: [],
  copies: [],
});

describe("validate() of the package", () => {
  it("returns the violations of a valid topology", () => {
    assert.deepEqual(checkTopology(good()), []);
    assert.deepEqual(validate(good()).map((v) => v.rule), ["self-share"]);
  });

  it("throws InvalidTopologyError naming every problem and its path: an unknown profile is not []", () => {
    const t = good() as unknown as Record<string, unknown>;
    t.profile = "aws";
    (t.shares as { members: string[] }[])[0].members.push("team-x");
    let thrown: unknown;
    try {
      validate(t as unknown as Topology);
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof InvalidTopologyError);
    assert.deepEqual(
      thrown.errors.map((e) => e.path),
      ["profile"],
    );
    assert.match(thrown.message, /invalid topology: profile: must be one of "huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud"; got the string "aws"/);
    // Once the shape is right, references are checked too.
    t.profile = "alicloud";
    assert.throws(() => validate(t as unknown as Topology), (e: InvalidTopologyError) => e.errors[0].path === "shares[0].members[2]" && /unknown account "team-x"/.test(e.message));
  });

  it("refuses an observed that is not an object", () => {
    assert.throws(() => validate(good(), "cloud" as never), InvalidTopologyError);
  });
});
