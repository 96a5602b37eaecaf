/**
 * The emulator's state file beside its in-memory store (`npm run bench` runs this as its STORE
 * section; `ts-node bench/store.ts` runs it alone):
 *   per call   the in-process backend's calls an apply makes (getImage, listMembers, addMembers of
 *              one member) on states of 1k, 10k and 100k members (as many accounts), file vs
 *              memory (and, on the smallest, the file with every write fsynced)
 *   processes  member writes per second by 1 process and by 4 processes on one state file, back to
 *              back (every process CPU-bound: 4,000 writes, in alternating rounds of 1 and 4
 *              processes, the ratio's median, min and max printed, with the CPU each write cost;
 *              each round's writers first make the same run on a copy of the state, printed as
 *              "fresh", and the run after it, the steady state, is the row's own figure) and with
 *              the emulator's 5 ms latency per call (each process waits for its calls, as a provider
 *              host waits for the cloud: 400 writes)
 *   seed       `emulator seed` of a topology of 5,000, 12,000 and 20,000 accounts with a project each
 * Nothing here asserts a time; it prints figures and returns them for bench/results.json.
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { Emulator, FileStore, MemoryStore, type Store } from "../provider/backends/emulator";
import { emptyState, type EmulatorState } from "../provider/backends/emulator/model";
import type { MemberTarget } from "../provider/backends/types";
import type { Topology } from "../provider/rules/model";
import { tsChild } from "../test/harness/child";
import { REPO } from "../test/harness/repo";

export const PROFILE = "opentelekomcloud";
export const REGION = "eu-de";
export const OWNER = "d0000000000000000000000000000001";
export const OWNER_PROJECT = "a0000000000000000000000000000001";
export const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, "0")}`;
export const projectOf = (i: number): string => hex("b", i);
export const imageOf = (k: number): string => hex("e", k);
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * A state of `members` members: as many member accounts (a project each) and members / 50 images
 * with 50 project members each, written as plain data (not through the model: building a large
 * state is not what is measured).
 */
export function bigState(members: number): EmulatorState {
  const s = emptyState();
  const now = Date.now();
  s.accounts[OWNER] = { id: OWNER, profile: PROFILE, projects: [{ id: OWNER_PROJECT, region: REGION }] };
  s.projectAccounts[OWNER_PROJECT] = OWNER;
  for (let i = 0; i < members; i++) {
    const id = hex("c", i);
    s.accounts[id] = { id, profile: PROFILE, projects: [{ id: projectOf(i), region: REGION }] };
    s.projectAccounts[projectOf(i)] = id;
  }
  for (let k = 0; k < members / 50; k++) {
    const id = hex("e", k);
    s.images[id] = {
      id,
      profile: PROFILE,
      region: REGION,
      owner: OWNER,
      ownerProject: OWNER_PROJECT,
      kind: "system",
      name: `image-${k}`,
      status: "available",
      createdAt: now,
      members: Array.from({ length: 50 }, (_, j) => ({ type: "project" as const, id: projectOf(k * 50 + j), status: "pending" as const, createdAt: now })),
    };
  }
  s.settings.memberLimits = { [PROFILE]: { member: 1000 } };
  return s;
}

/** Writes `state` as the state file `file` (set-up, not measured). */
function writeState(file: string, state: EmulatorState): void {
  new FileStore(file).transact((s) => void Object.assign(s, state));
}

export interface PerCallRow {
  members: number;
  store: "file" | "file, fsync each write" | "memory";
  /** Mean ms per call over the calls made. */
  getImage: number;
  listMembers: number;
  addMembers: number;
  /** The state file's size, bytes. */
  fileBytes?: number;
}

