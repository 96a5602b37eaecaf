/**
 * Rules at check, through the real dynamic-provider host: a stack that breaks an error rule fails
 * Check with the rule id on the property that causes it, and nothing is created (Check never
 * writes); unknown values (preview) never produce a violation; warnings do not fail.
 */
import assert = require("node:assert/strict");
import { imageShareProvider } from "../../provider/resources/imageShare";
import { PULUMI_UNKNOWN, UNKNOWN_IN_STACK } from "../../provider/resources/wire";
import { PROVIDER_KEY, serializeProvider } from "../harness/host";
import { makeWorld, type World, useHost } from "../harness/world";

describe("rules at check through the dynamic-provider host (ImageShare)", function () {
  this.timeout(60_000);
  const fx = useHost();
  let providerText: string;
  before(async () => {
    providerText = await serializeProvider(imageShareProvider);
  });
  const stack = (shares: Array<{ resource: string; imageId: string; members: unknown[]; membersUnknown?: boolean }> = [], extra: Record<string, unknown> = {}) => ({
    shares,
    acceptances: [],
    copies: [],
    ...extra,
  });
  const share = (w: World, members: unknown[], extra: Record<string, unknown> = {}) => ({
    profile: w.profile,
    region: w.region,
    account: w.owner,
    ...(w.ownerProject ? { project: w.ownerProject } : {}),
    connection: { backend: "emulator", emulatorPath: w.db },
    imageId: w.imageId,
    members,
    [PROVIDER_KEY]: providerText,
    ...extra,
  });
  const accounts = (n: number, prefix = "acct") => Array.from({ length: n }, (_, i) => ({ type: "account" as const, id: `${prefix}-${i}` }));

  it("member-limit: members already in the cloud count; the member that crosses the limit is blamed; nothing is created", async () => {
    const w = fx.world("huaweicloud");
    w.emulator.addMembersDirectly(w.imageId, accounts(125, "outside"));
    const before = w.members();
    const { failures } = await fx.host.check({}, share(w, accounts(4)));
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.equal(failures[0].property, "members[3]");
    assert.match(failures[0].reason, /^\[member-limit\] .*129/);
    assert.match(failures[0].reason, /Fix: /);
    assert.deepEqual(w.members(), before, "check writes nothing");
    // Exactly at the limit passes.
    assert.deepEqual((await fx.host.check({}, share(w, accounts(3)))).failures, []);
  });

  it("member-limit after an apply: members another share of the stack declares, already on the image, count once", async () => {
    // Two shares of one full-ECS image, 5 + 5 (huaweicloud's limit 10), both applied: each one's
    // check sees the other's five members in the cloud and in the stack; they are the same five.
    const mine = accounts(5, "mine");
    const theirs = accounts(5, "theirs");
    const applied = (outside: number) => {
      const w = fx.world("huaweicloud", { kind: "full" });
      w.emulator.addMembersDirectly(w.imageId, [...mine, ...theirs, ...accounts(outside, "outside")]);
      return { w, others: stack([{ resource: "other-share", imageId: w.imageId, members: theirs }]) };
    };
    const at = applied(0);
    assert.deepEqual((await fx.host.check(share(at.w, mine), share(at.w, mine, { stack: at.others }))).failures, [], "at the limit, after the apply");
    // One member outside the stack on top is one too many, and says so.
    const { w, others } = applied(1);
    const over = await fx.host.check(share(w, mine), share(w, mine, { stack: others }));
    assert.equal(over.failures.length, 1, JSON.stringify(over.failures));
    assert.match(over.failures[0].reason, /^\[member-limit\] .*11 members: 10 declared by shares other-share and this resource \+ 1 existing/);
  });

  it("member-limit: summed over the stack's other shares of the image; unknown members are not counted", async () => {
    const w = fx.world("alicloud");
    const others = stack([{ resource: "team-share", imageId: w.imageId, members: accounts(45, "team") }]);
    const over = await fx.host.check({}, share(w, accounts(6), { stack: others }));
    assert.equal(over.failures.length, 1);
    assert.match(over.failures[0].reason, /^\[member-limit\]/);
    // 45 + 5 known + unknowns: at the limit, no violation resting on the unknowns.
    const unknowns = await fx.host.check({}, share(w, [...accounts(5), PULUMI_UNKNOWN, PULUMI_UNKNOWN], { stack: stack([{ resource: "team-share", imageId: w.imageId, members: [...accounts(45, "team"), UNKNOWN_IN_STACK] }]) }));
    assert.deepEqual(unknowns.failures, []);
    // A whole member list unknown, an unknown image id: nothing to violate yet.
    assert.deepEqual((await fx.host.check({}, share(w, PULUMI_UNKNOWN as never, { stack: others }))).failures, []);
    assert.deepEqual((await fx.host.check({}, share(w, accounts(60), { imageId: PULUMI_UNKNOWN }))).failures, []);
  });

  it("self-share: the owner's account (huaweicloud) or the project holding the image", async () => {
    const w = fx.world("huaweicloud");
    const a = await fx.host.check({}, share(w, [{ type: "account", id: w.recipients[0].account }, { type: "account", id: w.owner }]));
    assert.equal(a.failures[0]?.property, "members[1]");
    assert.match(a.failures[0].reason, /^\[self-share\]/);
    const p = await fx.host.check({}, share(w, [{ type: "project", id: w.ownerProject }]));
    assert.match(p.failures[0]?.reason ?? "", /^\[self-share\]/);
  });

  it("reshare-forbidden: sharing on an image that was shared with the account", async () => {
    const w = fx.world("huaweicloud");
    const r = w.recipients[0];
    w.emulator.addMembersDirectly(w.imageId, [{ type: "account", id: r.account }]);
    const { failures } = await fx.host.check({}, share(w, [w.member(1)], { account: r.account, project: r.project }));
    assert.equal(failures[0]?.property, "imageId");
    assert.match(failures[0].reason, /^\[reshare-forbidden\]/);
  });

  it("member-conflict: the same member granted by another share of the stack", async () => {
    const w = fx.world("tencentcloud");
    const { failures } = await fx.host.check({}, share(w, [w.member(0), w.member(1)], { stack: stack([{ resource: "other-share", imageId: w.imageId, members: [w.member(1)] }]) }));
    assert.equal(failures.length, 1);
    assert.equal(failures[0].property, "members[1]");
    assert.match(failures[0].reason, /^\[member-conflict\].*other-share/);
  });

  it("member-limit on a full-ECS image (huaweicloud: 10); a raised limit from the stack lifts it", async () => {
    const w = fx.world("huaweicloud", { kind: "full" });
    const { failures } = await fx.host.check({}, share(w, accounts(11)));
    assert.match(failures[0]?.reason ?? "", /^\[member-limit\]/);
    assert.deepEqual((await fx.host.check({}, share(w, accounts(11), { stack: stack([], { limits: { fullMember: 20 } }) }))).failures, []);
  });

  it("an image that does not exist yet (a copy's product before apply) does not fail check", async () => {
    const w = fx.world("alicloud");
    assert.deepEqual((await fx.host.check({}, share(w, accounts(3), { imageId: "m-not-there-yet" }))).failures, []);
  });

  it("warnings (member-limit-headroom) are printed and do not fail", async () => {
    const w = fx.world("alicloud");
    w.emulator.addMembersDirectly(w.imageId, accounts(44, "outside"));
    const { failures } = await fx.host.check({}, share(w, accounts(2)));
    assert.deepEqual(failures, []);
    await fx.host.waitForOutput(/warning: ImageShare of image .*\[member-limit-headroom\]/);
  });

  it("bad input shapes are failures naming the property, never a crash", async () => {
    const w = fx.world("huaweicloud");
    const bad = await fx.host.check({}, share(w, [{ type: "user", id: "x" }], { profile: "aws" }));
    const props = bad.failures.map((f) => f.property).sort();
    assert.deepEqual(props, ["members[0].type", "profile"]);
    assert.ok(bad.failures.every((f) => !/\n\s+at /.test(f.reason)));
    const otc = fx.world("opentelekomcloud");
    const acct = await fx.host.check({}, share(otc, [{ type: "account", id: otc.recipients[0].account }]));
    assert.equal(acct.failures[0]?.property, "members[0]");
    assert.match(acct.failures[0].reason, /shares an image with projects/);
  });
});

describe("reads at check: one image read and one member listing per image per run", () => {
  it("several resources' checks of one image share the reads", async () => {
    // In-process, as the host runs it: the cache lives in the provider's process.
    const { imageShareProvider: runtime } = require("../../provider/resources/runtime") as typeof import("../../provider/resources/runtime");
    const { reads } = require("../../provider/resources/provider/cache") as typeof import("../../provider/resources/provider/cache");
    const w = makeWorld("alicloud");
    try {
      const base = { profile: "alicloud", region: w.region, account: w.owner, connection: { backend: "emulator", emulatorPath: w.db }, imageId: w.imageId } as const;
      const before = { ...reads };
      for (let i = 0; i < 5; i++) {
        const r = await runtime.check!({} as never, { ...base, members: [w.member(i % 4)] } as never);
        assert.deepEqual(r.failures ?? [], []);
      }
      assert.equal(reads.getImage - before.getImage, 1);
      assert.equal(reads.listMembers - before.listMembers, 1);
    } finally {
      w.cleanup();
    }
  });
});
