/**
 * A user's own stacks, in folders of their own, with the package installed from `npm pack` (not
 * this repository's sources), through the stand-in engine:
 *
 * - TypeScript (type-checked by ts-node as under the CLI, with a tsconfig as `pulumi new
 *   typescript` writes it): two ImageShares of one full-ECS image on huaweicloud at exactly the
 *   limit (5 + 5 of 10): preview, up, a clean preview afterwards, one member over failing its
 *   preview with member-limit, destroy;
 * - JavaScript: a ShareTopology from a YAML file beside the program (tencentcloud), seeding the
 *   emulator in its default place: up, a preview without changes, destroy.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator } from "../../provider/backends/emulator";
import { REPO } from "../harness/world";
import { runOperation } from "./engine";
import { installPackedCopy, makeProject } from "./fixtures";

const TS_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { ImageShare, type ImageShareArgs } from "image-share";

const config = new pulumi.Config();
const base: Omit<ImageShareArgs, "members"> = {
  profile: "huaweicloud",
  ...config.requireObject<{ region: string; account: string; project: string }>("identity"),
  imageId: config.require("imageId"),
};
const teams = new ImageShare("teams", { ...base, members: config.requireObject<string[]>("teams") });
const partners = new ImageShare("partners", { ...base, members: config.requireObject<string[]>("partners") });

export const members = pulumi.all([teams.members, partners.members]).apply(([a, b]) => a.length + b.length);
`;

// As \`pulumi new typescript\` writes it.
const TSCONFIG = JSON.stringify(
  {
    compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, experimentalDecorators: true, pretty: true, noFallthroughCasesInSwitch: true, noImplicitReturns: true, forceConsistentCasingInFileNames: true },
    files: ["index.ts"],
  },
  null,
  2,
);

const JS_PROGRAM = `const { ShareTopology } = require("image-share");
// A path relative to the program's folder (the engine runs the program there).
const tenants = new ShareTopology("tenants", { file: "topology.yaml", seedEmulator: true });
exports.imageIds = tenants.imageIds;
`;

const TOPOLOGY = `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
  team-b: { id: "100000000003" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
shares:
  - { name: golden-to-teams, image: golden, members: [team-a, team-b] }
`;

describe("a user's own stacks with the package installed from npm pack, through the stand-in engine", function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  const folder = (name: string) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `image-share-user-${name}-`));
    dirs.push(d);
    fs.mkdirSync(path.join(d, "node_modules"));
    installPackedCopy(d);
    return d;
  };
  before(() => assert.ok(fs.existsSync(path.join(REPO, "bin/provider/index.js")), "build the package first: npm run build"));
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("TypeScript: two shares at exactly the limit preview clean after their up; one member over fails member-limit", async () => {
    const dir = folder("ts");
    makeProject({ name: "golden-shares", typescript: true, files: { "index.ts": TS_PROGRAM, "tsconfig.json": TSCONFIG } }, dir);
    assert.ok(!fs.lstatSync(path.join(dir, "node_modules", "image-share")).isSymbolicLink(), "the packed copy, not a link to the repository");
    const db = path.join(dir, "cloud", "emulator.db");
    const emulator = openEmulator(db);
    const region = "cn-north-4";
    const hex = (c: string, i: number) => `${c}${i.toString(16).padStart(31, "0")}`;
    const owner = hex("a", 0);
    const project = hex("b", 0);
    const accounts = Array.from({ length: 11 }, (_, i) => hex("a", i + 1));
    emulator.addAccounts([{ id: owner, profile: "huaweicloud", projects: [{ id: project, region }] }, ...accounts.map((id) => ({ id, profile: "huaweicloud" as const, projects: [] }))]);
    const imageId = emulator.addImage({ profile: "huaweicloud", region, owner, ownerProject: project, kind: "full", name: "golden-full" });
    const state = path.join(dir, "state.json");
    const run = (op: "preview" | "up" | "destroy", partners: string[], typeCheck = false) =>
      runOperation(op, {
        cwd: dir,
        state,
        // The first preview type-checks the program against the installed package's types, as the CLI does; the rest only transpile.
        env: typeCheck ? {} : { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
        config: {
          "image-share:emulatorPath": db,
          "golden-shares:identity": JSON.stringify({ region, account: owner, project }),
          "golden-shares:imageId": imageId,
          "golden-shares:teams": JSON.stringify(accounts.slice(0, 5)),
          "golden-shares:partners": JSON.stringify(partners),
        },
      });
    const partners = accounts.slice(5, 10);

    const preview = await run("preview", partners, true);
    assert.ok(preview.ok, preview.output);
    assert.deepEqual(preview.summary, { create: 3 });
    const up = await run("up", partners);
    assert.ok(up.ok, up.output);
    assert.equal(up.outputs.members, 10);
    assert.equal(emulator.image(imageId)!.members.length, 10);
    const clean = await run("preview", partners);
    assert.ok(clean.ok, clean.output);
    assert.deepEqual(clean.summary, { same: 3 });
    assert.deepEqual(clean.diagnostics.filter((d) => d.severity === "error"), []);
    const over = await run("preview", [...partners, accounts[10]]);
    assert.equal(over.ok, false);
    const failure = over.diagnostics.find((d) => d.severity === "error" && d.urn?.endsWith("::partners"));
    assert.ok(failure, over.output);
    assert.match(failure.message, /\[member-limit\] .*11 members: 11 declared by shares/);
    const destroy = await run("destroy", partners);
    assert.ok(destroy.ok, destroy.output);
    assert.deepEqual(emulator.image(imageId)!.members, []);
  });

  it("JavaScript: a topology file beside the program, the emulator seeded in its default place; up, preview, destroy", async () => {
    const dir = folder("js");
    makeProject({ name: "tenants", files: { "index.js": JS_PROGRAM, "topology.yaml": TOPOLOGY } }, dir);
    const state = path.join(dir, "state.json");
    const up = await runOperation("up", { cwd: dir, state });
    assert.ok(up.ok, up.output);
    assert.deepEqual(up.summary, { create: 3 });
    // The provider's default: .image-share/emulator.db in the program's folder.
    const emulator = openEmulator(path.join(dir, ".image-share", "emulator.db"));
    assert.deepEqual(emulator.image("img-8tbqf3ve")!.members.map((m) => m.id).sort(), ["100000000002", "100000000003"]);
    const again = await runOperation("preview", { cwd: dir, state });
    assert.ok(again.ok, again.output);
    assert.deepEqual(again.summary, { same: 3 });
    const destroy = await runOperation("destroy", { cwd: dir, state });
    assert.ok(destroy.ok, destroy.output);
    assert.deepEqual(emulator.image("img-8tbqf3ve")!.members, []);
  });
});
