/**
 * examples/policy-pack, installed as a user installs it (the package from `npm pack`, the pack's
 * files copied beside it), started as the engine starts a policy pack and driven through the
 * Analyzer gRPC protocol: GetAnalyzerInfo, Configure (the CLI's reconciliation), Analyze and
 * AnalyzeStack, for stacks of the bridged providers' resources and this package's own.
 * Needs bin/ current (`npx tsc -p tsconfig.json`; npm test's pretest does it).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import { RULES, RULE_IDS, type Topology } from "../../provider/rules";
import { policyFactsOf } from "../../provider/policy/facts";
import { installExamplePack, startPack, urnOf, UNKNOWN_VALUE, type Diagnostic, type Pack, type ResourceSpec } from "../harness/analyzer";

const ALI_SHARE = "alicloud:ecs/imageSharePermission:ImageSharePermission";
const ALI_COPY = "alicloud:ecs/imageCopy:ImageCopy";
const TC_SHARE = "tencentcloud:Cvm/imageSharePermission:ImageSharePermission";
const HW_SHARE = "huaweicloud:index/imagesImageShare:ImagesImageShare";
const HW_ACCEPT = "huaweicloud:index/imagesImageShareAccepter:ImagesImageShareAccepter";
const HW_COPY = "huaweicloud:index/imagesImageCopy:ImagesImageCopy";
const OWN_SHARE = "pulumi-nodejs:dynamic/image-share:ImageShare";
const OTC_SHARE = "opentelekomcloud:index/imagesImageAccessV2:ImagesImageAccessV2";
const OTC_ACCEPT = "opentelekomcloud:index/imagesImageAccessAcceptV2:ImagesImageAccessAcceptV2";

type Provider = NonNullable<ResourceSpec["provider"]>;
const provider = (pkg: string, name: string, props: Record<string, unknown>): Provider => ({ type: `pulumi:providers:${pkg}`, name, urn: urnOf(`pulumi:providers:${pkg}`, name), props });
const aliPlatform = provider("alicloud", "default_3_108_0", { region: "cn-hangzhou", accountId: "1111111111111111" });

/** `n` one-account Alibaba shares of one image, members 2000.., names share-0... */
function aliShares(n: number, image = "m-golden", from = 0, opts: Partial<ResourceSpec> = {}): ResourceSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    type: ALI_SHARE,
    name: `share-${from + i}`,
    props: { imageId: image, accountId: String(2000000000000000 + from + i) },
    provider: aliPlatform,
    ...opts,
  }));
}

const mandatory = (d: Diagnostic[]) => d.filter((x) => x.enforcementLevel === "mandatory");
const of = (d: Diagnostic[], policy: string) => d.filter((x) => x.policyName === policy);
const names = (d: Diagnostic[]) => d.map((x) => `${x.policyName}@${x.urn.split("::").pop()}`).sort();

