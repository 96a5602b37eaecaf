/**
 * An organization member of a Huawei Cloud image (IMS member_type organization, shared outside
 * this package: it cannot declare one) as this package handles it, through the real
 * dynamic-provider host: listed as an account named by the organization's URN, counted toward the
 * image's member limit as a member outside the stack, never adopted by refresh, never removed by an
 * ImageShare's update or delete: a share manages the members it declares, and none can declare
 * an organization (huaweicloud backend README, "Organization members").
 */
import assert = require("node:assert/strict");
import { imageShareProvider } from "../../provider/resources/imageShare";
import { PROVIDER_KEY, serializeProvider } from "../harness/host";
import { key, useHost, type World } from "../harness/world";

const URN = "organizations::3a2d95404f964a6aba78819bf8ddc1e3:organization:o-wvntq58r3poyv180t5df1mdna4uwy9se";

describe("an organization member on huaweicloud (through the dynamic-provider host)", function () {
  this.timeout(60_000);
  const fx = useHost();
  let providerText: string;
  before(async () => {
    providerText = await serializeProvider(imageShareProvider);
  });
  const inputs = (w: World, members: number[]) => ({
    profile: w.profile,
    region: w.region,
    account: w.owner,
    project: w.ownerProject,
    connection: { backend: "emulator", emulatorPath: w.db },
    imageId: w.imageId,
    members: members.map((i) => w.member(i)),
    [PROVIDER_KEY]: providerText,
  });

  it("counts toward the limit as outside the stack, is not adopted by refresh, and stays after update and delete", async () => {
    // A full-ECS image: a limit of 10 members on huaweicloud.
    const w = fx.world("huaweicloud", { kind: "full", recipients: 10 });
    w.emulator.addMembersDirectly(w.imageId, [{ type: "account", id: URN, status: "pending" }]);
    const nine = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    assert.deepEqual((await fx.host.check({}, inputs(w, nine))).failures, [], "9 declared + the organization = 10: at the limit");
    const over = await fx.host.check({}, inputs(w, [...nine, 9]));
    assert.equal(over.failures.length, 1);
    assert.match(over.failures[0].reason, /^\[member-limit\].*11 members: 10 declared .* \+ 1 existing/);

    const created = await fx.host.create((await fx.host.check({}, inputs(w, nine))).inputs);
    assert.ok(!(created.properties.members as { id: string }[]).some((m) => m.id === URN), "never one of the share's members");
    const read = await fx.host.read(created.id, created.properties);
    assert.ok(!(read.properties.members as { id: string }[]).some((m) => m.id === URN), "refresh does not adopt it into the share");

    const updated = await fx.host.update(created.id, read.properties, inputs(w, [0, 1]));
    assert.ok(w.members().includes(`account:${URN}`), "an update leaves it");
    await fx.host.delete(created.id, updated.properties);
    assert.deepEqual(w.members(), [`account:${URN}`], "delete removes the declared members only");
    assert.ok(!w.members().includes(key(w.member(0))));
  });
});
