import assert = require("node:assert/strict");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { main } from "../../../provider/cli/main";
import { EmulatorStateError, FileStore, openEmulator } from "../../../provider/backends/emulator";
import { injectWriteError } from "./fsFaults";
import { leftovers, localHolder } from "./storeHarness";

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    // main() resolving with a code is what keeps cli.js from printing "internal error".
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

const unreadable = (file: string, what: RegExp) => (e: unknown) =>
  e instanceof EmulatorStateError && e.kind === "unreadable" && e.message.includes(file) && what.test(e.message) && e.message.includes(`image-share emulator reset --db ${file}`);

describe("emulator store: broken state files and file-system errors", function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-broken-"));
    db = path.join(dir, "emulator.db");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function seeded(): void {
    const e = openEmulator(db);
    e.addAccounts([{ id: "1000000000000001", profile: "alicloud" }, { id: "1000000000000002", profile: "alicloud" }]);
    e.addImage({ region: "cn-hangzhou", owner: "1000000000000001", kind: "system", name: "golden" });
  }

  it("refuses an empty file, a damaged one and one of the wrong shape, naming the file and the command that resets it", () => {
    const cases: [string, RegExp][] = [
      ["", /is empty \(0 bytes\)/],
      ["{not json", /not valid JSON/],
      [JSON.stringify({ hello: 1 }), /not an image-share emulator state/],
      [JSON.stringify({ version: 1, accounts: { x: null }, images: {} }), /accounts\.x is not an object/],
      [JSON.stringify({ version: 1, accounts: {}, images: { i: { id: "i", members: null } } }), /images\.i is not an image with/],
      [JSON.stringify({ version: 1, accounts: {}, images: {}, settings: null }), /not an image-share emulator state/],
      [`${JSON.stringify({ imageShareEmulator: 3, generation: "g", base: 3 })}\n{"$":{"version":2}}\n{"accounts":{"a":`, /cut short: it ends inside its snapshot/],
      [`${JSON.stringify({ imageShareEmulator: 3, generation: "g", base: 1 })}\n{"$":{"version":2}}\n{"images":{"i":{"id":"i"}}}\n{"tx":1,"lines":1}\n`, /line 3: images\.i is not an image with/],
      [`${JSON.stringify({ imageShareEmulator: 3, generation: "g", base: 1 })}\n{"$":{"version":2}}\n{"accounts":{"a":nul}}\n{"tx":2,"lines":1}\n`, /line 3 is not valid JSON/],
      [`${JSON.stringify({ imageShareEmulator: 3, generation: "g", base: 1 })}\n{"$":{"version":2}}\n{"accessKeys":{}}\n{"tx":2,"lines":1}\n`, /line 3: accessKeys is not one record/],
      [`${JSON.stringify({ imageShareEmulator: 3, generation: "g", base: 1 })}\n{"$":{"version":2}}\n{"tx":2,"lines":1}\n`, /line 3 commits 1 lines, not the 0 before it/],
      [`${JSON.stringify({ imageShareEmulator: 2, generation: "g", base: 1 })}\n{"$":{"version":2}}\n`, /development version of image-share/],
    ];
    for (const [text, what] of cases) {
      fs.writeFileSync(db, text);
      assert.throws(() => new FileStore(db).read(), unreadable(db, what), JSON.stringify(text));
      assert.throws(() => new FileStore(db).transact((s) => void (s.seq = 1)), unreadable(db, what), JSON.stringify(text));
      assert.equal(fs.readFileSync(db, "utf8"), text, "a write refused on a broken file leaves it as it was");
    }
    fs.writeFileSync(db, `${JSON.stringify({ imageShareEmulator: 4, generation: "g", base: 1 })}\n`);
    assert.throws(() => new FileStore(db).read(), (e: unknown) => e instanceof EmulatorStateError && /newer image-share .*upgrade image-share/.test(e.message));
  });

  it("resets a broken file through the CLI, after keeping it beside, and the emulator works again", async () => {
    for (const text of ["", "{\"version\":1,\"accounts\":{\"x\":null},\"images\":{}}", "garbage"]) {
      fs.writeFileSync(db, text);
      const shown = await cli(["emulator", "show", "--db", db]);
      assert.equal(shown.code, 2);
      assert.match(shown.stderr, new RegExp(`image-share emulator reset --db ${db.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      assert.doesNotMatch(shown.stderr, /internal error|Cannot read properties|\n\s+at /);
      const reset = await cli(["emulator", "reset", "--db", db]);
      assert.equal(reset.code, 0, reset.stderr);
      const kept = /kept as (\S+)\)/.exec(reset.stdout)?.[1];
      assert.ok(kept, reset.stdout);
      assert.equal(fs.readFileSync(kept, "utf8"), text, "the broken file is kept as it was");
      assert.equal((await cli(["emulator", "show", "--db", db])).code, 0);
      assert.equal((await cli(["emulator", "configure", "--copy-duration", "5", "--db", db])).code, 0);
      fs.rmSync(kept);
    }
  });

  it("leaves out a transaction cut short (a killed writer, a machine crash), and the next write cuts it off", () => {
    seeded();
    const whole = fs.readFileSync(db);
    const account = '{"accounts":{"1000000000000003":{"id":"1000000000000003","profile":"alicloud","projects":[]}}}\n';
    // A write cut short inside a line, after a whole line (no commit line yet), NUL bytes a machine crash left, NULs then a line.
    for (const tail of [account.slice(0, 40), account, "\0".repeat(300), `${"\0".repeat(50)}\n${account}{"tx":9,"lines":1}\n`]) {
      fs.writeFileSync(db, Buffer.concat([whole, Buffer.from(tail)]));
      const store = new FileStore(db);
      assert.equal(Object.keys(store.read().accounts).length, 2, JSON.stringify(tail));
      store.transact((s) => void (s.seq += 1));
      const text = fs.readFileSync(db, "utf8");
      assert.ok(!text.includes("\0") && !text.includes("1000000000000003"), "cut off");
      assert.ok(text.endsWith("}\n"));
      assert.equal(Object.keys(new FileStore(db).read().accounts).length, 2);
    }
  });

  it("a full disk, a read-only file system or a refused permission: an error naming the file, nothing changed, no temporary file left", async () => {
    seeded();
    const image = openEmulator(db).snapshot().images[0].id;
    const before = fs.readFileSync(db, "utf8");
    const svc = openEmulator(db).service({ profile: "alicloud", region: "cn-hangzhou", account: "1000000000000001" });
    for (const code of ["ENOSPC", "EROFS", "EACCES"]) {
      // The state's append.
      let restore = injectWriteError(code, (f) => f === db);
      try {
        await assert.rejects(svc.addMembers(image, [{ type: "account", id: "1000000000000002" }]), (e: unknown) => e instanceof EmulatorStateError && e.kind === "file-system" && e.code === code && e.message.includes(`cannot write ${db}`) && /nothing was changed/.test(e.message));
      } finally {
        restore();
      }
      assert.equal(fs.readFileSync(db, "utf8"), before, code);
      // The lock.
      restore = injectWriteError(code, (f) => f.startsWith(`${db}.lock`), { opens: true });
      try {
        const r = await cli(["emulator", "faults", "--throttle", "0.5", "--db", db]);
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(`cannot create the lock ${db}.lock`), r.stderr);
        assert.match(r.stderr, new RegExp(`\\(${code}\\)`));
        assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      } finally {
        restore();
      }
      // A rewrite of the whole file (reset): its temporary file is removed.
      restore = injectWriteError(code, (f) => /emulator\.db\.\d+\.\w+\.tmp$/.test(f));
      try {
        const r = await cli(["emulator", "reset", "--db", db]);
        assert.equal(r.code, 1);
        assert.ok(r.stderr.includes(`cannot write ${db}`), r.stderr);
      } finally {
        restore();
      }
      assert.equal(fs.readFileSync(db, "utf8"), before, code);
      assert.deepEqual(leftovers(dir), [], `${code}: no temporary file or lock left`);
    }
    // The disk has room again: the write goes through.
    await svc.addMembers(image, [{ type: "account", id: "1000000000000002" }]);
    assert.equal(openEmulator(db).image(image)!.members.length, 1);
  });

  it("removes the temporary files that killed writers left", () => {
    seeded();
    for (const name of ["emulator.db.4242.lz3k9x.tmp", "emulator.db.17.0a1b2c3d.tmp"]) fs.writeFileSync(path.join(dir, name), "partial");
    // A dead holder's lock (a pid that has exited): recovering it clears what it left.
    fs.writeFileSync(`${db}.lock`, JSON.stringify(localHolder(2 ** 22 + 17)));
    openEmulator(db).configure({ copyDurationMs: 5 });
    assert.deepEqual(leftovers(dir), []);
  });
});
