import { strict as assert } from "node:assert";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ImageShare } from "../../provider/resources/imageShare";
import { ShareAcceptance } from "../../provider/resources/shareAcceptance";
import { CrossRegionCopy } from "../../provider/resources/crossRegionCopy";
import { imageShareProvider } from "../../provider/resources/imageShare";
import { shareAcceptanceProvider } from "../../provider/resources/shareAcceptance";
import { crossRegionCopyProvider } from "../../provider/resources/crossRegionCopy";
import { holdDeclarations, register, resetDeclarations, stackFor, type Declaration } from "../../provider/resources/ledger";
import { UNKNOWN_IN_STACK, type StackDeclarations } from "../../provider/resources/wire";
import { runProgram } from "./harness";

const HW = { profile: "huaweicloud" as const, region: "cn-north-4", account: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", project: "1b2c3d4e5f60718293a4b5c6d7e8f90a" };
const IMAGE = "5a1e9c2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d";

describe("resource classes (thin provider)", () => {
  for (const [name, provider, runtimeName] of [
    ["ImageShare", imageShareProvider, "imageShareProvider"],
    ["ShareAcceptance", shareAcceptanceProvider, "shareAcceptanceProvider"],
    ["CrossRegionCopy", crossRegionCopyProvider, "crossRegionCopyProvider"],
  ] as const) {
    it(`${name}: the serialized provider only requires image-share/runtime by name`, async () => {
      const { text, containsSecrets } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      assert.equal(containsSecrets, false);
      assert.ok(text.length < 4000, `provider text is ${text.length} characters`);
      // The runtime by package name, resolved from the stack's directory (see imageShareProvider).
      assert.match(text, /require\("module"\)\.createRequire\(require\("path"\)\.join\(process\.cwd\(\), "index\.js"\)\)\("image-share\/runtime"\)\[name\]/);
      // ...and the implementation it takes from there, captured as a plain string.
      assert.ok(text.includes(`with({ name: "${runtimeName}"`), text);
      // Nothing of our modules by value: no other require, no module path, no __dirname, no helper of the classes.
      const requires = [...text.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(requires)].sort(), ['"module"', '"path"']);
      for (const forbidden of ["__dirname", "__filename", "provider/", "ledger", "normalize", "inputError", "process.env"]) {
        assert.ok(!text.includes(forbidden), `provider text mentions ${forbidden}`);
      }
      // The handler, the seven methods and the one function that requires the runtime, nothing else.
      const functions = text.match(/^function __f\d+/gm) ?? [];
      assert.equal(functions.length, 9, text);
    });
  }
});

describe("the serialized provider in this repository", () => {
  it("resolves image-share/runtime from the repository root (the root Pulumi.yaml's stack) by self-reference", () => {
    const root = path.resolve(__dirname, "../..");
    const resolved = createRequire(path.join(root, "index.js")).resolve("image-share/runtime");
    assert.equal(resolved, path.join(root, "bin/provider/resources/runtime.js"));
  });
});

