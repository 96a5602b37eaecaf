import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { openEmulator } from "../../provider/backends/emulator";
import type { StackDeclarations } from "../../provider/resources/wire";
import { runProgram } from "./harness";

const ROOT = path.resolve(__dirname, "../..");

describe("the example stack (root Pulumi.yaml) under mocks", () => {
  let dir: string;
  before(() => {
    // The example imports "image-share" by name: the package's build (npm test builds it first).
    assert.ok(fs.existsSync(path.join(ROOT, "bin/provider/index.js")), "build the package first: npm run build");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-example-"));
  });
  after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it("Pulumi.yaml runs examples/stack/index.ts with the nodejs runtime and TypeScript", () => {
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    assert.equal(project.name, "image-share-example");
    assert.deepEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
    // The file, not the folder: see test/engine/example.test.ts.
    assert.equal(project.main, "examples/stack/index.ts");
    assert.ok(fs.existsSync(path.join(ROOT, project.main)));
  });

  it("declares the topology of examples/huaweicloud.yaml and a standalone share, seeding the emulator; the ledger spans both", async () => {
    const db = path.join(dir, "emulator.db");
    const run = await runProgram(() => require("../../examples/stack"), {
      config: { "image-share:emulatorPath": db },
      outputs: (r) => (r.type.endsWith(":CrossRegionCopy") ? { imageId: "gz-copy-1", imageRegion: "cn-south-1" } : undefined),
    });
    assert.deepEqual(run.errors, []);
    const dynamic = run.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/image-share:"));
    assert.deepEqual(
      dynamic.map((r) => r.name).sort(),
      [
        "huaweicloud-golden-data-to-team-a",
        "huaweicloud-golden-gz-to-teams",
        "huaweicloud-golden-to-guangzhou",
        "huaweicloud-golden-to-teams",
        "huaweicloud-team-a-accepts-data",
        "huaweicloud-team-a-accepts-golden",
        "huaweicloud-team-b-accepts-golden",
        "huaweicloud-team-b-accepts-golden-gz",
        "huaweicloud-team-c-accepts-golden-gz",
        "standalone-share",
      ],
    );
    for (const r of dynamic) assert.equal(r.inputs.connection.emulatorPath, db);

    // Seeded: the file's accounts and existing images are in the emulator.
    const snapshot = openEmulator(db).snapshot();
    assert.deepEqual(snapshot.images.map((i) => i.name).sort(), ["golden-data-ext4", "golden-ubuntu-22.04"]);

    // The standalone share of the golden image, to the one account no share of it names (team-c),
    // sees the file's share of that image, and the file's share sees it.
    const standalone = run.byName("standalone-share");
    assert.deepEqual(standalone.inputs.members, [{ type: "account", id: "8c5fbd94a26b4eaabf3b4c56d7e8f9a0" }]);
    const golden = "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a";
    const seen: StackDeclarations = standalone.inputs.stack;
    assert.deepEqual(seen.shares.filter((s) => s.imageId === golden).map((s) => s.resource), ["huaweicloud-golden-to-teams"]);
    const teams: StackDeclarations = run.byName("huaweicloud-golden-to-teams").inputs.stack;
    assert.ok(teams.shares.some((s) => s.resource === "standalone-share" && s.imageId === golden));
    // The share of the copy's product takes the copy's id.
    assert.equal(run.byName("huaweicloud-golden-gz-to-teams").inputs.imageId, "gz-copy-1");
  });
});
