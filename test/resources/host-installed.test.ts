/**
 * The package once installed, not just in this repository: `npm pack` the repo, extract the
 * tarball to <stack>/node_modules/image-share, link the repo's dependencies beside it (offline),
 * serialize the provider from the installed copy and run a lifecycle through the real host with
 * the stack directory as its working directory. Catches what works here only because local
 * modules are copied by value or found through this repository's paths.
 * Needs bin/ current (`npx tsc -p tsconfig.json`; npm test's pretest does it).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROVIDER_KEY, startHost, serializeProvider, type Host } from "../harness/host";
import { makeWorld, key, REPO, type World } from "../harness/world";
import { installPackedCopy } from "../engine/fixtures";

describe("an installed copy of the package through the dynamic-provider host", function () {
  this.timeout(60_000);
  let stack: string;
  let host: Host | undefined;
  let w: World;

  before(() => {
    stack = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-installed-"));
    fs.mkdirSync(path.join(stack, "node_modules"));
    // npm pack once per test run, shared with the stand-in engine's installed-stack tests.
    installPackedCopy(stack);
    w = makeWorld("huaweicloud", { dir: path.join(stack, "cloud") });
  });
  after(async () => {
    await host?.stop();
    fs.rmSync(stack, { recursive: true, force: true });
  });

  it("holds the compiled runtime, and nothing of the tests", () => {
    const installed = path.join(stack, "node_modules", "image-share");
    assert.ok(fs.existsSync(path.join(installed, "bin", "provider", "resources", "runtime.js")));
    assert.ok(fs.existsSync(path.join(installed, "bin", "provider", "resources", "provider", "imageShare.js")));
    assert.ok(!fs.existsSync(path.join(installed, "test")));
  });

  it("check -> create -> read -> update -> delete with the provider serialized from the installed copy", async () => {
    const installed = path.join(stack, "node_modules", "image-share");
    // The resource class's thin provider, as the installed package defines it.
    const shim = require(path.join(installed, "bin", "provider", "resources", "imageShare.js")).imageShareProvider;
    const text = await serializeProvider(shim, stack);
    assert.match(text, /\("image-share\/runtime"\)/);
    assert.ok(!text.includes(REPO + "/"), "no path of this repository in the provider text");
    host = await startHost({ cwd: stack, pulumiFrom: stack });
    const news = {
      profile: "huaweicloud",
      region: w.region,
      account: w.owner,
      project: w.ownerProject,
      // Relative: resolved against the host's working directory, the stack's.
      connection: { backend: "emulator", emulatorPath: path.relative(stack, w.db) },
      imageId: w.imageId,
      members: [w.member(0), w.member(1)],
      [PROVIDER_KEY]: text,
    };
    const checked = await host.check({}, news);
    assert.deepEqual(checked.failures, []);
    const over = await host.check({}, { ...news, members: [...news.members, { type: "account", id: w.owner }] });
    assert.match(over.failures[0]?.reason ?? "", /^\[self-share\]/, "the rules core loads from the installed copy");
    const created = await host.create(checked.inputs);
    assert.deepEqual(w.members(), [w.member(0), w.member(1)].map(key).sort());
    const read = await host.read(created.id, created.properties);
    assert.equal(read.id, created.id);
    const updated = await host.update(created.id, read.properties, { ...news, members: [w.member(2)] });
    assert.deepEqual(w.members(), [key(w.member(2))]);
    await host.delete(created.id, updated.properties);
    assert.deepEqual(w.members(), []);
  });
});