/** Mean ms per call of getImage, listMembers (one page of 100) and addMembers (one new member) on `store`. */
async function perCall(store: Store, members: number, label: PerCallRow["store"], calls: number, shift = 0): Promise<PerCallRow> {
  const emulator = new Emulator(store);
  const svc = emulator.service({ profile: PROFILE, region: REGION, account: OWNER, project: OWNER_PROJECT }, { callFaults: true });
  const images = members / 50;
  const image = (i: number) => hex("e", (i * 7919) % images);
  // Warm: the first call of a process loads what it loads (and the file store reads the file once).
  await svc.getImage(image(0));
  const time = async (f: (i: number) => Promise<unknown>): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await f(i);
    return ms(t0) / calls;
  };
  const getImage = await time((i) => svc.getImage(image(i)));
  const listMembers = await time((i) => svc.listMembers(image(i), { pageSize: 100 }));
  // A member the image does not have yet (`shift`: past those an earlier run added).
  const addMembers = await time(async (i) => {
    const k = (i * 7919) % images;
    const member: MemberTarget = { type: "project", id: projectOf((k * 50 + 50 + shift + i) % members) };
    await svc.addMembers(hex("e", k), [member]);
  });
  return { members, store: label, getImage, listMembers, addMembers };
}

/** A run's figures. */
export interface RunFigures {
  writes: number;
  ms: number;
  writesPerSecond: number;
  /** CPU time (user + system) the writers spent per write, ms: what the load average cannot skew much. */
  cpuMsPerWrite: number;
}

export interface ProcessesRow extends RunFigures {
  processes: number;
  /** The emulator's latency per call (0: back to back). */
  latencyMs: number;
  /** Back to back: the round (1 and 4 processes alternate, to even out the machine's other load). */
  round?: number;
  /** Each process on a file of its own (no lock, no catch-up): what the machine allows at best. */
  separateFiles?: boolean;
  /**
   * Back to back: the same run made first by the same processes, fresh, on an identical copy of
   * the state (each writer's V8 compiles its hot code there). The row's own figures are the run
   * after it: the steady state.
   */
  fresh?: RunFigures;
  /** The machine's 1-minute load average when it ended. */
  load: number;
}

/** 4 processes against 1 over the rounds. */
export interface Ratios {
  ratios: number[];
  median: number;
  min: number;
  max: number;
}

/** Back to back: 4 processes against 1 over the rounds, in the steady state and fresh. */
export interface WritersSummary extends Ratios {
  rounds: number;
  writes: number;
  cpuMsPerWrite: { one: number; four: number; fourSeparate: number };
  /** The same with each of the 4 on a file of its own: the bound the machine sets (its 2 cores, the runtime's own costs). */
  separateFiles: Ratios;
  /** The runs made fresh (each writer compiling its code as it goes), on one file and on a file each. */
  fresh: Ratios & { separateFiles: Ratios; cpuMsPerWrite: { one: number; four: number; fourSeparate: number } };
}

/** A child's output, line by line (it says why it stopped on stderr). */
function linesOf(child: ChildProcessByStdio<Writable, Readable, null>): () => Promise<string> {
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return async () => {
    const next = await lines.next();
    if (next.done) throw new Error("bench/storeWriter.ts stopped before it answered");
    return next.value;
  };
}

/**
 * `processes` children, `writes / processes` member additions each (each on its own images), on
 * one file; `separateFiles`: child P on `file.P` instead. `scratch` (laid out as `file`): the
 * children first make the same run there, measured as `fresh`.
 */
async function writers(file: string, scratch: string | undefined, processes: number, writes: number, latencyMs: number, separateFiles = false): Promise<Omit<ProcessesRow, "round" | "separateFiles" | "load">> {
  // The writers run the build in bin/ when it is current (`npm run bench` builds first), as users
  // run the package: ts-node would put the TypeScript compiler in every writer's heap.
  const writer = tsChild(path.join(REPO, "bench", "storeWriter.ts"));
  const per = Math.floor(writes / processes);
  const at = (f: string, p: number) => (separateFiles ? `${f}.${p}` : f);
  const children = Array.from({ length: processes }, (_, p) =>
    spawn(process.execPath, [...writer.args, at(file, p), scratch !== undefined ? at(scratch, p) : "-", String(p), String(processes), String(per)], { stdio: ["pipe", "pipe", "inherit"], cwd: REPO, env: { ...process.env, ...writer.env } }),
  );
  const next = children.map(linesOf);
  // Every child loads and opens the files, then waits for a command on stdin: start-up is not measured.
  await Promise.all(next.map((line) => line()));
  /** All children make their run at once: its figures ("SAYS N CPU_MS" from each child). */
  const run = async (command: string): Promise<RunFigures> => {
    const t0 = process.hrtime.bigint();
    for (const c of children) c.stdin.write(`${command}\n`);
    const said = await Promise.all(next.map((line) => line()));
    const elapsed = ms(t0);
    const cpuMs = said.reduce((sum, line) => sum + Number(line.split(" ")[2]), 0);
    const total = per * processes;
    return { writes: total, ms: elapsed, writesPerSecond: total / (elapsed / 1000), cpuMsPerWrite: cpuMs / total };
  };
  try {
    const fresh = scratch !== undefined ? await run("warm") : undefined;
    return { processes, latencyMs, ...(await run("go")), ...(fresh ? { fresh } : {}) };
  } finally {
    for (const c of children) c.stdin.end();
  }
}

