/**
 * The rules core on views (provider/rules/context.ts) against the frozen core it replaced
 * (test/rules/legacy/, the index-arithmetic version): the same violations, messages, paths and
 * order on the examples, the rules' own snippets, the benchmark's topology and random ones.
 * Temporary: it goes with test/rules/legacy/ once the change has landed.
 */
import assert = require("node:assert/strict");
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import fc = require("fast-check");
import { RULES, validate, type MemberRef, type Observed, type ProfileId, type Topology } from "../../provider/rules";
import { validate as legacyValidate } from "./legacy/engine";
import { loadTopologyText } from "../../provider/topology/load";
import { generate } from "../../bench/validate";

const same = (t: Topology, o?: Observed): void => assert.deepEqual(validate(t, o), legacyValidate(t as never, o as never));

describe("rules core on views = the index-arithmetic core it replaced", () => {
  it("on the example topology files", () => {
    const dir = path.join(__dirname, "../../examples");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".yaml"))) {
      const loaded = loadTopologyText(readFileSync(path.join(dir, f), "utf8"), f);
      if ("errors" in loaded) continue;
      same(loaded.topology);
      const keys = Object.keys(loaded.topology.images);
      same(loaded.topology, { deletes: keys, images: Object.fromEntries(keys.map((k) => [k, { name: "renamed", members: [{ member: "nobody", status: "accepted" }] }])) });
    }
  });

  it("on every rule's failing and passing snippets", () => {
    for (const rule of RULES) {
      for (const which of ["failing", "passing"] as const) {
        const loaded = loadTopologyText(rule.docs[which], `${rule.id}.yaml`);
        if ("errors" in loaded) assert.fail(rule.id);
        same(loaded.topology, rule.docs.observed?.[which]);
      }
    }
  });

  it("on the benchmark's topology (50,000 edges)", () => {
    const t = generate(50000) as unknown as Topology;
    same(t);
    // With a few members rejected and some over the limit, and the cloud read for some images.
    t.limits = { member: 45 };
    same(t, { images: { img1: { members: [{ member: "t8", status: "rejected" }, { member: "t999", status: "pending" }], otherMembers: [{ member: "x", status: "pending" }] } }, deletes: ["img1", "img2-gz"] });
  });

  it("on random topologies, with what the cloud holds", () => {
    const profile = fc.constantFrom<ProfileId>("huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud");
    const key = fc.constantFrom("a", "b", "c", "d", "x");
    const project = fc.constantFrom("a-p", "a-q", "b-p", "b-q", "c-p", "zz");
    const member: fc.Arbitrary<MemberRef> = fc.oneof(key, fc.record({ account: key, project: fc.option(project, { nil: undefined }) }));
    const region = fc.constantFrom("r1", "r2", "cn-north-4");
    const imageKey = fc.constantFrom("i1", "i2", "i3", "p1", "p2", "p3", "zz");
    const status = fc.constantFrom("pending", "accepted", "rejected" as const);
    const arb = fc.record({
      profile,
      limits: fc.option(fc.record({ member: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }), fullMember: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }) }), { nil: undefined }),
      trust: fc.option(fc.subarray(["a", "b", "c", "d", "x"]), { nil: undefined }),
      strictTrust: fc.boolean(),
      sites: fc.array(fc.option(fc.constantFrom("cn", "intl" as const), { nil: undefined }), { minLength: 4, maxLength: 4 }),
      images: fc.dictionary(
        fc.constantFrom("i1", "i2", "i3", "p2"),
        fc.record({
          region,
          owner: key,
          kind: fc.constantFrom("system", "data", "full" as const),
          existingMembers: fc.option(fc.nat(10), { nil: undefined }),
          project: fc.option(project, { nil: undefined }),
          profile: fc.option(profile, { nil: undefined }),
          description: fc.option(fc.constantFrom("d", "e"), { nil: undefined }),
        }),
      ),
      shares: fc.array(fc.record({ image: imageKey, by: fc.option(key, { nil: undefined }), members: fc.array(member, { maxLength: 8 }) }), { maxLength: 7 }),
      acceptances: fc.array(fc.record({ image: imageKey, member, status: fc.constantFrom("accepted", "rejected" as const) }), { maxLength: 6 }),
      copies: fc.array(fc.record({ source: imageKey, region, by: fc.option(key, { nil: undefined }), as: fc.constantFrom("p1", "p2", "p3"), imageName: fc.option(fc.constantFrom("n1", "n2"), { nil: undefined }) }), { maxLength: 4 }),
      observed: fc.dictionary(imageKey, fc.record({ members: fc.option(fc.array(fc.record({ member, status }), { maxLength: 4 }), { nil: undefined }), otherMembers: fc.option(fc.array(fc.record({ member: fc.constant("999"), status }), { maxLength: 2 }), { nil: undefined }), name: fc.option(fc.constantFrom("i1", "n1", "old"), { nil: undefined }), description: fc.option(fc.constantFrom("d", "old"), { nil: undefined }) })),
      deletes: fc.array(imageKey, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const t: Topology = {
          profile: r.profile,
          ...(r.limits ? { limits: r.limits } : {}),
          ...(r.trust ? { trust: r.trust } : {}),
          strictTrust: r.strictTrust,
          accounts: {
            a: { id: "1", site: r.sites[0], projects: { "a-p": { id: "11", region: "r1" }, "a-q": { id: "12", region: "r1" } } },
            b: { id: "2", site: r.sites[1], projects: { "b-p": { id: "21", region: "r1" }, "b-q": { id: "22", region: "r2" } } },
            c: { id: "3", site: r.sites[2], projects: { "c-p": { id: "31", region: "cn-north-4" } } },
            d: { id: "4", site: r.sites[3] },
          },
          images: Object.fromEntries(Object.entries(r.images).map(([k, v]) => [k, { ...v, name: k }])),
          shares: r.shares.map((s, n) => ({ ...s, name: `s${n}` })),
          acceptances: r.acceptances.map((a, n) => ({ ...a, name: `a${n}` })),
          copies: r.copies.map((c, n) => ({ ...c, name: `c${n}` })),
        };
        same(t);
        same(t, { images: r.observed, deletes: r.deletes });
      }),
      { numRuns: 4000 },
    );
  });
});
