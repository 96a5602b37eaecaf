/**
 * Check on malformed inputs and old state (issue 10 item 4), in-process for the three providers:
 * it never throws, it returns failures naming the property; the engine's unknown value anywhere
 * in a member waits (no failure resting on it); an id with whitespace, an invisible character or
 * another Unicode form is an input error at check, with the id quoted so that the culprit shows.
 */
import assert = require("node:assert/strict");
import { crossRegionCopyProvider, imageShareProvider, shareAcceptanceProvider } from "../../provider/resources/runtime";
import { PULUMI_UNKNOWN } from "../../provider/resources/wire";
import { setLogSink } from "../../provider/resources/provider/errors";
import { makeWorld, type World } from "../harness/world";

type Props = Record<string, unknown>;

describe("check on malformed inputs and old state", () => {
  let w: World;
  let share: Props;
  let acceptance: Props;
  let copy: Props;
  const lines: string[] = [];
  before(() => {
    setLogSink((l) => lines.push(l));
    w = makeWorld("huaweicloud");
    w.emulator.addMembersDirectly(w.imageId, [w.member(0)]);
    const identity = { profile: "huaweicloud", region: w.region, account: w.owner, project: w.ownerProject, connection: { backend: "emulator", emulatorPath: w.db } };
    share = { ...identity, imageId: w.imageId, members: [w.member(0), w.member(1)] };
    acceptance = { ...identity, account: w.recipients[0].account, project: w.recipients[0].project, imageId: w.imageId, member: w.member(0), status: "accepted" };
    copy = { ...identity, sourceImageId: w.imageId, targetRegion: "cn-south-1" };
  });
  after(() => {
    setLogSink();
    w?.cleanup();
  });

  const MALFORMED_STACKS: unknown[] = [
    { shares: [null], acceptances: [null], copies: [null] },
    { shares: [{ resource: "other", imageId: "(unknown)", members: [null, 3, { type: "account" }] }], acceptances: [{ member: null }], copies: [{}] },
    { shares: "not a list", acceptances: {}, copies: 7, limits: "x", trust: [null, 3], strictTrust: "yes" },
    { shares: [{ resource: "other", imageId: "x", members: "not a list" }] },
    "a string",
    [],
    null,
  ];

  it("never throws on a malformed `stack`, in any of the three providers", async () => {
    for (const stack of MALFORMED_STACKS) {
      for (const [name, p, news] of [
        ["ImageShare", imageShareProvider, share],
        ["ShareAcceptance", shareAcceptanceProvider, acceptance],
        ["CrossRegionCopy", crossRegionCopyProvider, copy],
      ] as const) {
        const r = await p.check!({} as never, { ...news, stack } as never);
        assert.deepEqual(r.failures ?? [], [], `${name} with stack ${JSON.stringify(stack)}`);
      }
    }
  });

  it("never throws on old state of another shape (addedMembers or members of [null], olds not an object)", async () => {
    for (const olds of [{ ...share, addedMembers: [null], members: [null] }, { members: "x" }, "x", null, []]) {
      const r = await imageShareProvider.check!(olds as never, share as never);
      assert.deepEqual(r.failures ?? [], [], JSON.stringify(olds));
    }
  });

  it("an unknown value in a member's type or id waits; the known members are still checked", async () => {
    const unknownType = await imageShareProvider.check!({} as never, { ...share, members: [{ type: PULUMI_UNKNOWN, id: w.recipients[2].account }, { type: "account", id: PULUMI_UNKNOWN }] } as never);
    assert.deepEqual(unknownType.failures ?? [], []);
    const withSelf = await imageShareProvider.check!({} as never, { ...share, members: [{ type: PULUMI_UNKNOWN, id: "x" }, { type: "account", id: w.owner }] } as never);
    assert.equal(withSelf.failures?.length, 1);
    assert.equal(withSelf.failures![0].property, "members[1]");
    assert.match(withSelf.failures![0].reason, /^\[self-share\]/);
    const acceptanceUnknown = await shareAcceptanceProvider.check!({} as never, { ...acceptance, member: { type: PULUMI_UNKNOWN, id: w.recipients[0].account } } as never);
    assert.deepEqual(acceptanceUnknown.failures ?? [], []);
  });

  it("an id with whitespace, an invisible character or another Unicode form is an input error, the id quoted", async () => {
    const cases: Array<[Props, string, RegExp]> = [
      [{ ...share, imageId: ` ${w.imageId}` }, "imageId", new RegExp(`^ImageShare: imageId: imageId " ${w.imageId}" holds whitespace \\(U\\+0020\\) at its start`)],
      [{ ...share, members: [w.member(0), { type: "account", id: `${w.recipients[1].account}\u00a0` }] }, "members[1].id", /member id "hua-r1\\u00a0" holds whitespace \(U\+00A0\) at its end/],
      [{ ...share, members: [{ type: "account", id: "hua-r\u200b1" }] }, "members[0].id", /member id "hua-r\\u200b1" holds U\+200B at position 6, outside ASCII/],
      [{ ...share, account: "ｈｕａ-owner" }, "account", /account "\\uff48\\uff55\\uff41-owner" holds U\+FF48 at its start, outside ASCII: a Unicode variant of "hua-owner"/],
      [{ ...share, region: "cn-north-4\n" }, "region", /region "cn-north-4\\n" holds whitespace \(U\+000A\) at its end/],
      [{ ...acceptance, imageId: `${w.imageId}\t` }, "imageId", /imageId ".*\\t" holds whitespace/],
      [{ ...copy, targetRegion: "cn-south-1 " }, "targetRegion", /targetRegion "cn-south-1 " holds whitespace/],
    ];
    for (const [news, property, reason] of cases) {
      const p = "member" in news ? shareAcceptanceProvider : "sourceImageId" in news ? crossRegionCopyProvider : imageShareProvider;
      const r = await p.check!({} as never, news as never);
      assert.equal(r.failures?.length, 1, JSON.stringify(r.failures));
      assert.equal(r.failures![0].property, property);
      assert.match(r.failures![0].reason, reason);
    }
  });

  it("ids are quoted in the provider's messages", async () => {
    await assert.rejects(imageShareProvider.create({ ...share, imageId: "no-such-image" } as never), /image "no-such-image"/);
    lines.length = 0;
    await imageShareProvider.check!({} as never, share as never);
    assert.ok(lines.some((l) => l.includes(`(account "${w.recipients[0].account}")`)), lines.join(""));
  });
});
