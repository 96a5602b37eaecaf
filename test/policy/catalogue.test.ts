/**
 * The policies agree with `validate` on the catalogue's own fixtures: each rule's failing and
 * passing topology (its docs), declared as a stack of this package's resources the way
 * ShareTopology declares them (a share of a copy's product takes the copy's imageId: unknown at
 * preview, a property dependency on the copy), with what a topology file says and a stack does
 * not (kinds, owners, sites, projects' regions, limits, trust) given as policy settings.
 */
import assert = require("node:assert/strict");
import { RULES, type RuleId, type Topology } from "../../provider/rules";
import { loadTopologyText } from "../../provider/topology/load";
import { mapTopology, type Actor } from "../../provider/resources/mapping";
import { analyzeStack, OWN_TYPES, type PolicySettings, type StackResource } from "../../provider/policy";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const urn = (type: string, name: string) => `urn:pulumi:dev::p::${type}::${name}`;

/** The topology as the stack of resources ShareTopology would declare, and the settings for what the stack does not carry. */
export function asStack(t: Topology): { resources: StackResource[]; settings: PolicySettings } {
  const m = mapTopology(t);
  const identity = (a: Actor) => ({ profile: a.profile, region: a.region, account: a.account, ...(a.project ? { project: a.project } : {}) });
  const resources: StackResource[] = [];
  const copyUrn = (copy: string) => urn(OWN_TYPES.copy, copy);
  // An image a resource names: its id, or the product of a copy (unknown, with a dependency on the copy).
  const image = (source: { kind: "id"; id: string } | { kind: "copy"; copy: string }, property: string) =>
    source.kind === "id" ? { value: source.id, deps: {} } : { value: UNKNOWN, deps: { [property]: [{ urn: copyUrn(source.copy) }] } };
  for (const c of m.copies) {
    const src = image(c.source, "sourceImageId");
    resources.push({ type: OWN_TYPES.copy, name: c.name, urn: copyUrn(c.name), props: { ...identity(c.actor), sourceImageId: src.value, targetRegion: c.targetRegion, name: c.imageName, ...(c.description ? { description: c.description } : {}) }, propertyDependencies: src.deps });
  }
  for (const s of m.shares) {
    const img = image(s.source, "imageId");
    resources.push({ type: OWN_TYPES.share, name: s.name, urn: urn(OWN_TYPES.share, s.name), props: { ...identity(s.actor), imageId: img.value, members: s.members.map((x) => x.target) }, propertyDependencies: img.deps });
  }
  for (const a of m.acceptances) {
    const img = image(a.source, "imageId");
    resources.push({ type: OWN_TYPES.acceptance, name: a.name, urn: urn(OWN_TYPES.acceptance, a.name), props: { ...identity(a.actor), imageId: img.value, member: a.member, status: a.status }, propertyDependencies: img.deps });
  }
  const settings: PolicySettings = { accounts: {}, images: {} };
  for (const account of Object.values(t.accounts)) {
    const projects = Object.fromEntries(Object.values(account.projects ?? {}).map((p) => [p.id, p.region]));
    settings.accounts![account.id] = { ...(account.site ? { site: account.site } : {}), ...(Object.keys(projects).length ? { projects } : {}) };
  }
  for (const img of Object.values(t.images)) {
    if (img.id === undefined) continue;
    settings.images![img.id] = { kind: img.kind, owner: t.accounts[img.owner].id, region: img.region, ...(typeof img.existingMembers === "number" ? { existingMembers: img.existingMembers } : {}) };
  }
  if (t.limits) settings.limits = { [t.profile]: t.limits };
  if (t.trust) settings.trust = t.trust.map((k) => t.accounts[k].id);
  if (t.strictTrust) settings.strictTrust = true;
  return { resources, settings };
}

function load(yaml: string): Topology {
  const r = loadTopologyText(yaml);
  if ("errors" in r) throw new Error(r.errors.map((e) => e.message).join("; "));
  return r.topology;
}

const rulesOf = (yaml: string): RuleId[] => {
  const { resources, settings } = asStack(load(yaml));
  return [...new Set(analyzeStack(resources, settings).findings.map((f) => f.rule))];
};

/** Rules a stack policy cannot check (they need the plan), and fixtures whose case is out of a stack's sight. */
const NOT_FROM_A_STACK: Partial<Record<RuleId, string>> = {
  "delete-while-shared": "needs the images an apply deletes",
  "shared-image-immutable": "needs an image's current name",
  // The member that has not accepted is an account no resource of the stack acts as: it accepts
  // in its own stack or console, out of this stack's sight (a note says so; pack.test.ts has the case).
  "pending-acceptance": "the member accepts outside the stack",
};

describe("the policies on the catalogue's fixtures, as stacks of this package's resources", () => {
  for (const rule of RULES) {
    const id = rule.id as RuleId;
    if (NOT_FROM_A_STACK[id]) continue;
    it(`${id}: reported on its failing topology, not on its passing one`, () => {
      assert.ok(rulesOf(rule.docs.failing).includes(id), `${id} not reported on its failing topology`);
      assert.ok(!rulesOf(rule.docs.passing).includes(id), `${id} reported on its passing topology`);
    });
  }
});

describe("what the stack manages counts as missing; what it cannot see does not", () => {
  const yaml = (acceptAlso: boolean) => `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { team-a-bj: { id: "3a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden }
  tools: { id: "9c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: tools }
shares:
  - { name: golden-to-team-a, image: golden, members: [{ account: team-a, project: team-a-bj }] }
  - { name: tools-to-team-a, image: tools, members: [{ account: team-a, project: team-a-bj }] }
acceptances:
  - { name: team-a-accepts-tools, image: tools, member: { account: team-a, project: team-a-bj }, status: accepted }
${acceptAlso ? "  - { name: team-a-accepts-golden, image: golden, member: { account: team-a, project: team-a-bj }, status: accepted }\n" : ""}`;

  it("pending-acceptance: a member the stack acts as (it accepts another image here) that has not accepted this one", () => {
    const { resources, settings } = asStack(load(yaml(false)));
    const found = analyzeStack(resources, settings).findings.filter((f) => f.rule === "pending-acceptance");
    assert.deepEqual(found.map((f) => f.resource), ["golden-to-team-a"]);
    assert.equal(found[0].urn, urn(OWN_TYPES.share, "golden-to-team-a"));
    assert.deepEqual(rulesOf(yaml(true)).filter((r) => r === "pending-acceptance"), []);
  });

  it("pending-acceptance: not for members no resource of the stack acts as, with a note", () => {
    const { resources, settings } = asStack(load(yaml(false)));
    const shares = resources.filter((r) => r.type === OWN_TYPES.share);
    const a = analyzeStack(shares, settings);
    assert.deepEqual(a.findings.filter((f) => f.rule === "pending-acceptance"), []);
    assert.match(a.notes.get("pending-acceptance")![0].text, /golden-to-team-a: its members accept outside the stack/);
  });
});
