import assert = require("node:assert/strict");
import { spawn, type ChildProcess } from "node:child_process";
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { FileStore, MemoryStore, resolveEmulatorPath } from "../../../provider/backends/emulator/store";
import { openEmulator } from "../../../provider/backends/emulator";

const child = path.join(__dirname, "storeChild.ts");
const root = path.resolve(__dirname, "../../..");

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, ["-r", "ts-node/register", child, ...args], {
    cwd: root,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_PROJECT: path.join(root, "tsconfig.test.json") },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function exited(p: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  p.stdout!.on("data", (d) => (stdout += d));
  p.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve) => p.on("exit", (code) => resolve({ code, stdout, stderr })));
}

describe("emulator store", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-store-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("loses no update when two processes each do 200 read-modify-writes at once, and readers never see a torn file", async () => {
    const file = path.join(dir, "emulator.db");
    const a = exited(run(["increment", file, "200", "a"]));
    const b = exited(run(["increment", file, "200", "b"]));
    // Read while they write: every read parses (atomic rename), and the counter only grows.
    const reader = new FileStore(file);
    let last = 0;
    let reads = 0;
    let running = true;
    void Promise.all([a, b]).then(() => (running = false));
    while (running) {
      const seq = reader.read().seq;
      assert.ok(seq >= last, `the counter went back from ${last} to ${seq}`);
      last = seq;
      reads++;
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const r of await Promise.all([a, b])) assert.equal(r.code, 0, r.stderr);
    const state = reader.read();
    assert.equal(state.seq, 400);
    assert.equal(Object.keys(state.accounts).length, 400);
    assert.ok(reads > 0);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp") || f.endsWith(".lock")), [], "no temporary file or lock left behind");
  });

  it("recovers the lock of a killed holder", async () => {
    const file = path.join(dir, "emulator.db");
    const store = new FileStore(file, { staleMs: 2000 });
    store.transact((s) => void (s.seq = 5));
    const holder = run(["hold", file]);
    const done = exited(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
      holder.on("exit", (code) => reject(new Error(`the holder exited (${code}) before locking`)));
    });
    assert.ok(fs.existsSync(`${file}.lock`), "the holder holds the lock");
    holder.kill("SIGKILL");
    await done;
    assert.ok(fs.existsSync(`${file}.lock`), "a killed holder leaves its lock behind");
    // Taken over once stale (no timing asserted: it only has to succeed).
    store.transact((s) => void (s.seq += 1));
    assert.equal(store.read().seq, 6);
    assert.equal(fs.existsSync(`${file}.lock`), false);
  });

  it("keeps a refused transaction's changes out of the state", () => {
    for (const store of [new MemoryStore(), new FileStore(path.join(dir, "x.db"))]) {
      store.transact((s) => void (s.seq = 1));
      assert.throws(() =>
        store.transact((s) => {
          s.seq = 99;
          throw new Error("refused");
        }),
      );
      assert.equal(store.read().seq, 1);
    }
  });

  it("refuses a file that is not emulator state, naming it", () => {
    const file = path.join(dir, "bad.db");
    fs.writeFileSync(file, "{not json");
    assert.throws(() => new FileStore(file).read(), (e: Error) => e.message.includes(file) && /not valid JSON/.test(e.message));
    fs.writeFileSync(file, JSON.stringify({ hello: 1 }));
    assert.throws(() => new FileStore(file).read(), (e: Error) => e.message.includes(file) && /not an image-share emulator state/.test(e.message));
  });

  it("resolves the state path: explicit, then IMAGE_SHARE_EMULATOR_DB, then .image-share/emulator.db", () => {
    const saved = process.env.IMAGE_SHARE_EMULATOR_DB;
    try {
      delete process.env.IMAGE_SHARE_EMULATOR_DB;
      assert.equal(resolveEmulatorPath(), path.resolve(".image-share/emulator.db"));
      process.env.IMAGE_SHARE_EMULATOR_DB = path.join(dir, "env.db");
      assert.equal(resolveEmulatorPath(), path.join(dir, "env.db"));
      assert.equal(resolveEmulatorPath(path.join(dir, "explicit.db")), path.join(dir, "explicit.db"));
      const emulator = openEmulator();
      emulator.addAccount({ id: "1000000000000001", profile: "alicloud" });
      assert.ok(fs.existsSync(path.join(dir, "env.db")));
    } finally {
      if (saved === undefined) delete process.env.IMAGE_SHARE_EMULATOR_DB;
      else process.env.IMAGE_SHARE_EMULATOR_DB = saved;
    }
  });

  it("shares faults between processes through the file (what one sets, another draws)", () => {
    const file = path.join(dir, "faults.db");
    openEmulator(file).setFaults({ throttleEvery: 2, seed: 3 });
    const other = openEmulator(file);
    assert.deepEqual([other.takeFault("X"), other.takeFault("X"), other.takeFault("X"), other.takeFault("X")], [undefined, { kind: "throttle" }, undefined, { kind: "throttle" }]);
  });
});
