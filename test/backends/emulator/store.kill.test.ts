/**
 * Writers on one state file killed with SIGKILL at random points (inside transactions, holding the
 * lock, compacting): no acknowledged write is lost, every transaction is there whole or not at
 * all, a dead holder's lock is taken at once (the writers' stale limit is 10 minutes), and nothing
 * is left behind. `npm test` kills 4 times; IMAGE_SHARE_SOAK_ITERATIONS=N kills N times (the soak
 * tier), IMAGE_SHARE_SOAK_SEED picks the random sequence.
 */
import assert = require("node:assert/strict");
import type { ChildProcess } from "node:child_process";
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { FileStore } from "../../../provider/backends/emulator/store";
import { exited, leftovers, run } from "./storeHarness";

const KILLS = Number(process.env.IMAGE_SHARE_SOAK_ITERATIONS ?? 4);
const SEED = Number(process.env.IMAGE_SHARE_SOAK_SEED ?? 20261201);
const WRITERS = 3;

/** mulberry32, as the emulator's faults use. */
function random(seed: number): () => number {
  let s = seed | 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Writer {
  child: ChildProcess;
  done: ReturnType<typeof exited>;
  /** Resolves at the writer's first acknowledged write. */
  writing: Promise<void>;
  isWriting: boolean;
}

describe("emulator store: writers killed at random points", function () {
  this.timeout(120_000 + KILLS * 5_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-kill-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`loses no acknowledged write and never stalls: ${KILLS} kill -9 of ${WRITERS} writers (seed ${SEED})`, async () => {
    const file = path.join(dir, "emulator.db");
    const next = random(SEED);
    const acknowledged = new Set<string>();
    let generation = 0;
    let killedHolding = 0;
    const start = (): Writer => {
      const prefix = `w${generation++}`;
      // Compact every 8 KiB of transactions (and whenever they outgrow the state): kills land in compactions too.
      const child = run(["churn", file, prefix, "0", "8192"]);
      let buffered = "";
      let first: () => void = () => undefined;
      const writer: Writer = { child, done: exited(child), writing: new Promise<void>((resolve) => (first = resolve)), isWriting: false };
      child.stdout!.on("data", (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop()!;
        for (const line of lines) {
          const m = /^ok (\d+)$/.exec(line);
          if (m) {
            acknowledged.add(`${prefix}-${m[1]}`);
            writer.isWriting = true;
            first();
          }
        }
      });
      return writer;
    };
    const writers = Array.from({ length: WRITERS }, start);
    try {
      for (let k = 0; k < KILLS; k++) {
        // A victim among the writers already writing (a new one starts up meanwhile).
        if (!writers.some((w) => w.isWriting)) await Promise.race(writers.map((w) => w.writing));
        const ready = writers.filter((w) => w.isWriting);
        const victim = ready[Math.floor(next() * ready.length)];
        const slot = writers.indexOf(victim);
        await new Promise((r) => setTimeout(r, 20 + next() * 250));
        victim.child.kill("SIGKILL");
        const end = await victim.done;
        assert.equal(end.signal, "SIGKILL", `writer exited on its own: ${end.stderr}`);
        try {
          if (JSON.parse(fs.readFileSync(`${file}.lock`, "utf8")).pid === victim.child.pid) killedHolding++;
        } catch {
          // no lock, or another writer's
        }
        writers[slot] = start();
      }
      // Every writer keeps writing after the kills (nobody waits on a dead holder's lock).
      await Promise.all(writers.map((w) => w.writing));
    } finally {
      for (const w of writers) w.child.kill("SIGKILL");
      await Promise.all(writers.map((w) => w.done));
    }
    // The last kill may have left its lock: a new writer takes it at once (its stale limit: 10 minutes).
    const store = new FileStore(file, { staleMs: 600_000, lockTimeoutMs: 60_000 });
    store.transact((s) => void (s.settings.copyDurationMs = 1));
    const state = store.read();
    const written = Object.keys(state.accounts);
    for (const id of acknowledged) assert.ok(state.accounts[id], `acknowledged write ${id} lost`);
    // Each transaction added one account (with its project index) and counted it in seq: whole or not at all.
    assert.equal(state.seq, written.length);
    for (const id of written) assert.equal(state.projectAccounts[`p-${id}`], id, `account ${id} without its index entry`);
    assert.ok(acknowledged.size > KILLS, `${acknowledged.size} writes acknowledged`);
    assert.deepEqual(leftovers(dir), [], "no temporary file or lock left behind");
    if (process.env.IMAGE_SHARE_SOAK_ITERATIONS) {
      process.stderr.write(`  store kills: ${KILLS} kills (${killedHolding} holding the lock), ${acknowledged.size} writes acknowledged, ${written.length} written, none lost\n`);
    }
  });
});