describe("resource classes under mocks", () => {
  it("registers ImageShare with a stable type, normalized members, the connection default and an empty stack", async () => {
    const run = await runProgram(() => {
      new ImageShare("golden-to-teams", { ...HW, imageId: IMAGE, members: ["a1b2c3d4e5f60718293a4b5c6d7e8f90", { type: "project", id: "p1" }] });
    });
    assert.deepEqual(run.errors, []);
    const r = run.byName("golden-to-teams");
    assert.equal(r.type, "pulumi-nodejs:dynamic/image-share:ImageShare");
    assert.deepEqual(r.inputs.members, [
      { type: "account", id: "a1b2c3d4e5f60718293a4b5c6d7e8f90" },
      { type: "project", id: "p1" },
    ]);
    assert.deepEqual(r.inputs.connection, { backend: "emulator" });
    assert.equal(r.inputs.imageId, IMAGE);
    assert.equal(r.inputs.profile, "huaweicloud");
    assert.equal(r.inputs.project, HW.project);
    assert.deepEqual(r.inputs.stack, { shares: [], acceptances: [], copies: [] });
    assert.match(r.inputs.__provider, /\("image-share\/runtime"\)\[name\]/);
    assert.ok(r.inputs.__provider.includes('name: "imageShareProvider"'));
  });

  it("sums members across two ImageShares of one image: each sees the other, not itself", async () => {
    const run = await runProgram(() => {
      new ImageShare("a", { ...HW, imageId: IMAGE, members: ["m1", "m2"], limits: { member: 3 } });
      new ImageShare("b", { ...HW, imageId: pulumi.output(IMAGE), members: [pulumi.output("m3"), "m4"] });
      new ImageShare("other-cloud", { profile: "alicloud", region: "cn-hangzhou", account: "1234567890123456", imageId: "m-bp1", members: ["x"] });
    });
    assert.deepEqual(run.errors, []);
    const a: StackDeclarations = run.byName("a").inputs.stack;
    const b: StackDeclarations = run.byName("b").inputs.stack;
    assert.deepEqual(a.shares, [{ resource: "b", imageId: IMAGE, members: [{ type: "account", id: "m3" }, { type: "account", id: "m4" }] }]);
    assert.deepEqual(b.shares, [{ resource: "a", imageId: IMAGE, members: [{ type: "account", id: "m1" }, { type: "account", id: "m2" }] }]);
    assert.deepEqual(a.limits, { member: 3 });
    assert.equal(b.limits, undefined);
    const total = [...run.byName("a").inputs.members, ...a.shares.flatMap((s) => (s.imageId === IMAGE ? s.members : []))];
    assert.equal(total.length, 4);
    assert.deepEqual(run.byName("other-cloud").inputs.stack.shares, [], "another cloud's declarations are not listed");
  });

  it("a share of a copy's product sees the copy's image id; the copy does not wait for the share (no cycle)", async () => {
    const run = await runProgram(
      () => {
        const copy = new CrossRegionCopy("golden-gz", { ...HW, sourceImageId: IMAGE, targetRegion: "cn-south-1" });
        new ImageShare("gz-share", { ...HW, region: "cn-south-1", imageId: copy.imageId, members: ["m1"] }, { dependsOn: [copy] });
        new ShareAcceptance("m1-accepts", { ...HW, account: "m1", region: "cn-south-1", imageId: copy.imageId });
      },
      { outputs: (r) => (r.name === "golden-gz" ? { imageId: "copy-image-1", imageRegion: "cn-south-1" } : undefined) },
    );
    assert.deepEqual(run.errors, []);
    const share: StackDeclarations = run.byName("gz-share").inputs.stack;
    assert.deepEqual(share.copies, [{ resource: "golden-gz", sourceImageId: IMAGE, region: "cn-south-1", account: HW.account, imageId: "copy-image-1" }]);
    assert.deepEqual(share.acceptances, [{ resource: "m1-accepts", imageId: "copy-image-1", member: { type: "account", id: "m1" }, status: "accepted" }]);
    // The copy does not wait for what waits for it: their image (its product) is not known to its stack, which leaves them out.
    const copy: StackDeclarations = run.byName("golden-gz").inputs.stack;
    assert.deepEqual([copy.shares, copy.acceptances], [[], []]);
    // The acceptance waits for the copy too: it sees the share of the product it accepts.
    const accepts: StackDeclarations = run.byName("m1-accepts").inputs.stack;
    assert.deepEqual(accepts.shares, [{ resource: "gz-share", imageId: "copy-image-1", members: [{ type: "account", id: "m1" }] }]);
    assert.equal(run.byName("gz-share").inputs.imageId, "copy-image-1");
  });

  it("a resource's stack holds what bears on its image: that image's and the images joined to it by copies; to an acceptance, also the shares of images not known yet; not the others", async () => {
    const OTHER = "6b2f0d3c-4e5a-4b7c-9d8e-0f1a2b3c4d5e";
    const run = await runProgram(
      () => {
        new ImageShare("a", { ...HW, imageId: IMAGE, members: ["m1"] });
        new ImageShare("unrelated", { ...HW, imageId: OTHER, members: ["m2"] });
        new ShareAcceptance("m2-accepts", { ...HW, account: "m2", imageId: OTHER });
        const copy = new CrossRegionCopy("golden-gz", { ...HW, sourceImageId: IMAGE, targetRegion: "cn-south-1" });
        new ImageShare("gz-share", { ...HW, region: "cn-south-1", imageId: copy.imageId, members: ["m1"] }, { dependsOn: [copy] });
      },
      { outputs: (r) => (r.name === "golden-gz" ? { imageId: "copy-image-1", imageRegion: "cn-south-1" } : undefined) },
    );
    assert.deepEqual(run.errors, []);
    const names = (s: StackDeclarations) => [...s.shares, ...s.acceptances, ...s.copies].map((d) => d.resource).sort();
    // gz-share's image is the copy's product: joined to IMAGE by the copy, so a's share bears on it.
    assert.deepEqual(names(run.byName("gz-share").inputs.stack), ["a", "golden-gz"]);
    // From a, gz-share's image is not known (it waits for the copy, which a does not): left out; the copy of a's image is in.
    assert.deepEqual(names(run.byName("a").inputs.stack), ["golden-gz"]);
    assert.deepEqual(names(run.byName("golden-gz").inputs.stack), ["a"]);
    assert.deepEqual(names(run.byName("unrelated").inputs.stack), ["m2-accepts"], "its own image's acceptance; not a's share, nor the copy and share of other images");
    // An acceptance of an image not visible yet assumes a share not known yet may grant it: it is sent those.
    assert.deepEqual(names(run.byName("m2-accepts").inputs.stack), ["gz-share", "unrelated"]);
  });

  it("in preview, a copy's unknown product stays unknown in the stack and in the share's own input", async () => {
    const run = await runProgram(
      () => {
        const copy = new CrossRegionCopy("golden-gz", { ...HW, sourceImageId: IMAGE, targetRegion: "cn-south-1" });
        new ImageShare("gz-share", { ...HW, imageId: copy.imageId, members: ["m1"] });
        new ShareAcceptance("m1-accepts", { ...HW, account: "m1", imageId: copy.imageId });
      },
      { preview: true },
    );
    assert.deepEqual(run.errors, []);
    const share = run.byName("gz-share");
    assert.notEqual(share.inputs.imageId, "copy-image-1");
    // Its own image is not known: nothing in the stack can be placed beside it.
    assert.deepEqual([share.inputs.stack.shares, share.inputs.stack.acceptances, share.inputs.stack.copies], [[], [], []]);
    const accepts: StackDeclarations = run.byName("m1-accepts").inputs.stack;
    assert.deepEqual(accepts.shares, [{ resource: "gz-share", imageId: UNKNOWN_IN_STACK, members: [{ type: "account", id: "m1" }] }]);
  });

  it("a secret member of another share makes this share's stack secret (and only then)", async () => {
    resetDeclarations();
    const decl = (name: string, members: unknown[]): Declaration => ({
      kind: "share",
      name,
      profile: "huaweicloud",
      fields: { imageId: IMAGE, members },
      settings: {},
      deps: new Set(),
    });
    const a = decl("a", ["m1"]);
    const b = decl("b", [pulumi.secret("m-secret")]);
    const c = decl("c", ["m2"]);
    register(a);
    register(b);
    const stackOfA = stackFor(a);
    const stackOfB = stackFor(b);
    register(c);
    assert.equal(await pulumi.isSecret(stackOfA), true);
    assert.equal(await pulumi.isSecret(stackOfB), false);
    const value = await new Promise<StackDeclarations>((resolve) => stackOfA.apply(resolve));
    assert.deepEqual(value.shares.map((x) => [x.resource, x.members]), [
      ["b", [{ type: "account", id: "m-secret" }]],
      ["c", [{ type: "account", id: "m2" }]],
    ]);
    resetDeclarations();
  });

  it("holdDeclarations keeps the ledger open across awaits", async () => {
    const run = await runProgram(async () => {
      const release = holdDeclarations();
      new ImageShare("early", { ...HW, imageId: IMAGE, members: ["m1"] });
      await new Promise((r) => setTimeout(r, 5));
      new ImageShare("late", { ...HW, imageId: IMAGE, members: ["m2"] });
      release();
    });
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.byName("early").inputs.stack.shares.map((s: { resource: string }) => s.resource), ["late"]);
    assert.deepEqual(run.byName("late").inputs.stack.shares.map((s: { resource: string }) => s.resource), ["early"]);
    assert.deepEqual(run.logs, []);
  });

  it("without a hold, a resource declared after an await sees the earlier ones (they do not see it)", async () => {
    const run = await runProgram(async () => {
      const early = new ImageShare("early", { ...HW, imageId: IMAGE, members: ["m1"] });
      // An await by which the declarations were collected: early registered, with its stack input (not a wall-clock wait).
      await new Promise((r) => early.urn.apply(r));
      new ImageShare("late", { ...HW, imageId: IMAGE, members: ["m2"] });
    });
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.byName("early").inputs.stack.shares, []);
    assert.deepEqual(run.byName("late").inputs.stack.shares.map((s: { resource: string }) => s.resource), ["early"]);
    assert.deepEqual(run.logs.filter((l) => l.includes("late was declared after")).length, 1, run.logs.join("\n"));
  });

  it("reads backend, emulatorPath and endpoint defaults from the image-share config namespace", async () => {
    const run = await runProgram(
      () => {
        new ImageShare("s", { ...HW, imageId: IMAGE, members: ["m1"] });
        new ImageShare("t", { ...HW, imageId: IMAGE, members: ["m1"], connection: { backend: "emulator" } });
      },
      { config: { backend: "cloud", endpoint: "https://ims.example.internal", emulatorPath: "/tmp/x.db" } },
    );
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.byName("s").inputs.connection, { backend: "cloud", endpoint: "https://ims.example.internal", emulatorPath: "/tmp/x.db" });
    assert.equal(run.byName("t").inputs.connection.backend, "emulator");
  });

  it("acceptances default their member per cloud (opentelekomcloud: the project)", async () => {
    const run = await runProgram(() => {
      new ShareAcceptance("hw", { ...HW, imageId: IMAGE });
      new ShareAcceptance("otc", { ...HW, profile: "opentelekomcloud", region: "eu-de", imageId: IMAGE, status: "rejected" });
    });
    assert.deepEqual(run.errors, []);
    assert.deepEqual(run.byName("hw").inputs.member, { type: "account", id: HW.account });
    assert.deepEqual(run.byName("otc").inputs.member, { type: "project", id: HW.project });
    assert.equal(run.byName("otc").inputs.status, "rejected");
    assert.equal(run.byName("hw").type, "pulumi-nodejs:dynamic/image-share:ShareAcceptance");
  });

  it("rejects bad arguments with a message naming the resource and the field", () => {
    assert.throws(
      () => new ImageShare("bad", { ...HW, imageId: IMAGE, members: [{ type: "group", id: "x" } as never] }),
      /bad: members\[0\]\.type must be "account" or "project"/,
    );
    assert.throws(
      () => new ImageShare("bad2", { ...HW, imageId: IMAGE, members: ["m"], connection: { credentials: { secretKey: { value: "s3cr3t" } as never } } }),
      /bad2: connection\.credentials\.secretKey has an unknown key "value"/,
    );
    assert.throws(() => new ImageShare("bad3", { ...HW, profile: "aws" as never, imageId: IMAGE, members: [] }), /profile must be one of/);
  });
});
