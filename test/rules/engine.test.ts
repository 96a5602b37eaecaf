import assert = require("node:assert/strict");
import fc = require("fast-check");
import { RULE_IDS, RULES, buildContext, ruleById, severityFor, validate, type MemberRef, type ProfileId, type Topology } from "../../provider/rules";
import { addAccounts, topology } from "./fixtures";

describe("rules engine", () => {
  it("orders violations by rule (RULE_IDS order), then as the file declares them, the same on every run", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "s1", image: "golden", members: ["platform", "team-a"] });
    t.shares.push({ name: "s2", image: "golden", by: "team-a", members: ["team-a", "team-b"] });
    t.acceptances.push({ name: "v-accepts", image: "golden", member: "vendor", status: "accepted" });
    const first = validate(t);
    assert.deepEqual(validate(t), first);
    const order = first.map((v) => RULE_IDS.indexOf(v.rule));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    assert.deepEqual(
      first.map((v) => `${v.rule}:${v.resource}`),
      [
        "reshare-forbidden:s2",
        "self-share:s1",
        "member-conflict:s2",
        "acceptance-without-share:v-accepts",
        "pending-acceptance:s1",
        "pending-acceptance:s2",
      ],
    );
  });

  it("gives each violation the severity of its image's profile", () => {
    const rule = ruleById("delete-while-shared")!;
    assert.equal(severityFor(rule, "alicloud"), "error");
    assert.equal(severityFor(rule, "huaweicloud"), "warning");
    const t = topology("huaweicloud");
    t.images.ali = { id: "m-1", region: "cn-hangzhou", owner: "platform", kind: "system", name: "ali", profile: "alicloud" };
    const observed = {
      images: { golden: { members: [{ member: "team-a", status: "accepted" as const }] }, ali: { members: [{ member: "team-a", status: "accepted" as const }] } },
      deletes: ["golden", "ali"],
    };
    assert.deepEqual(
      validate(t, observed).map((v) => [v.resource, v.profile, v.severity]),
      [
        ["images.golden", "huaweicloud", "warning"],
        ["images.ali", "alicloud", "error"],
      ],
    );
  });

  it("runs a rule only for its profiles (per image)", () => {
    const t = topology("alicloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a"] });
    assert.deepEqual(validate(t), []); // no pending-acceptance on alicloud
    t.images.hw = { id: "img-hw", region: "cn-north-4", owner: "platform", kind: "system", name: "hw", profile: "huaweicloud" };
    t.shares.push({ name: "s-hw", image: "hw", members: ["team-a"] });
    assert.deepEqual(
      validate(t).map((v) => [v.rule, v.resource]),
      [["pending-acceptance", "s-hw"]],
    );
  });

  it("skips dangling keys without crashing", () => {
    const t = topology("huaweicloud");
    t.shares.push({ name: "ghost-image", image: "nope", members: ["team-a"] });
    t.shares.push({ name: "ghost-member", image: "golden", members: ["nobody", { account: "team-a", project: "nope" }, { account: "nope", project: "x" }] });
    t.shares.push({ name: "ghost-by", image: "golden", by: "nobody", members: [] });
    t.acceptances.push({ name: "ghost-acc", image: "nope", member: "team-a", status: "accepted" });
    t.acceptances.push({ name: "ghost-acc-member", image: "golden", member: "nobody", status: "accepted" });
    t.copies.push({ name: "ghost-copy", source: "nope", region: "cn-south-1", as: "x" });
    t.copies.push({ name: "ghost-copier", source: "golden", region: "cn-south-1", by: "nobody", as: "y" });
    t.images.orphan = { id: "img-o", region: "cn-north-4", owner: "nobody", kind: "system", name: "orphan" };
    const found = validate(t, { images: { nope: { members: [] }, golden: { members: [{ member: "nobody", status: "accepted" }] } }, deletes: ["nope"] });
    assert.ok(Array.isArray(found));
    // A share by an unknown account is still not the owner's.
    assert.ok(found.some((v) => v.rule === "reshare-forbidden" && v.resource === "ghost-by"));
  });

  it("survives missing lists and a cycle of copies", () => {
    const bare = { profile: "tencentcloud", accounts: {}, images: {} } as unknown as Topology;
    assert.deepEqual(validate(bare), []);
    const t = topology("huaweicloud");
    t.copies.push({ name: "c1", source: "b", region: "cn-north-4", as: "a" });
    t.copies.push({ name: "c2", source: "a", region: "cn-north-4", as: "b" });
    assert.ok(Array.isArray(validate(t)));
  });

  it("resolves a long chain of copies, declared in any order, without exhausting the stack", () => {
    const t = topology("alicloud");
    const n = 20000;
    for (let k = n; k >= 1; k--) t.copies.push({ name: `c${k}`, source: k === 1 ? "golden" : `p${k - 1}`, region: k % 2 ? "cn-shanghai" : "cn-hangzhou", as: `p${k}` });
    t.shares.push({ name: "last", image: `p${n}`, members: ["platform"] });
    const found = validate(t);
    assert.deepEqual(
      found.map((v) => [v.rule, v.resource]),
      [["self-share", "last"]],
    );
    const product = buildContext(t).image(`p${n}`)!;
    assert.equal(product.ownerKey, "platform");
    assert.equal(product.copyChain.length, n);
    assert.equal(product.copyChain[n - 1].source?.key, "golden");
  });

  it("gives rules an image's edges with member, status, share, duplicate and path, and its member counts", () => {
    const t = topology("huaweicloud");
    const keys = addAccounts(t, 5);
    t.shares.push({ name: "a", image: "golden", members: keys.slice(0, 3) });
    t.shares.push({ name: "b", image: "golden", members: keys.slice(2) });
    t.acceptances.push({ name: "m0-rejects", image: "golden", member: "m0", status: "rejected" });
    t.images.golden.existingMembers = 2;
    const ctx = buildContext(t, { images: { golden: { members: [{ member: "m1", status: "accepted" }] } } });
    const golden = ctx.image("golden")!;
    assert.equal(golden.declaredMembers, 4); // m0 rejected does not count
    assert.equal(golden.outsideMembers, 2);
    assert.equal(golden.memberTotal, 6);
    assert.deepEqual(
      golden.shares.map((s) => s.name),
      ["a", "b"],
    );
    assert.deepEqual(
      [...golden.edges].map((e) => [e.share.name, e.position, e.member?.account.key, e.status, e.hasAcceptance, e.duplicateOf?.path ?? null]),
      [
        ["a", 0, "m0", "rejected", true, null],
        ["a", 1, "m1", "accepted", false, null],
        ["a", 2, "m2", "pending", false, null],
        ["b", 0, "m2", "pending", false, ["shares", 0, "members", 2]],
        ["b", 1, "m3", "pending", false, null],
        ["b", 2, "m4", "pending", false, null],
      ],
    );
    assert.deepEqual(
      ctx.duplicates.map((e) => e.path),
      [["shares", 1, "members", 0]],
    );
    assert.deepEqual(ctx.acceptancesOf(() => true).map((a) => [a.name, a.grantedBy, a.status]), [["m0-rejects", "topology", "rejected"]]);
  });

  it("resolves a bare account to its project on opentelekomcloud, and says why a member names nothing", () => {
    const t = topology("opentelekomcloud");
    t.shares.push({ name: "s", image: "golden", members: ["team-a", "nobody", { account: "team-b", project: "team-b-other" }] });
    t.accounts.vendor.projects = {};
    t.shares[0].members.push("vendor");
    const [a, nobody, b, vendor] = [...buildContext(t).shares[0].edges];
    assert.equal(a.member?.project, "team-a-main");
    assert.equal(a.label, "team-a (its project team-a-main)");
    assert.equal(nobody.member, undefined);
    assert.equal(nobody.unresolved, "unknown");
    assert.equal(b.member?.region, "eu-nl");
    assert.equal(vendor.unresolved, "no-project-in-region");
  });

  it("never throws, and is deterministic, on random topologies", () => {
    const profile = fc.constantFrom<ProfileId>("huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud");
    const key = fc.constantFrom("a", "b", "c", "x");
    const member: fc.Arbitrary<MemberRef> = fc.oneof(key, fc.record({ account: key, project: fc.constantFrom("a-p", "b-p", "b-q", "zz") }));
    const region = fc.constantFrom("r1", "r2");
    const arb = fc.record({
      profile,
      images: fc.dictionary(fc.constantFrom("i1", "i2", "i3"), fc.record({ region, owner: key, kind: fc.constantFrom("system", "data", "full" as const), existingMembers: fc.nat(12) })),
      shares: fc.array(fc.record({ image: fc.constantFrom("i1", "i2", "p1", "zz"), by: fc.option(key, { nil: undefined }), members: fc.array(member, { maxLength: 6 }) }), { maxLength: 5 }),
      acceptances: fc.array(fc.record({ image: fc.constantFrom("i1", "p1"), member, status: fc.constantFrom("accepted", "rejected" as const) }), { maxLength: 4 }),
      copies: fc.array(fc.record({ source: fc.constantFrom("i1", "i2", "p1"), region, by: fc.option(key, { nil: undefined }), as: fc.constantFrom("p1", "p2") }), { maxLength: 3 }),
      deletes: fc.array(fc.constantFrom("i1", "p1", "zz"), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const t: Topology = {
          profile: r.profile,
          limits: { member: 10 },
          accounts: {
            a: { id: "1", site: "cn", projects: { "a-p": { id: "11", region: "r1" } } },
            b: { id: "2", site: "intl", projects: { "b-p": { id: "21", region: "r1" }, "b-q": { id: "22", region: "r2" } } },
            c: { id: "3" },
          },
          images: Object.fromEntries(Object.entries(r.images).map(([k, v]) => [k, { ...v, name: k }])),
          shares: r.shares.map((s, n) => ({ ...s, name: `s${n}` })),
          acceptances: r.acceptances.map((a, n) => ({ ...a, name: `a${n}` })),
          copies: r.copies.map((c, n) => ({ ...c, name: `c${n}` })),
        };
        const observed = { deletes: r.deletes, images: { i1: { members: [{ member: "a", status: "accepted" as const }], otherMembers: [{ member: "999", status: "pending" as const }] } } };
        const once = validate(t, observed);
        assert.deepEqual(validate(t, observed), once);
        for (const v of once) {
          assert.ok(RULE_IDS.includes(v.rule));
          assert.ok(ruleById(v.rule)!.profiles.includes(v.profile));
          assert.ok(v.message.length > 0 && v.resource.length > 0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("exports RULES as RuleDefinitions with a check", () => {
    for (const r of RULES) assert.equal(typeof r.check, "function");
  });
});
