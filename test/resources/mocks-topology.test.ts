import { strict as assert } from "node:assert";
import type { Topology } from "../../provider/rules/model";
import { ShareTopology } from "../../provider/resources/shareTopology";
import { PULUMI_UNKNOWN, UNKNOWN_IN_STACK, type StackDeclarations } from "../../provider/resources/wire";
import { runProgram } from "./harness";

const ID = {
  platform: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
  platformBj: "1a1b2c3d4e5f60718293a4b5c6d7e8f9",
  platformGz: "2a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamA: "3a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamABj: "4a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamAGz: "5a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamB: "6a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamBBj: "7a1b2c3d4e5f60718293a4b5c6d7e8f9",
  golden: "8a1e9c2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d",
};

function topology(): Topology {
  return {
    profile: "huaweicloud",
    accounts: {
      platform: { id: ID.platform, site: "cn", projects: { "platform-bj": { id: ID.platformBj, region: "cn-north-4" }, "platform-gz": { id: ID.platformGz, region: "cn-south-1" } } },
      "team-a": { id: ID.teamA, site: "cn", projects: { "team-a-bj": { id: ID.teamABj, region: "cn-north-4" }, "team-a-gz": { id: ID.teamAGz, region: "cn-south-1" } } },
      "team-b": { id: ID.teamB, site: "cn", projects: { "team-b-bj": { id: ID.teamBBj, region: "cn-north-4" } } },
    },
    images: {
      golden: { id: ID.golden, region: "cn-north-4", owner: "platform", project: "platform-bj", kind: "system", name: "golden-ubuntu" },
    },
    shares: [
      { name: "golden-to-teams", image: "golden", members: ["team-a", { account: "team-b", project: "team-b-bj" }] },
      { name: "gz-to-team-a", image: "golden-gz", members: [{ account: "team-a", project: "team-a-gz" }] },
    ],
    acceptances: [
      { name: "team-a-accepts", image: "golden", member: "team-a", status: "accepted" },
      { name: "team-a-gz-accepts", image: "golden-gz", member: { account: "team-a", project: "team-a-gz" }, status: "accepted" },
    ],
    copies: [{ name: "golden-to-gz", source: "golden", region: "cn-south-1", as: "golden-gz", imageName: "golden-ubuntu-gz" }],
  };
}

