import assert = require("node:assert/strict");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { main } from "../../../provider/cli/main";
import { openEmulator } from "../../../provider/backends/emulator";

const example = path.resolve(__dirname, "../../../examples/huaweicloud.yaml");

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

describe("image-share emulator (CLI)", () => {
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-cli-"));
    db = path.join(dir, "emulator.db");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("seeds a topology's accounts and existing images, idempotently, and shows them", async () => {
    const first = await cli(["emulator", "seed", example, "--db", db]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /added 4 account\(s\), 2 image\(s\)/);
    assert.match(first.stdout, /image +golden \(8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a\)/);
    const again = await cli(["emulator", "seed", example, "--db", db]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /nothing new/);
    const snap = openEmulator(db).snapshot();
    assert.equal(snap.accounts.length, 4);
    assert.equal(snap.images.length, 2);
    const golden = snap.images.find((i) => i.name === "golden-ubuntu-22.04")!;
    assert.equal(golden.ownerProject, "0b7e4c1a9f2d4e6b8a3c5d7e9f1a2b3c");
    const shown = await cli(["emulator", "show", "--db", db]);
    assert.match(shown.stdout, /accounts \(4\)/);
    assert.match(shown.stdout, /golden-ubuntu-22\.04/);
    const json = JSON.parse((await cli(["emulator", "show", "--json", "--db", db])).stdout);
    assert.equal(json.images.length, 2);
  });

  it("shows members with their status and jobs", async () => {
    const e = openEmulator(db);
    e.addAccounts([{ id: "1", profile: "alicloud" }, { id: "2", profile: "alicloud" }]);
    const id = e.addImage({ region: "cn-hangzhou", owner: "1", kind: "system", name: "g" });
    const svc = e.service({ profile: "alicloud", region: "cn-hangzhou", account: "1" });
    await svc.addMembers(id, [{ type: "account", id: "2" }]);
    await svc.copyImage({ imageId: id, region: "cn-beijing" });
    const shown = await cli(["emulator", "show", "--db", db]);
    assert.match(shown.stdout, /member account 2: accepted/);
    assert.match(shown.stdout, /copy m-\w+ -> m-\w+ \(cn-beijing\)/);
  });

  it("sets and clears faults; rejects bad values with exit 2", async () => {
    const set = await cli(["emulator", "faults", "--throttle", "0.2", "--server-error", "0.05", "--latency", "20", "--seed", "1", "--db", db]);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(openEmulator(db).snapshot().faults, { throttle: 0.2, serverError: 0.05, latencyMs: 20, seed: 1 });
    const bad = await cli(["emulator", "faults", "--throttle", "1.5", "--db", db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--throttle takes a probability between 0 and 1, got 1.5/);
    const unknown = await cli(["emulator", "faults", "--thrott", "1", "--db", db]);
    assert.equal(unknown.code, 2);
    assert.equal((await cli(["emulator", "faults", "--clear", "--db", db])).code, 0);
    assert.deepEqual(openEmulator(db).snapshot().faults, {});
  });

  it("resets, configures, and refuses unknown subcommands and bad files with exit 2", async () => {
    await cli(["emulator", "seed", example, "--db", db]);
    assert.equal((await cli(["emulator", "configure", "--copy-duration", "50", "--batch-size", "huaweicloud=20", "--db", db])).code, 0);
    assert.equal(openEmulator(db).snapshot().settings.batchSize.huaweicloud, 20);
    assert.equal((await cli(["emulator", "reset", "--db", db])).code, 0);
    assert.equal(openEmulator(db).snapshot().images.length, 0);
    assert.equal((await cli(["emulator", "bogus"])).code, 2);
    const missing = await cli(["emulator", "seed", path.join(dir, "nope.yaml"), "--db", db]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml/);
    const corrupt = path.join(dir, "corrupt.db");
    fs.writeFileSync(corrupt, "garbage");
    const broken = await cli(["emulator", "show", "--db", corrupt]);
    assert.notEqual(broken.code, 0);
    assert.match(broken.stderr, /not valid JSON/);
  });
});
