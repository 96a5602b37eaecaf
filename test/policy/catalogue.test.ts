/**
 * The policies agree with `validate` on the catalogue's own fixtures: each rule's failing and
 * passing topology (its docs), declared as a stack of this package's resources the way
 * ShareTopology declares them (a share of a copy's product takes the copy's imageId: unknown at
 * preview, a property dependency on the copy), with what a topology file says and a stack does
 * not (kinds, owners, sites, projects' regions, limits, trust) read from the ShareTopology
 * component's policyFacts output, as the stack holds it.
 */
import assert = require("node:assert/strict");
import { RULES, type RuleId, type Topology } from "../../provider/rules";
import { loadTopologyText } from "../../provider/topology/load";
import { mapTopology, type Actor } from "../../provider/resources/mapping";
import { analyzeStack, OWN_TYPES, TOPOLOGY_TYPE, type PolicySettings, type StackResource } from "../../provider/policy";
import { policyFactsOf } from "../../provider/policy/facts";

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
  // What the file says and the children's inputs do not: the component's policyFacts output.
  resources.push({ type: TOPOLOGY_TYPE, name: "topology", urn: urn(TOPOLOGY_TYPE, "topology"), props: { imageIds: {}, policyFacts: policyFactsOf(t) } });
  return { resources, settings: {} };
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

describe("a ShareTopology's facts bear on the rest of the stack", () => {
  // A full-ECS image of the file (10 members at most on huaweicloud) shared with 8 projects by the
  // file, and with 3 more by a share beside the component, which says nothing of the image's kind.
  const hex = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(31, "0")}`;
  const projects = Array.from({ length: 11 }, (_, i) => hex("b", i));
  const file = `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
${projects.map((p, i) => `  team-${i}: { id: "${hex("c", i)}", projects: { team-${i}-bj: { id: "${p}", region: cn-north-4 } } }`).join("\n")}
images:
  server: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: full, name: app-server }
shares:
  - { name: server-to-teams, image: server, members: [${projects.slice(0, 8).map((_, i) => `{ account: team-${i}, project: team-${i}-bj }`).join(", ")}] }
`;
  const beside = (): StackResource => ({
    type: OWN_TYPES.share,
    name: "server-to-more",
    urn: urn(OWN_TYPES.share, "server-to-more"),
    props: { profile: "huaweicloud", region: "cn-north-4", account: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", project: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", imageId: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", members: projects.slice(8).map((id) => ({ type: "project", id })) },
  });
  const limitFindings = (resources: StackResource[], settings: PolicySettings = {}) => analyzeStack(resources, settings).findings.filter((f) => f.rule === "member-limit");

  it("member-limit: the file's full-ECS kind counts the share beside it against 10", () => {
    const { resources } = asStack(load(file));
    const found = limitFindings([...resources, beside()]);
    assert.equal(found.length, 1, JSON.stringify(found));
    assert.match(found[0].message, /11/);
  });

  it("without the component's facts the kind is the default (system: 128), and the policy settings still win over the file", () => {
    const { resources } = asStack(load(file));
    assert.deepEqual(limitFindings([...resources.filter((r) => r.type !== TOPOLOGY_TYPE), beside()]), []);
    assert.deepEqual(limitFindings([...resources, beside()], { images: { "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a": { kind: "system" } } }), []);
  });
});

describe("this package's resources: the settings in their stack input, not the rest of it", () => {
  it("a share's stack limits count; the declarations beside them are never read (every policy reads every resource: reading them made a pack's run quadratic)", () => {
    const members = Array.from({ length: 3 }, (_, i) => ({ type: "account", id: `${i}`.padStart(32, "c") }));
    let read = 0;
    // Every other declaration of the stack, as the resource classes fill `stack`: a trap here.
    const declarations = new Proxy([] as unknown[], {
      get(target, key) {
        read++;
        return Reflect.get(target, key);
      },
    });
    const share: StackResource = {
      type: OWN_TYPES.share,
      name: "golden-to-teams",
      urn: urn(OWN_TYPES.share, "golden-to-teams"),
      props: { profile: "huaweicloud", region: "cn-north-4", account: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", project: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", imageId: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", members, stack: { shares: declarations, acceptances: declarations, copies: declarations, limits: { member: 2 } } },
    };
    const found = analyzeStack([share]).findings.filter((f) => f.rule === "member-limit");
    assert.equal(found.length, 1, "the stack's own limit of 2 counts");
    assert.equal(read, 0, "the stack's declarations were read");
  });
});