describe("examples/policy-pack through the Analyzer protocol", function () {
  this.timeout(180_000);
  let dir: string;
  let pack: Pack;

  before(async () => {
    dir = installExamplePack();
    pack = await startPack(dir);
    await pack.configure();
  });
  after(async () => {
    await pack?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("GetAnalyzerInfo: one policy per rule id, errors mandatory and warnings advisory, each with its config schema", async () => {
    const info = await pack.info();
    assert.equal(info.name, "image-share");
    assert.equal(info.version, "0.1.0");
    assert.deepEqual(info.policies.map((p) => p.name).sort(), [...RULE_IDS].sort());
    for (const rule of RULES) {
      const p = info.policies.find((x) => x.name === rule.id)!;
      const error = typeof rule.severity === "string" ? rule.severity === "error" : Object.values(rule.severity).includes("error");
      assert.equal(p.enforcementLevel, error && rule.id !== "untrusted-source" ? "mandatory" : "advisory", rule.id);
      assert.ok(p.configSchema && "providers" in p.configSchema.properties && "limits" in p.configSchema.properties, rule.id);
    }
  });

  it("60 one-account Alibaba shares of one image: member-limit, mandatory, on the 51st, with the fix", async () => {
    const r = await pack.analyzeStack([...aliShares(60)]);
    const m = mandatory(r.diagnostics);
    assert.deepEqual(names(m), ["member-limit@share-50"]);
    assert.match(m[0].message, /image m-golden \(system, alicloud\) would have 60 members/);
    assert.match(m[0].message, /the limit is 50/);
    assert.match(m[0].message, /\nFix: share image m-golden with 10 members fewer/);
    assert.equal(m[0].urn, urnOf(ALI_SHARE, "share-50"));
  });

  it("50: nothing mandatory; member-limit-headroom advisory", async () => {
    const r = await pack.analyzeStack(aliShares(50));
    assert.deepEqual(mandatory(r.diagnostics), []);
    assert.deepEqual(names(r.diagnostics), ["member-limit-headroom@share-49"]);
    assert.equal(r.diagnostics[0].enforcementLevel, "advisory");
  });

  it("Analyze of one resource says nothing: the rules span the stack, in AnalyzeStack", async () => {
    const r = await pack.analyze(aliShares(1)[0]);
    assert.deepEqual(r.diagnostics, []);
  });

  it("the rules that need the plan (deletes, current names) report themselves not applicable", async () => {
    const r = await pack.analyzeStack(aliShares(2));
    const na = r.notApplicable.map((n) => n.policyName).sort();
    for (const id of ["delete-while-shared", "shared-image-immutable", "acceptance-without-share", "copy-same-region"]) assert.ok(na.includes(id), `${id} in ${na}`);
  });

  it("a re-share: an account shares on an image that was shared with it", async () => {
    const team = provider("alicloud", "team-a", { region: "cn-hangzhou", accountId: "2000000000000000" });
    const r = await pack.analyzeStack([
      ...aliShares(1), // platform shares m-golden with 2000000000000000
      { type: ALI_SHARE, name: "team-a-passes-it-on", props: { imageId: "m-golden", accountId: "3000000000000000" }, provider: team },
    ]);
    assert.deepEqual(names(mandatory(r.diagnostics)), ["reshare-forbidden@team-a-passes-it-on"]);
    assert.match(of(r.diagnostics, "reshare-forbidden")[0].message, /account 2000000000000000 shares image m-golden, which 1111111111111111 owns \(it was shared with 2000000000000000\)/);
  });

  it("Open Telekom Cloud (its Terraform provider, dynamically bridged): a project that accepted an image shares it on", async () => {
    const otc = (name: string, domainId: string, tenantId: string) => provider("opentelekomcloud", name, { region: "eu-de", domainId, tenantId });
    const platform = otc("platform", "d0000000000000000000000000000001", "a0000000000000000000000000000001");
    const teamA = otc("team-a", "d0000000000000000000000000000002", "a0000000000000000000000000000002");
    const image = "5f1b3c2d-7e4a-4b6c-9d8e-0f1a2b3c4d5e";
    const r = await pack.analyzeStack([
      { type: OTC_SHARE, name: "golden-to-team-a", props: { imageId: image, memberId: "a0000000000000000000000000000002" }, provider: platform },
      // member_id left out: the provider's own project accepts.
      { type: OTC_ACCEPT, name: "team-a-accepts", props: { imageId: image, status: "accepted" }, provider: teamA },
      { type: OTC_SHARE, name: "team-a-passes-it-on", props: { imageId: image, memberId: "a0000000000000000000000000000003" }, provider: teamA },
    ]);
    assert.deepEqual(names(mandatory(r.diagnostics)), ["reshare-forbidden@team-a-passes-it-on"], JSON.stringify(r.diagnostics, null, 1));
    assert.match(of(r.diagnostics, "reshare-forbidden")[0].message, /shares image 5f1b3c2d-7e4a-4b6c-9d8e-0f1a2b3c4d5e, which d0000000000000000000000000000001 owns/);
    // Without the share on, the stack is clean: the acceptance is read as team-a's project accepting.
    const clean = await pack.analyzeStack([
      { type: OTC_SHARE, name: "golden-to-team-a", props: { imageId: image, memberId: "a0000000000000000000000000000002" }, provider: platform },
      { type: OTC_ACCEPT, name: "team-a-accepts", props: { imageId: image, status: "accepted" }, provider: teamA },
    ]);
    assert.deepEqual(mandatory(clean.diagnostics), []);
    assert.deepEqual(of(clean.diagnostics, "acceptance-without-share"), []);
  });

  it("a Tencent share with 51 accountIds: member-limit on that resource", async () => {
    const tc = provider("tencentcloud", "default_1_82_0", { region: "ap-guangzhou" });
    const accountIds = Array.from({ length: 51 }, (_, i) => String(100000000000 + i));
    const r = await pack.analyzeStack([{ type: TC_SHARE, name: "golden-to-all", props: { imageId: "img-0elsru2u", accountIds }, provider: tc }]);
    assert.deepEqual(names(mandatory(r.diagnostics)), ["member-limit@golden-to-all"]);
    assert.match(mandatory(r.diagnostics)[0].message, /would have 51 members.*limit is 50.*500 accounts/s);
  });

  it("a Huawei Cloud share chain (dynamically bridged tokens): share-chain, advisory, on the share of the copy", async () => {
    const platform = provider("huaweicloud", "platform", { region: "cn-north-4", domainId: "d-platform", projectId: "p-platform-bj" });
    const teamA = provider("huaweicloud", "team-a", { region: "cn-north-4", domainId: "d-team-a", projectId: "p-team-a-bj" });
    const copyUrn = urnOf(HW_COPY, "team-a-replica");
    const r = await pack.analyzeStack([
      { type: HW_SHARE, name: "golden-to-team-a", props: { sourceImageId: "img-golden", targetProjectIds: ["p-team-a-bj"] }, provider: platform },
      { type: HW_ACCEPT, name: "team-a-accepts", props: { imageId: "img-golden" }, provider: teamA },
      { type: HW_COPY, name: "team-a-replica", props: { sourceImageId: "img-golden", targetRegion: "cn-north-4", name: "golden-a" }, provider: teamA },
      // The replica's id comes from the copy: unknown at preview, and a dependency of the share's sourceImageId.
      { type: HW_SHARE, name: "team-a-shares-replica", props: { sourceImageId: UNKNOWN_VALUE, targetProjectIds: ["p-team-b-bj"] }, provider: teamA, propertyDependencies: { sourceImageId: [copyUrn] } },
    ]);
    assert.deepEqual(mandatory(r.diagnostics), [], JSON.stringify(r.diagnostics, null, 1));
    const chain = of(r.diagnostics, "share-chain");
    assert.equal(chain.length, 1);
    assert.equal(chain[0].urn, urnOf(HW_SHARE, "team-a-shares-replica"));
    assert.equal(chain[0].enforcementLevel, "advisory");
    assert.match(chain[0].message, /image \(copy team-a-replica\) is a copy of image img-golden, which d-platform shared with d-team-a/);
  });

  it("this package's ImageShare and bridged shares of one image are summed", async () => {
    const members = Array.from({ length: 30 }, (_, i) => ({ type: "account", id: String(5000000000000000 + i) }));
    const own: ResourceSpec = {
      type: OWN_SHARE,
      name: "golden-to-teams",
      props: { profile: "alicloud", region: "cn-hangzhou", account: "1111111111111111", imageId: "m-golden", members, __provider: "(serialized)" },
    };
    const r = await pack.analyzeStack([own, ...aliShares(25)]);
    const m = mandatory(r.diagnostics);
    assert.deepEqual(names(m), ["member-limit@share-20"]);
    assert.match(m[0].message, /would have 55 members: 55 declared by shares golden-to-teams, share-0/);

    // A ShareTopology's children are this package's resources, under the component.
    const component = urnOf("image-share:index:ShareTopology", "tenants");
    const child: ResourceSpec = { ...own, name: "tenants-golden-to-teams", parent: component, props: { ...own.props, members: members.slice(0, 21) } };
    const r2 = await pack.analyzeStack([{ type: "image-share:index:ShareTopology", name: "tenants", props: {} }, child, ...aliShares(30)]);
    assert.deepEqual(names(mandatory(r2.diagnostics)), ["member-limit@share-29"]);
  });

  it("a ShareTopology's policyFacts (its file's full-ECS image) count the bridged Huawei shares beside it against 10", async () => {
    const hex = (prefix: string, i: number) => `${prefix}${i.toString(16).padStart(31, "0")}`;
    const platform = { id: hex("a", 0), project: hex("b", 0) };
    const teams = Array.from({ length: 11 }, (_, i) => ({ id: hex("c", i), project: hex("d", i) }));
    const image = "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a";
    const topology: Topology = {
      profile: "huaweicloud",
      accounts: Object.fromEntries([["platform", { id: platform.id, projects: { p1: { id: platform.project, region: "cn-north-4" } } }], ...teams.map((t, i) => [`team-${i}`, { id: t.id, projects: { p1: { id: t.project, region: "cn-north-4" } } }])]),
      images: { server: { id: image, region: "cn-north-4", owner: "platform", project: "p1", kind: "full", name: "app-server" } },
      shares: [{ name: "server-to-teams", image: "server", members: teams.slice(0, 8).map((_, i) => ({ account: `team-${i}`, project: "p1" })) }],
      acceptances: [],
      copies: [],
    };
    const component = (props: Record<string, unknown>): ResourceSpec => ({ type: "image-share:index:ShareTopology", name: "fleet", props });
    const child: ResourceSpec = {
      type: OWN_SHARE,
      name: "fleet-server-to-teams",
      parent: urnOf("image-share:index:ShareTopology", "fleet"),
      props: { profile: "huaweicloud", region: "cn-north-4", account: platform.id, project: platform.project, imageId: image, members: teams.slice(0, 8).map((t) => ({ type: "project", id: t.project })) },
    };
    const hw = provider("huaweicloud", "platform", { region: "cn-north-4", domainId: platform.id, projectId: platform.project });
    const bridged = teams.slice(8).map((t, i): ResourceSpec => ({ type: HW_SHARE, name: `server-to-more-${i}`, props: { sourceImageId: image, targetProjectIds: [t.project] }, provider: hw }));
    const r = await pack.analyzeStack([component({ imageIds: { server: image }, policyFacts: policyFactsOf(topology) }), child, ...bridged]);
    const m = mandatory(r.diagnostics);
    assert.deepEqual([...new Set(m.map((d) => d.policyName))], ["member-limit"], JSON.stringify(r.diagnostics, null, 1));
    assert.match(m[0].message, /would have 11 members.*the limit is 10/s);
    // An image-share before policyFacts (the component's imageIds only): the kind is the default, system (128).
    const before = await pack.analyzeStack([component({ imageIds: { server: image } }), child, ...bridged]);
    assert.deepEqual(mandatory(before.diagnostics), []);
  });

  it("Tencent SyncImage: a recipient syncing a shared image to another region; an owner syncing to its own region", async () => {
    const owner = provider("tencentcloud", "owner", { region: "ap-guangzhou" });
    const team = provider("tencentcloud", "team", { region: "ap-guangzhou" });
    const settings = { providers: { owner: { account: "100000000001" }, team: { account: "100000000002" } } };
    await pack.configure({ "copy-of-shared-image": settings, "copy-same-region": settings });
    try {
      const r = await pack.analyzeStack([
        { type: TC_SHARE, name: "to-team", props: { imageId: "img-1", accountIds: ["100000000002"] }, provider: owner },
        { type: "tencentcloud:Cvm/syncImage:SyncImage", name: "team-syncs", props: { imageId: "img-1", destinationRegions: ["ap-shanghai", "ap-chengdu"] }, provider: team },
        { type: "tencentcloud:Cvm/syncImage:SyncImage", name: "owner-syncs", props: { imageId: "img-1", destinationRegions: ["ap-guangzhou"] }, provider: owner },
      ]);
      // One copy per destination region, each reported on the SyncImage.
      assert.deepEqual(names(mandatory(r.diagnostics)), ["copy-of-shared-image@team-syncs", "copy-of-shared-image@team-syncs", "copy-same-region@owner-syncs"]);
      assert.match(of(r.diagnostics, "copy-of-shared-image")[0].message, /copy team-syncs to ap-shanghai: 100000000002 copies image img-1, which 100000000001 shared with it/);
    } finally {
      await pack.configure();
    }
  });

  it("unknown inputs: never a false violation; a sum of known members over the limit still is one; skips are advisory notes", async () => {
    // 45 known members and 15 unknown: not over 50 on what is known.
    const some = aliShares(60).map((s, i) => (i >= 45 ? { ...s, props: { ...s.props, accountId: UNKNOWN_VALUE } } : s));
    const r = await pack.analyzeStack(some);
    assert.deepEqual(mandatory(r.diagnostics), []);
    const note = of(r.diagnostics, "member-limit");
    assert.equal(note.length, 1);
    assert.equal(note[0].enforcementLevel, "advisory");
    assert.match(note[0].message, /can't run policy 'member-limit' from policy pack 'image-share@v0.1.0' during preview: .*share-45: 1 of its members is not known until apply/);
    // 55 known and 5 unknown: over the limit whatever the unknown ones are.
    const over = aliShares(60).map((s, i) => (i >= 55 ? { ...s, props: { ...s.props, accountId: UNKNOWN_VALUE } } : s));
    const r2 = await pack.analyzeStack(over);
    assert.deepEqual(names(mandatory(r2.diagnostics)), ["member-limit@share-50"]);
    assert.equal(of(r2.diagnostics, "member-limit").filter((d) => d.enforcementLevel === "advisory").length, 1);
  });

  it("unknown image ids that come from a copy of the stack: summed on the copy's product", async () => {
    const copyUrn = urnOf(ALI_COPY, "golden-hz");
    const r = await pack.analyzeStack([
      { type: ALI_COPY, name: "golden-hz", props: { sourceImageId: "m-golden-bj", sourceRegionId: "cn-beijing", imageName: "golden" }, provider: aliPlatform },
      ...aliShares(51, UNKNOWN_VALUE, 0, { propertyDependencies: { imageId: [copyUrn] } }),
    ]);
    assert.deepEqual(names(mandatory(r.diagnostics)), ["member-limit@share-50"]);
    assert.match(mandatory(r.diagnostics)[0].message, /image \(copy golden-hz\) \(system, alicloud\) would have 51 members/);
  });

  it("an unknown image id from outside the stack: its members still count on their own, with a note", async () => {
    const r = await pack.analyzeStack([{ type: TC_SHARE, name: "to-many", props: { imageId: UNKNOWN_VALUE, accountIds: Array.from({ length: 51 }, (_, i) => String(100000000000 + i)) }, provider: provider("tencentcloud", "tc", { region: "ap-guangzhou" }) }]);
    assert.deepEqual(names(mandatory(r.diagnostics)), ["member-limit@to-many"]);
    assert.match(of(r.diagnostics, "member-limit").find((d) => d.enforcementLevel === "advisory")!.message, /to-many: its imageId is not known until apply/);
  });

  describe("CrossGuard config", () => {
    afterEach(() => pack.configure());

    it("an enforcement level per rule", async () => {
      await pack.configure({ "member-limit": "advisory" });
      const r = await pack.analyzeStack(aliShares(60));
      assert.deepEqual(mandatory(r.diagnostics), []);
      assert.equal(of(r.diagnostics, "member-limit")[0].enforcementLevel, "advisory");
      await pack.configure({ all: "disabled" });
      assert.deepEqual((await pack.analyzeStack(aliShares(60))).diagnostics, []);
    });

    it("a raised limit; the kind of an image; the trust list and strict mode", async () => {
      await pack.configure({ "member-limit": { limits: { alicloud: { member: 100 } } } });
      assert.deepEqual(mandatory((await pack.analyzeStack(aliShares(60))).diagnostics), []);
      const hwShare = (n: number): ResourceSpec => ({
        type: HW_SHARE,
        name: "golden-to-projects",
        props: { sourceImageId: "img-full", targetProjectIds: Array.from({ length: n }, (_, i) => `p-${i}`) },
        provider: provider("huaweicloud", "platform", { region: "cn-north-4", domainId: "d-platform", projectId: "p-platform" }),
      });
      // Kind not said: system assumed (128), with a note that a full-ECS image would be over 10.
      const assumed = await pack.analyzeStack([hwShare(11)]);
      assert.deepEqual(mandatory(assumed.diagnostics), []);
      assert.match(of(assumed.diagnostics, "member-limit")[0].message, /kind is not known and was taken as system; were it a full-ECS image, its 11 members would exceed the limit of 10/);
      await pack.configure({ "member-limit": { images: { "img-full": { kind: "full" } } } });
      assert.deepEqual(names(mandatory((await pack.analyzeStack([hwShare(11)])).diagnostics)), ["member-limit@golden-to-projects"]);

      const vendor = provider("huaweicloud", "team-a", { region: "cn-north-4", domainId: "d-team-a", projectId: "p-team-a" });
      const accept: ResourceSpec[] = [{ type: HW_ACCEPT, name: "accept-vendor-image", props: { imageId: "img-vendor" }, provider: vendor }];
      await pack.configure({ "untrusted-source": { images: { "img-vendor": { owner: "d-vendor" } } } });
      assert.equal(of((await pack.analyzeStack(accept)).diagnostics, "untrusted-source")[0].enforcementLevel, "advisory");
      await pack.configure({ "untrusted-source": { enforcementLevel: "mandatory", strictTrust: true, trust: ["d-other"], images: { "img-vendor": { owner: "d-vendor" } } } });
      assert.deepEqual(names(mandatory((await pack.analyzeStack(accept)).diagnostics)), ["untrusted-source@accept-vendor-image"]);
      await pack.configure({ "untrusted-source": { trust: ["d-vendor"], images: { "img-vendor": { owner: "d-vendor" } } } });
      assert.deepEqual(of((await pack.analyzeStack(accept)).diagnostics, "untrusted-source"), []);
    });

    it("the site of accounts (cross-site-share) and a provider's account the stack does not carry", async () => {
      const platform = provider("huaweicloud", "platform", { region: "cn-north-4", domainId: "d-platform", projectId: "p-platform" });
      const share: ResourceSpec = { type: "huaweicloud:Ims/imageShare:ImageShare", name: "to-partner", props: { sourceImageId: "img-golden", targetProjectIds: ["p-partner"] }, provider: platform };
      await pack.configure({ "cross-site-share": { accounts: { "d-platform": { site: "cn" }, "d-partner": { site: "intl", projects: { "p-partner": "cn-north-4" } } } } });
      assert.deepEqual(names(mandatory((await pack.analyzeStack([share])).diagnostics)), ["cross-site-share@to-partner"]);

      const tc = provider("tencentcloud", "tc", { region: "ap-guangzhou" });
      const selfShare: ResourceSpec = { type: TC_SHARE, name: "to-self", props: { imageId: "img-1", accountIds: ["100000000001"] }, provider: tc };
      assert.deepEqual(mandatory((await pack.analyzeStack([selfShare])).diagnostics), []);
      await pack.configure({ "self-share": { providers: { tc: { account: "100000000001" } } } });
      assert.deepEqual(names(mandatory((await pack.analyzeStack([selfShare])).diagnostics)), ["self-share@to-self"]);
    });

    it("a config that does not match the schema fails the analysis with what is wrong", async () => {
      await pack.configure({ "member-limit": { limits: { alicloud: { members: 100 } } } });
      await assert.rejects(pack.analyzeStack(aliShares(1)), /policy config of member-limit is not valid: limits\.alicloud: Unrecognized key: "members"/);
    });
  });
});
