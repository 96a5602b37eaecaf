/**
 * The resources' lifecycles through @pulumi/pulumi's own dynamic-provider host, once per backend
 * (backends/cases.ts): the in-process emulator, and the huaweicloud, opentelekomcloud, alicloud
 * and tencentcloud backends over the emulator served in their HTTP dialects, every request
 * signed with key pairs the provider reads from environment variables the resources name.
 * The emulator's state is asserted after each step. Needs bin/ current (`npx tsc -p
 * tsconfig.json`; npm test's pretest does it).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import { imageShareProvider } from "../../provider/resources/imageShare";
import { shareAcceptanceProvider } from "../../provider/resources/shareAcceptance";
import { crossRegionCopyProvider } from "../../provider/resources/crossRegionCopy";
import { PROVIDER_KEY, startHost, serializeProvider, HostError, type Host } from "../harness/host";
import { makeStackDir, regionsOf, key } from "../harness/world";
import { usesProjects } from "../../provider/rules/profiles";
import { BACKENDS, SECRETS, hostEnv, setUp, type BackendCase, type CopyKind, type Setup } from "./backends/cases";

const keys = (ms: unknown): string[] => (ms as { type: "account" | "project"; id: string }[]).map((m) => key(m)).sort();

describe("resource lifecycles through the dynamic-provider host, once per backend", function () {
  this.timeout(60_000);
  let host: Host;
  let stackDir: string;
  const text = { share: "", acceptance: "", copy: "" };

  before(async () => {
    [text.share, text.acceptance, text.copy] = await Promise.all([serializeProvider(imageShareProvider), serializeProvider(shareAcceptanceProvider), serializeProvider(crossRegionCopyProvider)]);
    stackDir = makeStackDir();
    host = await startHost({ cwd: stackDir, env: hostEnv() });
  });
  after(async () => {
    await host?.stop();
    if (stackDir) fs.rmSync(stackDir, { recursive: true, force: true });
  });

  const noSecret = (what: string, value: unknown) => {
    const s = JSON.stringify(value);
    for (const secret of SECRETS) assert.ok(!s.includes(secret), `${what} holds a credential value`);
  };

  for (const c of BACKENDS) {
    describe(c.name, () => {
      let s: Setup;
      before(async () => {
        s = await setUp(c);
      });
      after(async () => {
        await s?.close();
      });

      it("ImageShare: check -> create -> read -> diff -> update (add and remove members) -> delete", async () => {
        const w = s.world;
        // Present before the stack: member 3, declared (adopted: delete removes it), and member 4, not declared (left alone).
        w.emulator.addMembersDirectly(w.imageId, [w.member(3), w.member(4)]);
        const inputs = (members: number[]) => ({
          profile: w.profile,
          region: w.region,
          account: w.owner,
          ...(w.ownerProject ? { project: w.ownerProject } : {}),
          connection: s.connection("OWNER"),
          imageId: w.imageId,
          members: members.map((i) => w.member(i)),
          [PROVIDER_KEY]: text.share,
        });
        const news = inputs([0, 1, 3]);
        const checked = await host.check({}, news);
        assert.deepEqual(checked.failures, []);
        assert.deepEqual(w.members(), [key(w.member(3)), key(w.member(4))].sort(), "check changes nothing");

        const created = await host.create(checked.inputs);
        assert.match(created.id, new RegExp(`^${w.imageId}/`));
        assert.deepEqual(w.members(), [0, 1, 3, 4].map((i) => key(w.member(i))).sort());
        assert.deepEqual(keys(created.properties.members), [0, 1, 3].map((i) => key(w.member(i))).sort());
        assert.equal(created.properties.imageKind, "system");

        // Drift: a member removed outside the stack shows on refresh.
        w.emulator.store.transact((st) => {
          const img = st.images[w.imageId];
          img.members = img.members.filter((m) => m.id !== w.member(1).id);
        });
        const read = await host.read(created.id, created.properties);
        assert.equal(read.id, created.id);
        assert.deepEqual(keys(read.properties.members), [0, 3].map((i) => key(w.member(i))).sort());

        assert.equal((await host.diff(created.id, created.properties, inputs([3, 1, 0]))).changes, "none");
        const diffSame = await host.diff(created.id, read.properties, news);
        assert.equal(diffSame.changes, "some", "the drifted member is re-added");
        assert.deepEqual(diffSame.replaces, []);
        const news2 = inputs([1, 2, 3]);
        const diff = await host.diff(created.id, read.properties, news2);
        assert.equal(diff.changes, "some");
        assert.deepEqual(diff.replaces, [], "a change of members is an update");
        assert.deepEqual((await host.diff(created.id, created.properties, { ...news, imageId: "other-image" })).replaces, ["imageId"]);

        // Adds 1 (drifted away) and 2, removes 0.
        const updated = await host.update(created.id, read.properties, news2);
        assert.deepEqual(w.members(), [1, 2, 3, 4].map((i) => key(w.member(i))).sort());
        assert.deepEqual(keys(updated.properties.members), [1, 2, 3].map((i) => key(w.member(i))).sort());

        await host.delete(created.id, updated.properties);
        assert.deepEqual(w.members(), [key(w.member(4))], "delete removes the declared members, and only those");
        noSecret("ImageShare outputs", [created, read, updated]);
      });

      if (c.acceptance) {
        it("ShareAcceptance: the recipient accepts with its own credentials; delete sets it back to rejected", async () => {
          const w = s.world;
          const r = w.recipients[0];
          const member = w.member(0);
          w.emulator.store.transact((st) => void (st.images[w.imageId].members = []));
          w.emulator.addMembersDirectly(w.imageId, [member]);
          const statusOf = () => w.emulator.image(w.imageId)!.members.find((m) => m.id === member.id)?.status;
          assert.equal(statusOf(), "pending");
          // IMS names an image's owner by its project: the recipient is told which account owns it.
          const extra = c.served && w.ownerProject ? { projectAccounts: { [w.ownerProject]: w.owner } } : {};
          const news = {
            profile: w.profile,
            region: w.region,
            account: r.account,
            project: r.project,
            connection: s.connection("RECIPIENT", extra),
            imageId: w.imageId,
            member,
            status: "accepted",
            [PROVIDER_KEY]: text.acceptance,
          };
          const checked = await host.check({}, news);
          assert.deepEqual(checked.failures, []);
          assert.equal(statusOf(), "pending", "check changes nothing");

          const created = await host.create(checked.inputs);
          assert.equal(statusOf(), "accepted");
          assert.equal(created.properties.owner, w.owner, "the owner is an account");
          const read = await host.read(created.id, created.properties);
          assert.equal(read.id, created.id);
          assert.equal(read.properties.status, "accepted");
          assert.equal(read.properties.owner, w.owner);

          assert.equal((await host.diff(created.id, read.properties, news)).changes, "none");
          const diff = await host.diff(created.id, read.properties, { ...news, status: "rejected" });
          assert.equal(diff.changes, "some");
          assert.deepEqual(diff.replaces, []);
          await host.update(created.id, read.properties, { ...news, status: "rejected" });
          assert.equal(statusOf(), "rejected");
          const updated = await host.update(created.id, read.properties, news);
          assert.equal(statusOf(), "accepted");

          await host.delete(created.id, updated.properties);
          assert.equal(statusOf(), "rejected", "delete sets the member back to rejected");
          noSecret("ShareAcceptance outputs", [created, read, updated]);

          if (c.served && w.ownerProject) {
            // Without the mapping IMS gives nothing but the owner's project.
            const unmapped = await host.create({ ...news, connection: s.connection("RECIPIENT") });
            assert.equal(unmapped.properties.owner, w.ownerProject);
            await host.delete(unmapped.id, unmapped.properties);
          }
        });
      }

      for (const kind of c.copies) {
        it(`CrossRegionCopy (${kind}): check -> create (waits for the job) -> read -> diff -> update -> delete`, async () => {
          await copyLifecycle(c, s, kind);
        });
      }
    });
  }

  it("connection.agencyName and connection.projectAccounts are checked: a bad one is a check failure naming its property", async () => {
    const base = { profile: "huaweicloud", region: "cn-north-4", account: "acct", project: "acct-p1", imageId: "img", member: { type: "account", id: "acct" }, status: "accepted", [PROVIDER_KEY]: text.acceptance };
    const cloud = { backend: "cloud", endpoint: "http://127.0.0.1:9" };
    const bad = await host.check({}, { ...base, connection: { ...cloud, projectAccounts: { "owner-p1": "" }, agencyName: "" } });
    assert.deepEqual(bad.failures.map((f) => f.property).sort(), ["connection.agencyName", "connection.projectAccounts.owner-p1"]);
    const notMap = await host.check({}, { ...base, connection: { ...cloud, projectAccounts: ["owner-p1"] } });
    assert.equal(notMap.failures[0]?.property, "connection.projectAccounts");
    assert.match(notMap.failures[0].reason, /projectAccounts must map project ids to account ids/);
  });

  async function copyLifecycle(c: BackendCase, s: Setup, kind: CopyKind): Promise<void> {
    const w = s.world;
    w.emulator.store.transact((st) => void (st.images[w.imageId].members = []));
    const [, other] = regionsOf(w.profile);
    const target = kind === "cross-region" ? other : w.region;
    const imagesBefore = w.emulator.snapshot().images.length;
    const huaweiServed = c.served && usesProjects(w.profile);
    // IMS copies across regions through an IAM agency; the copy lives in the account's project there.
    const agency = huaweiServed && kind === "cross-region" ? { agencyName: "ims_admin_agency" } : {};
    const news = {
      profile: w.profile,
      region: w.region,
      account: w.owner,
      ...(w.ownerProject ? { project: w.ownerProject } : {}),
      ...(w.ownerProject && kind === "cross-region" ? { targetProject: `${w.owner}-p2` } : {}),
      connection: s.connection("OWNER", agency),
      sourceImageId: w.imageId,
      targetRegion: target,
      name: `golden-${kind}`,
      [PROVIDER_KEY]: text.copy,
    };
    const checked = await host.check({}, news);
    assert.deepEqual(checked.failures, []);
    assert.equal(w.emulator.snapshot().images.length, imagesBefore, "check copies nothing");

    if (huaweiServed && kind === "cross-region") {
      // Projects are regional: the copy's project in the destination must be named.
      const { targetProject: _, ...unnamed } = news as Record<string, unknown>;
      const noProject = await host.check({}, unnamed);
      assert.equal(noProject.failures[0]?.property, "targetProject");
      assert.match(noProject.failures[0].reason, new RegExp(`project in ${target}`));
      // Without the agency the copy is refused before any request, saying what to set.
      await assert.rejects(host.create({ ...checked.inputs, connection: s.connection("OWNER") }), (e: HostError) => {
        assert.match(e.message, /agency/);
        assert.equal(e.initFailed, undefined);
        return true;
      });
      assert.equal(w.emulator.snapshot().images.length, imagesBefore, "nothing copied");
    }

    const created = await host.create(checked.inputs);
    const copyId = created.properties.imageId as string;
    assert.equal(created.id, copyId);
    assert.equal(created.properties.jobStatus, "succeeded");
    assert.equal(created.properties.imageRegion, target);
    assert.equal(created.properties.imageOwner, w.owner);
    const img = w.emulator.image(copyId)!;
    assert.equal(img.status, "available", "create waited for the job");
    assert.equal(img.region, target);
    assert.equal(img.owner, w.owner);
    assert.equal(img.name, `golden-${kind}`);
    await host.waitForOutput(new RegExp(`copying image "${w.imageId}" to ${target}: done, image "${copyId}"`));

    const read = await host.read(created.id, created.properties);
    assert.equal(read.properties.imageId, copyId);
    assert.equal(read.properties.imageOwner, w.owner);
    assert.equal(read.properties.jobStatus, "succeeded");
    assert.equal((await host.diff(created.id, read.properties, news)).changes, "none");
    assert.deepEqual((await host.diff(created.id, read.properties, { ...news, name: "other" })).replaces, ["name"]);
    const diff = await host.diff(created.id, read.properties, { ...news, timeoutMinutes: 5 });
    assert.equal(diff.changes, "some");
    assert.deepEqual(diff.replaces, []);
    const updated = await host.update(created.id, read.properties, { ...news, timeoutMinutes: 5 });
    assert.equal(updated.properties.imageId, copyId);
    assert.equal(w.emulator.snapshot().images.length, imagesBefore + 1, "an update copies nothing");

    const r = w.recipients[1];
    if (c.refusesDeleteWhileShared) {
      w.emulator.addMembersDirectly(copyId, [{ type: "account", id: r.account }]);
      await assert.rejects(host.delete(created.id, updated.properties), (e: HostError) => {
        assert.match(e.message, /\[delete-while-shared\]/);
        assert.match(e.message, new RegExp(`account "${r.account}"`), "the error names the member left");
        return true;
      });
      assert.equal(w.emulator.image(copyId)?.status, "available", "nothing deleted");
      w.emulator.store.transact((st) => void (st.images[copyId].members = []));
    }
    await host.delete(created.id, updated.properties);
    assert.equal(w.emulator.image(copyId), undefined, "delete deletes the copy");
    assert.ok(w.emulator.image(w.imageId), "the source stays");
    noSecret("CrossRegionCopy outputs", [created, read, updated]);
  }
});

describe("resource classes: connection.agencyName and connection.projectAccounts", () => {
  // Loaded here: common.ts loads @pulumi/pulumi, which the host tests above do not need in-process.
  const { normalizeConnection } = require("../../provider/resources/common") as typeof import("../../provider/resources/common");

  it("are passed through as given (ids, no secrets), and checked", () => {
    const c = normalizeConnection("CrossRegionCopy copy", { backend: "cloud", agencyName: "ims_admin_agency", projectAccounts: { "owner-p1": "owner" } }, {});
    assert.deepEqual(c, { backend: "cloud", agencyName: "ims_admin_agency", projectAccounts: { "owner-p1": "owner" } });
    assert.throws(() => normalizeConnection("CrossRegionCopy copy", { backend: "cloud", agencyName: "" }, {}), /connection\.agencyName must be an IAM agency's name/);
    assert.throws(() => normalizeConnection("ShareAcceptance a", { backend: "cloud", projectAccounts: { p: 3 } }, {}), /connection\.projectAccounts\.p must be an account id/);
    assert.throws(() => normalizeConnection("ShareAcceptance a", { backend: "cloud", agency: "x" }, {}), /unknown key "agency" \(.*agencyName, projectAccounts, retryDeadlineMs\)/);
  });
});
