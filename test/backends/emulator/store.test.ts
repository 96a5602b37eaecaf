import assert = require("node:assert/strict");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { EmulatorStateError, FileStore, MemoryStore, resolveEmulatorPath } from "../../../provider/backends/emulator/store";
import { openEmulator } from "../../../provider/backends/emulator";
import { addAccount, emptyState } from "../../../provider/backends/emulator/model";
import { StateFile } from "../../../provider/backends/emulator/journal";
import { exited, leftovers, localHolder, printed, run, startTimeOf } from "./storeHarness";


describe("emulator store", function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-store-"));
    file = path.join(dir, "emulator.db");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("loses no update when two processes each do 200 read-modify-writes at once (with compactions), and readers never see a torn state", async () => {
    const a = exited(run(["increment", file, "200", "a", "4096"]));
    const b = exited(run(["increment", file, "200", "b", "4096"]));
    // Read while they write: every read is a state some transaction left (seq and accounts agree).
    const reader = new FileStore(file);
    let last = 0;
    let reads = 0;
    let running = true;
    void Promise.all([a, b]).then(() => (running = false));
    while (running) {
      const state = reader.read();
      const seq = state.seq;
      assert.ok(seq >= last, `the counter went back from ${last} to ${seq}`);
      assert.equal(Object.keys(state.accounts).length, seq, "a transaction is seen whole or not at all");
      last = seq;
      reads++;
      await new Promise((r) => setTimeout(r, 2));
    }
    for (const r of await Promise.all([a, b])) assert.equal(r.code, 0, r.stderr);
    const state = reader.read();
    assert.equal(state.seq, 400);
    assert.equal(Object.keys(state.accounts).length, 400);
    assert.ok(reads > 0);
    assert.deepEqual(leftovers(dir), [], "no temporary file or lock left behind");
    // Compacted on the way: the file holds about the state, not 400 transactions of it.
    assert.ok(fs.statSync(file).size < 64 * 1024, `${fs.statSync(file).size} bytes`);
  });

  it("loses no update of optimistic transactions that read what another process changes meanwhile", async () => {
    const runs = await Promise.all([exited(run(["optimistic", file, "150"])), exited(run(["optimistic", file, "150"]))]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.equal(new FileStore(file).read().seq, 300);
  });

  it("takes a killed holder's lock at once, without waiting for any stale limit", async () => {
    const store = new FileStore(file, { staleMs: 600_000, lockTimeoutMs: 600_000 });
    store.transact((s) => void (s.seq = 5));
    const holder = run(["hold", file]);
    const done = exited(holder);
    await printed(holder, "locked");
    assert.ok(fs.existsSync(`${file}.lock`), "the holder holds the lock");
    const lock = JSON.parse(fs.readFileSync(`${file}.lock`, "utf8"));
    assert.equal(lock.pid, holder.pid);
    assert.equal(lock.host, os.hostname());
    holder.kill("SIGKILL");
    await done;
    assert.ok(fs.existsSync(`${file}.lock`), "a killed holder leaves its lock behind");
    // With a stale limit of 10 minutes, this returns only if the dead holder's lock is taken at once.
    store.transact((s) => void (s.seq += 1));
    assert.equal(store.read().seq, 6);
    assert.deepEqual(leftovers(dir), []);
  });

  it("lets a live holder keep its lock for longer than the stale limit, loses neither write, and reads meanwhile without waiting", async () => {
    const signal = path.join(dir, "release");
    new FileStore(file).transact((s) => void addAccount(s, { id: "before", profile: "alicloud" }));
    const holder = run(["hold-until", file, signal, "long"]);
    const held = exited(holder);
    await printed(holder, "locked");
    // A second writer waits for the holder (its stale limit is 500 ms, the hold is longer).
    const writer = exited(run(["write", file, "short"]));
    await new Promise((r) => setTimeout(r, 1500));
    // Reads take no lock: they answer while the holder still holds it.
    assert.ok(fs.existsSync(`${file}.lock`));
    assert.deepEqual(Object.keys(new FileStore(file).read().accounts), ["before"]);
    assert.equal(openEmulator(file).image("none"), undefined);
    fs.writeFileSync(signal, "");
    for (const r of await Promise.all([held, writer])) assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(new FileStore(file).read().accounts).sort(), ["before", "long", "short"]);
  });

  it("gives up at its timeout, naming why, when other processes keep the lock changing hands without a pause", async () => {
    new FileStore(file).transact((s) => void (s.seq = 1));
    const relocker = run(["relock", file]);
    const done = exited(relocker);
    try {
      await printed(relocker, "locked");
      const t0 = Date.now();
      // Also when the relocker is descheduled (a loaded machine) and the waiter finds one holder
      // twice at its timeout: the lock kept changing hands, so no one holder is named.
      assert.throws(
        () => new FileStore(file, { lockTimeoutMs: 400 }).transact((s) => void (s.seq = 2)),
        (e: unknown) => e instanceof EmulatorStateError && e.kind === "locked" && /changed hands \d+ times/.test(e.message),
      );
      assert.ok(Date.now() - t0 < 10_000, `gave up after ${Date.now() - t0} ms`);
    } finally {
      relocker.kill("SIGKILL");
      await done;
    }
    assert.equal(new FileStore(file).read().seq, 1, "nothing was written");
  });

  it("takes at once a lock whose pid belongs to a later process (a reused pid)", function () {
    const start = startTimeOf(process.ppid);
    if (start === undefined) this.skip(); // no /proc: a reused pid cannot be told from its holder
    // A live pid (our parent) recorded with another start time: its holder is dead.
    fs.writeFileSync(`${file}.lock`, JSON.stringify(localHolder(process.ppid, start! + 1)));
    new FileStore(file, { staleMs: 600_000, lockTimeoutMs: 600_000 }).transact((s) => void (s.seq = 1));
    assert.equal(new FileStore(file).read().seq, 1);
  });

  it("reports a lock held on another host, or dated in the future, with what to do, and never takes it", () => {
    const lock = `${file}.lock`;
    fs.writeFileSync(lock, JSON.stringify({ pid: 4242, host: "build-7", since: Date.now() + 3 * 3600_000, token: "x" }));
    const store = new FileStore(file, { staleMs: 100 });
    assert.throws(
      () => store.transact((s) => void (s.seq = 1)),
      (e: unknown) => e instanceof EmulatorStateError && e.kind === "locked" && /pid 4242 .*another host \(build-7/.test(e.message) && /3 h in the future/.test(e.message) && e.message.includes(`delete ${lock}`),
    );
    assert.ok(fs.existsSync(lock));
    // Reads do not care.
    assert.equal(store.read().seq, 0);
    // A lock that names no holder, dated in the future (a clock set back, a copied directory).
    fs.writeFileSync(lock, "");
    const future = new Date(Date.now() + 3600_000);
    fs.utimesSync(lock, future, future);
    assert.throws(() => store.transact((s) => void (s.seq = 1)), (e: unknown) => e instanceof EmulatorStateError && /names no holder and is dated 60 min in the future/.test(e.message) && e.message.includes(`delete ${lock}`));
    // One that names no holder and is older than the stale limit (an older image-share's lock directory) is taken.
    fs.rmSync(lock);
    fs.mkdirSync(lock);
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, past, past);
    store.transact((s) => void (s.seq = 2));
    assert.equal(store.read().seq, 2);
    assert.equal(fs.existsSync(lock), false);
  });

  it("keeps a refused transaction's changes out of the state", () => {
    for (const store of [new MemoryStore(), new FileStore(path.join(dir, "x.db"))]) {
      store.transact((s) => void (s.seq = 1));
      assert.throws(() =>
        store.transact((s) => {
          s.seq = 99;
          addAccount(s, { id: "a", profile: "alicloud" });
          throw new Error("refused");
        }),
      );
      assert.equal(store.read().seq, 1);
      assert.deepEqual(store.read().accounts, {});
    }
  });

  it("appends only the records a call changes, and reads in another process what it appended", async () => {
    const emulator = openEmulator(file);
    emulator.addAccounts(Array.from({ length: 2000 }, (_, i) => ({ id: String(1000000000000000 + i), profile: "alicloud" as const })));
    const owner = "1000000000000000";
    const image = emulator.addImage({ region: "cn-hangzhou", owner, kind: "system", name: "golden" });
    const before = fs.statSync(file).size;
    await emulator.service({ profile: "alicloud", region: "cn-hangzhou", account: owner }).addMembers(image, [{ type: "account", id: "1000000000000001" }]);
    const appended = fs.readFileSync(file, "utf8").slice(before);
    // The image with its member (a few hundred bytes) and the commit line, not the 2,000 accounts.
    assert.equal(appended.split("\n").length, 3, appended);
    assert.ok(appended.length < 600, `${appended.length} bytes appended`);
    assert.match(appended, /^\{"images":\{"m-\w+":\{.*"members":\[\{"type":"account","id":"1000000000000001".*\}\}\n\{"tx":\d+,"lines":1\}\n$/);
    const other = exited(run(["write", file, "from-child"]));
    assert.equal((await other).code, 0);
    assert.ok(emulator.snapshot().accounts.some((a) => a.id === "from-child"), "what another process appended is read");
  });

  it("follows another process's compaction without reading the file whole, and reads it whole when two went by unread", () => {
    const options = { fsync: false, staleMs: 10_000, timeoutMs: 60_000, compactBytes: 4096 };
    // Two StateFiles on one path: two processes' views of the file.
    const writer = new StateFile(file);
    const reader = new StateFile(file);
    let n = 0;
    const add = () =>
      writer.write((tables) => {
        const draft = tables.draft();
        addAccount(draft.state, { id: `account-${n++}`, profile: "alicloud" });
        return { result: undefined, changes: draft.changes() };
      }, options);
    /** Writes until the writer has compacted the file (another inode), `times` times. */
    const compact = (times: number) => {
      for (let i = 0; i < times; i++) {
        const ino = fs.statSync(file).ino;
        while (fs.statSync(file).ino === ino) add();
        add(); // and one transaction after the new base
      }
    };
    const accounts = (tables: ReturnType<StateFile["refresh"]>) => [...tables.ids("accounts")].length;
    add();
    const read = reader.refresh();
    compact(1);
    // The same tables, brought up to date: the compaction was followed, not read whole.
    assert.equal(reader.refresh(), read);
    assert.equal(accounts(read), n);
    assert.deepEqual(read.draft().state.accounts[`account-${n - 1}`], writer.refresh().draft().state.accounts[`account-${n - 1}`]);
    compact(2);
    const again = reader.refresh();
    assert.notEqual(again, read, "two compactions unread: the file is read whole");
    assert.equal(accounts(again), n);
    writer.close();
    reader.close();
  });

  it("reads whole a state file copied over the one it has read (the same inode, other contents), not as lines appended to it", () => {
    const options = { fsync: false, staleMs: 10_000, timeoutMs: 60_000, compactBytes: 1 << 20 };
    const writer = new StateFile(file);
    const reader = new StateFile(file);
    const add = (to: StateFile, id: string) =>
      to.write((tables) => {
        const draft = tables.draft();
        addAccount(draft.state, { id, profile: "alicloud" });
        return { result: undefined, changes: draft.changes() };
      }, options);
    add(writer, "account-read");
    assert.deepEqual([...reader.refresh().ids("accounts")], ["account-read"]);
    // Another state that ends, where the reader stopped, on a line boundary with a transaction
    // after it: the same bytes but one account's id and the last commit's time, then one more.
    const other = path.join(dir, "other.db");
    const copy = fs.readFileSync(file, "latin1").replace(/account-read/g, "account-copy").replace(/\{"tx":(\d+),"lines":(\d+)\}\n$/, (_, t: string, n: string) => `{"tx":${t.slice(0, -1)}${(Number(t.slice(-1)) + 1) % 10},"lines":${n}}\n`);
    fs.writeFileSync(other, copy, "latin1");
    const elsewhere = new StateFile(other);
    add(elsewhere, "account-more");
    elsewhere.close();
    const ino = fs.statSync(file).ino;
    fs.writeFileSync(file, fs.readFileSync(other));
    assert.equal(fs.statSync(file).ino, ino, "copied over in place");
    assert.deepEqual([...reader.refresh().ids("accounts")].sort(), ["account-copy", "account-more"]);
    writer.close();
    reader.close();
  });

  it("reads a state file of the previous format (one JSON document) and rewrites it at the first write", () => {
    const old = { ...emptyState(), version: 1, seq: 3, accounts: { p1: { id: "p1", profile: "huaweicloud", projects: [{ id: "proj-1", region: "cn-north-4" }] } } } as Record<string, unknown>;
    delete old.projectAccounts;
    delete old.runningJobs;
    fs.writeFileSync(file, JSON.stringify(old));
    const store = new FileStore(file);
    assert.equal(store.read().seq, 3);
    // The index a version-1 state lacks is built when it is read.
    assert.equal(store.read().projectAccounts["proj-1"], "p1");
    store.transact((s) => void (s.seq += 1));
    assert.match(fs.readFileSync(file, "utf8"), /^\{"imageShareEmulator":3,/);
    const again = new FileStore(file).read();
    assert.equal(again.seq, 4);
    assert.equal(again.accounts.p1.projects[0].id, "proj-1");
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
    openEmulator(file).setFaults({ throttleEvery: 2, seed: 3 });
    const other = openEmulator(file);
    assert.deepEqual([other.takeFault("X"), other.takeFault("X"), other.takeFault("X"), other.takeFault("X")], [undefined, { kind: "throttle" }, undefined, { kind: "throttle" }]);
  });
});