describe("ShareTopology under mocks", () => {
  it("declares one resource per copy, share and acceptance, acting as the right account and project", async () => {
    const run = await runProgram(() => new ShareTopology("hw", { topology: topology() }), {
      outputs: (r) => (r.name === "hw-golden-to-gz" ? { imageId: "copy-gz-1", imageRegion: "cn-south-1", imageOwner: ID.platform } : undefined),
    });
    assert.deepEqual(run.errors, []);
    const names = run.resources.map((r) => r.name);
    assert.deepEqual(new Set(names), new Set(["hw", "hw-golden-to-gz", "hw-golden-to-teams", "hw-gz-to-team-a", "hw-team-a-accepts", "hw-team-a-gz-accepts"]));
    assert.equal(run.byName("hw").type, "image-share:index:ShareTopology");

    const copy = run.byName("hw-golden-to-gz");
    assert.equal(copy.type, "pulumi-nodejs:dynamic/image-share:CrossRegionCopy");
    assert.deepEqual(
      { profile: copy.inputs.profile, region: copy.inputs.region, account: copy.inputs.account, project: copy.inputs.project, sourceImageId: copy.inputs.sourceImageId, targetRegion: copy.inputs.targetRegion, name: copy.inputs.name },
      { profile: "huaweicloud", region: "cn-north-4", account: ID.platform, project: ID.platformBj, sourceImageId: ID.golden, targetRegion: "cn-south-1", name: "golden-ubuntu-gz" },
    );

    const teams = run.byName("hw-golden-to-teams");
    assert.equal(teams.inputs.account, ID.platform);
    assert.equal(teams.inputs.project, ID.platformBj);
    assert.deepEqual(teams.inputs.members, [{ type: "account", id: ID.teamA }, { type: "project", id: ID.teamBBj }]);

    // The share of the copy's product takes the copy's image id, acts in the product's region.
    const gz = run.byName("hw-gz-to-team-a");
    assert.equal(gz.inputs.imageId, "copy-gz-1");
    assert.equal(gz.inputs.region, "cn-south-1");
    assert.equal(gz.inputs.project, ID.platformGz);
    assert.deepEqual(gz.inputs.members, [{ type: "project", id: ID.teamAGz }]);

    // Acceptances act as the member's account and project.
    const acc = run.byName("hw-team-a-gz-accepts");
    assert.deepEqual({ account: acc.inputs.account, project: acc.inputs.project, member: acc.inputs.member, imageId: acc.inputs.imageId }, {
      account: ID.teamA,
      project: ID.teamAGz,
      member: { type: "project", id: ID.teamAGz },
      imageId: "copy-gz-1",
    });
    assert.deepEqual(run.byName("hw-team-a-accepts").inputs.member, { type: "account", id: ID.teamA });

    // Waiting order: copy before the share of its product; shares before the acceptances they grant.
    const at = (n: string) => names.indexOf(n);
    assert.ok(at("hw-golden-to-gz") < at("hw-gz-to-team-a"));
    assert.ok(at("hw-golden-to-teams") < at("hw-team-a-accepts"));
    assert.ok(at("hw-gz-to-team-a") < at("hw-team-a-gz-accepts"));

    // Stack declarations: each resource sees the others of its cloud, never itself.
    // golden-to-teams does not wait for the copy: the share and acceptance of its product, whose image it cannot know, are left out.
    const teamsStack: StackDeclarations = teams.inputs.stack;
    assert.deepEqual(teamsStack.shares, []);
    assert.deepEqual(teamsStack.acceptances.map((a) => [a.resource, a.imageId]), [["hw-team-a-accepts", ID.golden]]);
    assert.deepEqual(teamsStack.copies.map((c) => [c.resource, c.sourceImageId]), [["hw-golden-to-gz", ID.golden]]);
    const gzStack: StackDeclarations = gz.inputs.stack;
    assert.deepEqual(gzStack.copies, [{ resource: "hw-golden-to-gz", sourceImageId: ID.golden, region: "cn-south-1", account: ID.platform, imageId: "copy-gz-1" }]);
    assert.deepEqual(gzStack.shares, [{ resource: "hw-golden-to-teams", imageId: ID.golden, members: [{ type: "account", id: ID.teamA }, { type: "project", id: ID.teamBBj }] }]);
    const accStack: StackDeclarations = acc.inputs.stack;
    assert.deepEqual(accStack.shares.find((s) => s.resource === "hw-gz-to-team-a")?.imageId, "copy-gz-1");
  });

  it("gives the policy pack what the file says and its resources do not, as its policyFacts output", async () => {
    let component: ShareTopology | undefined;
    const run = await runProgram(() => (component = new ShareTopology("hw", { topology: topology() })), {
      outputs: (r) => (r.name === "hw-golden-to-gz" ? { imageId: "copy-gz-1", imageRegion: "cn-south-1", imageOwner: ID.platform } : undefined),
    });
    assert.deepEqual(run.errors, []);
    // The copy's product has no id yet: the policy places it from the copy.
    assert.deepEqual(component!.policyFacts, {
      accounts: {
        [ID.platform]: { site: "cn", projects: { [ID.platformBj]: "cn-north-4", [ID.platformGz]: "cn-south-1" } },
        [ID.teamA]: { site: "cn", projects: { [ID.teamABj]: "cn-north-4", [ID.teamAGz]: "cn-south-1" } },
        [ID.teamB]: { site: "cn", projects: { [ID.teamBBj]: "cn-north-4" } },
      },
      images: { [ID.golden]: { kind: "system", owner: ID.platform, region: "cn-north-4" } },
    });
  });

  it("in preview, the copy's product stays unknown: in the share's own input and in the stacks it is sent to", async () => {
    const run = await runProgram(() => new ShareTopology("hw", { topology: topology() }), { preview: true });
    assert.deepEqual(run.errors, []);
    const gz = run.byName("hw-gz-to-team-a");
    // Unknown in preview: mocks see Pulumi's unknown value (the provider, its marker string).
    const id = gz.inputs.imageId;
    assert.ok(id === PULUMI_UNKNOWN || (typeof id === "object" && id !== null && id.__pulumiUnknown === true), JSON.stringify(id));
    // The product's acceptance may be granted by the product's share: it is sent that share, its image unknown, its members known.
    const accepts: StackDeclarations = run.byName("hw-team-a-gz-accepts").inputs.stack;
    assert.deepEqual(accepts.shares.find((s) => s.resource === "hw-gz-to-team-a"), { resource: "hw-gz-to-team-a", imageId: UNKNOWN_IN_STACK, members: [{ type: "project", id: ID.teamAGz }] });
  });

  it("fails the program with the rule ids when the file breaks a rule, declaring nothing", async () => {
    const t = topology();
    t.limits = { member: 1 };
    const run = await runProgram(() => new ShareTopology("hw", { topology: t }));
    assert.equal(run.errors.length, 1);
    assert.match(String((run.errors[0] as Error).message), /\[member-limit\]/);
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")), []);
  });

  it("passes limits, trust and added regions of the file to every resource's stack", async () => {
    const t = topology();
    t.limits = { member: 100 };
    t.trust = ["platform"];
    t.regions = ["cn-south-9"];
    const run = await runProgram(() => new ShareTopology("hw", { topology: t, credentials: { "team-a": { secretKey: { env: "TEAM_A_SK" } } } }));
    assert.deepEqual(run.errors, []);
    const acc = run.byName("hw-team-a-accepts");
    assert.deepEqual(acc.inputs.stack.limits, { member: 100 });
    assert.deepEqual(acc.inputs.stack.trust, [ID.platform]);
    assert.deepEqual(acc.inputs.stack.regions, ["cn-south-9"]);
    assert.deepEqual(run.byName("hw-golden-to-gz").inputs.stack.regions, ["cn-south-9"]);
    assert.deepEqual(acc.inputs.connection, { backend: "emulator", credentials: { secretKey: { env: "TEAM_A_SK" } } });
    assert.deepEqual(run.byName("hw-golden-to-teams").inputs.connection, { backend: "emulator" });
  });
});