export interface SeedRow {
  accounts: number;
  ms: number;
}

function seedTopology(accounts: number): Topology {
  const t: Topology = { profile: "huaweicloud", accounts: {}, images: {}, shares: [], acceptances: [], copies: [] };
  for (let i = 0; i < accounts; i++) t.accounts[`team-${i}`] = { id: hex("f", i), projects: { main: { id: projectOf(i), region: "cn-north-4" } } };
  return t;
}

export interface StoreFigures {
  perCall: PerCallRow[];
  processes: ProcessesRow[];
  writers?: WritersSummary;
  seed: SeedRow[];
}

/** The back-to-back figures in one sentence (here and in bench/run.ts). */
export function writersSummary(w: WritersSummary): string {
  const x = (r: Ratios) => `median ${r.median.toFixed(2)}x (min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)})`;
  const cpu = (c: WritersSummary["cpuMsPerWrite"]) => `CPU a write ${c.one.toFixed(2)} ms alone, ${c.four.toFixed(2)} ms with 4 on one file, ${c.fourSeparate.toFixed(2)} ms on a file each`;
  return (
    `over ${w.rounds} rounds of ${w.writes} writes, in the steady state: 4 processes on one file / 1 process ${x(w)}, on a file each ${x(w.separateFiles)}; ${cpu(w.cpuMsPerWrite)}. ` +
    `Fresh (the run before, each writer compiling its code): on one file ${x(w.fresh)}, on a file each ${x(w.fresh.separateFiles)}; ${cpu(w.fresh.cpuMsPerWrite)}`
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * `writes`: back to back, per run (default 4,000: a run of 400 is over in ~150 ms, too short to
 * tell); `rounds` of 1 and 4 processes (default 5); with latency, 400 writes, one round.
 */
export async function storeBench(options: { sizes?: number[]; calls?: number; writes?: number; rounds?: number; seeds?: number[] } = {}): Promise<StoreFigures> {
  const out = process.stdout;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-store-bench-"));
  const figures: StoreFigures = { perCall: [], processes: [], seed: [] };
  try {
    for (const members of options.sizes ?? [1_000, 10_000, 100_000]) {
      const state = bigState(members);
      const file = path.join(dir, `state-${members}.db`);
      writeState(file, state);
      const calls = options.calls ?? 20;
      const fileRow = await perCall(new FileStore(file), members, "file", calls);
      fileRow.fileBytes = fs.statSync(file).size;
      const rows = [fileRow];
      // What IMAGE_SHARE_EMULATOR_FSYNC=1 costs (a disk flush per write), on the smallest state.
      if (members === (options.sizes ?? [1_000])[0]) rows.push(await perCall(new FileStore(file, { fsync: true }), members, "file, fsync each write", calls, calls));
      rows.push(await perCall(new MemoryStore(state), members, "memory", calls));
      for (const r of rows) {
        figures.perCall.push(r);
        out.write(`  store per call, ${members} members, ${r.store}: getImage ${r.getImage.toFixed(2)} ms, listMembers ${r.listMembers.toFixed(2)} ms, addMembers ${r.addMembers.toFixed(2)} ms\n`);
      }
    }
    const run = async (processes: number, writes: number, latencyMs: number, round?: number, separateFiles = false): Promise<ProcessesRow> => {
      const file = path.join(dir, `writers-${processes}-${latencyMs}.db`);
      // Back to back, the writers first make the same run on a copy (their code compiled there).
      const scratch = round !== undefined ? path.join(dir, `scratch-${processes}.db`) : undefined;
      const state = bigState(1_000);
      if (latencyMs > 0) state.faults = { latencyMs };
      for (const f of [file, ...(scratch ? [scratch] : [])].flatMap((f) => (separateFiles ? Array.from({ length: processes }, (_, p) => `${f}.${p}`) : [f]))) {
        fs.rmSync(f, { force: true });
        writeState(f, state);
      }
      const row: ProcessesRow = { ...(round !== undefined ? { round } : {}), ...(separateFiles ? { separateFiles } : {}), ...(await writers(file, scratch, processes, writes, latencyMs, separateFiles)), load: os.loadavg()[0] };
      figures.processes.push(row);
      const when = round !== undefined ? `back to back, round ${round}` : `${latencyMs} ms latency`;
      const figuresOf = (r: RunFigures) => `${r.writes} member additions in ${r.ms.toFixed(0)} ms: ${r.writesPerSecond.toFixed(0)} writes/s, ${r.cpuMsPerWrite.toFixed(2)} ms CPU a write`;
      out.write(`  store writers, ${when}: ${processes} process(es)${separateFiles ? " on a file each" : ""}, ${figuresOf(row)}${row.fresh ? ` (fresh, the run before: ${figuresOf(row.fresh)})` : ""} (load ${row.load.toFixed(1)})\n`);
      return row;
    };
    const writes = options.writes ?? 4_000;
    const rounds = options.rounds ?? 5;
    type Which = "one" | "four" | "fourSeparate";
    const byRound: Record<Which, ProcessesRow>[] = [];
    for (let round = 1; round <= rounds; round++) {
      // 1 process, 4 on one file, 4 on a file each; in turn first and last, so that a change in
      // the machine's load favours none.
      const order: Which[] = round % 2 ? ["one", "four", "fourSeparate"] : ["fourSeparate", "four", "one"];
      const rows: Partial<Record<Which, ProcessesRow>> = {};
      for (const which of order) rows[which] = await run(which === "one" ? 1 : 4, writes, 0, round, which === "fourSeparate");
      byRound.push(rows as Record<Which, ProcessesRow>);
    }
    if (rounds > 0) {
      const spread = (r: number[]): Ratios => ({ ratios: r, median: median(r), min: Math.min(...r), max: Math.max(...r) });
      const summary = (of: (row: ProcessesRow) => RunFigures) => {
        const ratio = (which: Which) => spread(byRound.map((rows) => of(rows[which]).writesPerSecond / of(rows.one).writesPerSecond));
        const cpu = (which: Which) => median(byRound.map((rows) => of(rows[which]).cpuMsPerWrite));
        return { ...ratio("four"), separateFiles: ratio("fourSeparate"), cpuMsPerWrite: { one: cpu("one"), four: cpu("four"), fourSeparate: cpu("fourSeparate") } };
      };
      figures.writers = { rounds, writes, ...summary((row) => row), fresh: summary((row) => row.fresh!) };
      out.write(`  store writers, back to back: ${writersSummary(figures.writers)}\n`);
    }
    for (const processes of [1, 4]) await run(processes, 400, 5);
    for (const accounts of options.seeds ?? [5_000, 12_000, 20_000]) {
      const emulator = new Emulator(new FileStore(path.join(dir, `seed-${accounts}.db`)));
      const topology = seedTopology(accounts);
      const t0 = process.hrtime.bigint();
      const report = emulator.seedTopology(topology);
      const row = { accounts, ms: ms(t0) };
      if (report.accounts.length !== accounts) throw new Error(`benchmark result wrong: seeded ${report.accounts.length} accounts, not ${accounts}`);
      figures.seed.push(row);
      out.write(`  store seed: ${accounts} accounts in ${row.ms.toFixed(0)} ms\n`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1].split(",").map(Number) : undefined;
  };
  storeBench({ sizes: arg("--sizes"), seeds: arg("--seeds"), writes: arg("--writes")?.[0], rounds: arg("--rounds")?.[0], calls: arg("--calls")?.[0] }).catch((e: unknown) => {
    process.stderr.write(`bench/store: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}