describe("ShareTopology from a file", () => {
  const fs = require("node:fs") as typeof import("node:fs");
  const os = require("node:os") as typeof import("node:os");
  const path = require("node:path") as typeof import("node:path");
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-topology-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a topology file (JSON here) and declares its resources", async () => {
    const file = path.join(dir, "ok.json");
    fs.writeFileSync(file, JSON.stringify(topology()));
    const run = await runProgram(() => new ShareTopology("hw", { file }));
    assert.deepEqual(run.errors, []);
    assert.ok(run.resources.some((r) => r.name === "hw-golden-to-teams"));
    // The file's rule warnings reach the engine's log once.
    assert.deepEqual(run.logs.filter((l) => l.startsWith("warning: [pending-acceptance] golden-to-teams:")).length, 1, run.logs.join("\n"));
  });

  it("names each input error of a bad file, with its path, and declares nothing", async () => {
    const t = topology();
    t.shares[0].members.push("team-x");
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify(t));
    const run = await runProgram(() => new ShareTopology("hw", { file }));
    assert.equal(run.errors.length, 1);
    const message = String((run.errors[0] as Error).message);
    assert.match(message, /is not a valid topology file/);
    assert.match(message, /shares\[0\]\.members\[2\].*team-x/);
    assert.deepEqual(run.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic")), []);
  });
});
