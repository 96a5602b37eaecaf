/**
 * `npm run bench`: API calls and wall time of image-share against one-member-per-call, in one
 * run, on the in-process emulator and on the four real backends over the served emulator.
 * A benchmark, not a test: it prints a table and writes bench/results.json; it asserts nothing
 * timed. It fails (exit 1) only if a scenario's result is wrong (members missing afterwards).
 *
 * Scenarios (see docs/benchmarks.md):
 *   apply    one image shared with 10, 50, 256 members, and 100 images x 50 members, through the
 *            provider runtime's create (reads included), beside a baseline adding one member per
 *            call with Terraform's default parallelism of 10 (writes only).
 *   update   one member added to a 256-member share through imageShareProvider.update.
 *   preview  imageShareProvider.check of 1, 100 and 1,000 ImageShares over 100 images, each with
 *            its `stack` as the ledger fills it (the other shares of its image), one process, cold
 *            cache per preview.
 *   store    the emulator's state file beside its memory store (bench/store.ts): per-call cost on
 *            states of 1k-100k members, 1 and 4 processes writing (back to back in alternating
 *            rounds, and with latency), seeding 5k-20k accounts.
 *   validate the rules-core benchmark (bench/validate.ts) at 100k and 1M share edges, spawned.
 *   plan     `image-share plan --backend cloud` spawned on 100 images against the IMS dialect
 *            served with the latency per call (bench/plan.ts), beside the same plan on the file.
 *   program  a whole program's preview through the stand-in engine on stacks of 100, 400 and
 *            1,600 ImageShares (bench/program.ts).
 *
 * Both sides keep to the clouds' documented request rates (the profile table's `rates`: Tencent's
 * ModifyImageSharePermission 10 a second), as the backends always do; the 100 x 50 scenario runs
 * with every rate x FLEET_RATE_SCALE (its baseline's 5,000 calls would otherwise take 500 s).
 *
 * The in-process emulator runs twice: on memory ("emulator") and on the state file users get
 * ("emulator-file": writes fsynced one by one only with IMAGE_SHARE_EMULATOR_FSYNC=1, as for users).
 *
 * Options: --latency MS (per call, default 20)  --fleet-latency MS (100 x 50 scenario, default 5)
 *          --backends emulator,emulator-file,huaweicloud,...  --no-validate  --no-fleet  --no-store  --no-plan  --no-program
 */
process.env.IMAGE_SHARE_RETRY_ATTEMPTS ??= "5";

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { mapConcurrent } from "../provider/backends/retry";
import type { MemberTarget } from "../provider/backends/types";
import { imageShareProvider } from "../provider/resources/runtime";
import { PROFILES } from "../provider/rules/profiles";
import { reads as cacheReads, resetReadCache } from "../provider/resources/provider/cache";
import type { ImageShareInputs, ImageShareOutputs, StackDeclarations } from "../provider/resources/wire";
import { planBench, planSummary, type PlanFigures } from "./plan";
import { programBench, programSummary, type ProgramFigures } from "./program";
import { storeBench, writersSummary, type StoreFigures } from "./store";
import { createWorlds, type BackendName, type CallCounts, type World } from "./world";

const BASELINE_PARALLELISM = 10; // terraform apply's default -parallelism
const SHARE_PARALLELISM = 10; // resources applied at once (ours), the same as the baseline's
const FLEET_RATE_SCALE = 100; // documented rates x 100 in the 100 x 50 scenario only

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

interface ApplyRow {
  backend: BackendName;
  scenario: string;
  images: number;
  membersPerImage: number;
  batch: number;
  /** ceil(members / batch) per image, summed. */
  minimum: number;
  latencyMs: number;
  limitNote?: string;
  ours: { calls: CallCounts; ms: number };
  baseline: { calls: CallCounts; ms: number };
  /** ours' write calls equal the minimum. */
  writesAtMinimum: boolean;
  /** baseline member additions / our calls of every kind (reads and polls included). */
  callRatio: number;
  /** baseline requests of every kind / ours. */
  requestRatio: number;
  timeRatio: number;
}

interface UpdateRow {
  backend: BackendName;
  membersBefore: number;
  calls: CallCounts;
  ms: number;
  oneWrite: boolean;
}

interface PreviewRow {
  backend: BackendName;
  resources: number;
  images: number;
  membersPerResource: number;
  listings: number;
  getImages: number;
  calls: CallCounts;
  ms: number;
  msPerResource: number;
  failures: number;
  /** Rule warnings printed (not failures). */
  warnings: number;
  listingsPerImage: number;
}

/**
 * A real backend paces itself by its cloud's documented rates across calls: each side of a
 * comparison starts once the windows of the calls before it (warm-up, the other side) are over,
 * so that neither pays for the other's requests.
 */
async function clearRateWindows(world: World): Promise<void> {
  if (world.name !== world.profile) return;
  const windows = Object.values(PROFILES[world.profile].rates).map((r) => r.perMs);
  if (windows.length) await new Promise((resolve) => setTimeout(resolve, Math.max(...windows) + 100));
}

async function measure<T>(world: World, f: () => Promise<T>): Promise<{ value: T; calls: CallCounts; ms: number }> {
  await clearRateWindows(world);
  world.counter.reset();
  const t0 = process.hrtime.bigint();
  const value = await f();
  return { value, calls: world.counter.snapshot(), ms: ms(t0) };
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`benchmark result wrong: ${what}`);
}

/** ImageShares over `images` images, `per` members each (member offset by share), through create; then the baseline. */
async function apply(world: World, label: string, images: number, per: number, latencyMs: number): Promise<{ row: ApplyRow; outs: { id: string; outs: ImageShareOutputs; inputs: ImageShareInputs }[] }> {
  const members: MemberTarget[] = Array.from({ length: per }, (_, i) => world.member(i));
  const ourImages = Array.from({ length: images }, () => world.newImage(`ours-${label}`));
  const baseImages = Array.from({ length: images }, () => world.newImage(`base-${label}`));

  const ours = await measure(world, () =>
    mapConcurrent(ourImages, SHARE_PARALLELISM, async (imageId) => {
      const inputs = world.inputs(imageId, members);
      const r = await imageShareProvider.create(inputs);
      return { id: r.id, outs: r.outs as ImageShareOutputs, inputs };
    }),
  );
  for (const img of ourImages) check(world.membersOf(img) === per, `${world.name} ${label}: image ${img} has ${world.membersOf(img)} members, not ${per}`);

  // Baseline: one member per call, as one-member-per-resource tools do, 10 at once.
  const service = world.service();
  const pairs = baseImages.flatMap((imageId) => members.map((m) => ({ imageId, m })));
  const baseline = await measure(world, () => mapConcurrent(pairs, BASELINE_PARALLELISM, ({ imageId, m }) => service.addMembers(imageId, [m])));
  for (const img of baseImages) check(world.membersOf(img) === per, `${world.name} ${label} baseline: image ${img} has ${world.membersOf(img)} members, not ${per}`);

  const minimum = images * Math.ceil(per / world.batch);
  const row: ApplyRow = {
    backend: world.name,
    scenario: label,
    images,
    membersPerImage: per,
    batch: world.batch,
    minimum,
    latencyMs,
    ...(per > world.cloudLimit ? { limitNote: `the cloud's limit is ${world.cloudLimit}; raised in the emulator` } : {}),
    ours: { calls: ours.calls, ms: ours.ms },
    baseline: { calls: baseline.calls, ms: baseline.ms },
    writesAtMinimum: ours.calls.writes === minimum,
    callRatio: baseline.calls.writes / ours.calls.total,
    requestRatio: baseline.calls.total / ours.calls.total,
    timeRatio: baseline.ms / ours.ms,
  };
  return { row, outs: ours.value };
}

async function update(world: World, share: { id: string; outs: ImageShareOutputs; inputs: ImageShareInputs }, extra: MemberTarget): Promise<UpdateRow> {
  const before = share.inputs.members.length;
  const news = world.inputs(share.inputs.imageId, [...share.inputs.members, extra]);
  const r = await measure(world, () => imageShareProvider.update!(share.id, share.outs, news));
  check(world.membersOf(share.inputs.imageId) === before + 1, `${world.name} update: ${world.membersOf(share.inputs.imageId)} members, not ${before + 1}`);
  return { backend: world.name, membersBefore: before, calls: r.calls, ms: r.ms, oneWrite: r.calls.writes === 1 };
}

/** check() of `count` ImageShares over `images` images, each with the stack the ledger sends it: the other shares of its image. */
async function preview(world: World, imageIds: string[], count: number, per: number): Promise<PreviewRow> {
  const images = Math.min(count, imageIds.length);
  // Resource j shares image j % images with its own `per` members (distinct within an image).
  const decls = Array.from({ length: count }, (_, j) => {
    const imageId = imageIds[j % images];
    const slot = Math.floor(j / images);
    const members = Array.from({ length: per }, (_, k) => world.member(slot * per + k));
    return { resource: `share-${j}`, imageId, members };
  });
  resetReadCache();
  const before = { ...cacheReads };
  let failures = 0;
  // The rules' warnings (e.g. pending-acceptance: members that have not accepted yet) are printed
  // by the provider on stderr, one per resource: counted here, not shown.
  const write = process.stderr.write;
  let warnings = 0;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (String(chunk).startsWith("image-share: warning")) {
      warnings++;
      return true;
    }
    return (write as (...a: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  const r = await measure(world, async () => {
    // The host runs every resource's check in one process, as the engine sends them.
    await mapConcurrent(decls, SHARE_PARALLELISM, async (d, j) => {
      const stack: StackDeclarations = { shares: decls.filter((o, i) => i !== j && o.imageId === d.imageId), acceptances: [], copies: [] };
      const news = { ...world.inputs(d.imageId, d.members), stack } as ImageShareInputs;
      const result = await imageShareProvider.check!({} as ImageShareInputs, news);
      if (result.failures?.length) failures++;
    });
  });
  process.stderr.write = write;
  const listings = cacheReads.listMembers - before.listMembers;
  return {
    backend: world.name,
    resources: count,
    images,
    membersPerResource: per,
    listings,
    getImages: cacheReads.getImage - before.getImage,
    calls: r.calls,
    ms: r.ms,
    msPerResource: r.ms / count,
    failures,
    warnings,
    listingsPerImage: listings / images,
  };
}

/**
 * Loads what the first call of each kind loads (the runtime's implementation, zod, the rules
 * core, the cloud's SDK) and opens the connection, outside every measurement.
 */
async function warmUp(world: World): Promise<void> {
  const image = world.newImage("warm-up");
  const m = world.member(299);
  const write = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    await imageShareProvider.check!({} as ImageShareInputs, world.inputs(image, [m]));
  } finally {
    process.stderr.write = write;
  }
  await imageShareProvider.create(world.inputs(image, [m]));
  await world.service().addMembers(world.newImage("warm-up"), [m]);
  resetReadCache();
}

interface ValidateFigures {
  edges: number;
  parseMs: number;
  loadMs: number;
  validateMs: number;
  ratio: number;
}

/** bench/validate.ts, spawned (its own process: its 1M-edge heap is not ours), figures parsed from its output. */
function validateBench(): { figures: ValidateFigures[]; output: string } {
  const script = path.join(__dirname, "validate.ts");
  const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", script, "--sizes", "100000,1000000", "--runs", "2", "--no-yaml"], {
    encoding: "utf8",
    cwd: path.join(__dirname, ".."),
  });
  if (r.status !== 0) throw new Error(`bench/validate.ts failed (${r.status}): ${r.stderr}`);
  const figures: ValidateFigures[] = [];
  let cur: Partial<ValidateFigures> | undefined;
  for (const line of r.stdout.split("\n")) {
    const head = /^([\d,]+) share edges/.exec(line);
    if (head) figures.push((cur = { edges: Number(head[1].replace(/,/g, "")) }) as ValidateFigures);
    const num = (re: RegExp) => Number(re.exec(line)?.[1]);
    if (cur && /^\s+parse \(/.test(line)) cur.parseMs = num(/\)\s+([\d.]+) ms/);
    if (cur && /^\s+load \(/.test(line)) cur.loadMs = num(/\)\s+([\d.]+) ms/);
    if (cur && /^\s+validate\(\)/.test(line)) cur.validateMs = num(/\)\s+([\d.]+) ms/);
    if (cur && /validate \/ parse/.test(line)) cur.ratio = num(/([\d.]+) x/);
  }
  return { figures, output: r.stdout };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
const f1 = (n: number) => n.toFixed(1);
const ratio = (n: number) => `${n.toFixed(1)}x`;
const calls = (c: CallCounts) => `${c.total} (${c.writes}w ${c.reads}r${c.polls ? ` ${c.polls}p` : ""})`;

async function main(): Promise<void> {
  const started = process.hrtime.bigint();
  const latency = Number(arg("--latency") ?? 20);
  const fleetLatency = Number(arg("--fleet-latency") ?? 5);
  const only = arg("--backends")?.split(",") as BackendName[] | undefined;
  const out = process.stdout;
  const { worlds, setLatency, teardown } = await createWorlds({ members: 300, limit: 300, only });
  const applyRows: ApplyRow[] = [];
  const updateRows: UpdateRow[] = [];
  const previewRows: PreviewRow[] = [];
  let validate: { figures: ValidateFigures[] } | undefined;
  let store: StoreFigures | undefined;
  let plan: PlanFigures | undefined;
  let program: ProgramFigures[] | undefined;
  try {
    out.write(`image-share benchmark (node ${process.version}); latency ${latency} ms per call (${fleetLatency} ms in the 100 x 50 scenario); baseline: one member per call, ${BASELINE_PARALLELISM} at once; both sides at the clouds' documented rates (x ${FLEET_RATE_SCALE} in the 100 x 50 scenario)\n`);
    for (const world of worlds) {
      setLatency(0);
      await warmUp(world);
      setLatency(latency);
      let share256: Awaited<ReturnType<typeof apply>>["outs"][number] | undefined;
      for (const n of [10, 50, 256]) {
        const { row, outs } = await apply(world, `1x${n}`, 1, n, latency);
        applyRows.push(row);
        if (n === 256) share256 = outs[0];
        out.write(`  ${world.name} 1x${n}: ours ${calls(row.ours.calls)} ${f1(row.ours.ms)} ms, baseline ${calls(row.baseline.calls)} ${f1(row.baseline.ms)} ms\n`);
      }
      updateRows.push(await update(world, share256!, world.member(256)));
      if (!process.argv.includes("--no-fleet")) {
        setLatency(fleetLatency);
        // The baseline's 5,000 calls at Tencent's documented 10 a second would take 500 s: the
        // fleet runs with every documented rate scaled up (a raised quota), both sides alike.
        process.env.IMAGE_SHARE_RATE_SCALE = String(FLEET_RATE_SCALE);
        const { row } = await apply(world, "100x50", 100, 50, fleetLatency).finally(() => delete process.env.IMAGE_SHARE_RATE_SCALE);
        applyRows.push(row);
        out.write(`  ${world.name} 100x50: ours ${calls(row.ours.calls)} ${f1(row.ours.ms)} ms, baseline ${calls(row.baseline.calls)} ${f1(row.baseline.ms)} ms\n`);
      }
    }
    // Preview on the in-process emulator and on huaweicloud over HTTP (the others read alike).
    for (const world of worlds.filter((w) => w.name === "emulator" || w.name === "huaweicloud")) {
      setLatency(latency);
      const imageIds = Array.from({ length: 100 }, () => world.newImage("preview"));
      for (const count of [1, 100, 1000]) {
        const row = await preview(world, imageIds, count, 5);
        previewRows.push(row);
        out.write(`  ${world.name} preview ${count}: ${row.listings} listings, ${row.getImages} getImage, ${f1(row.ms)} ms\n`);
      }
    }
    setLatency(0);
    if (!process.argv.includes("--no-store")) store = await storeBench();
    if (!process.argv.includes("--no-plan")) plan = await planBench(latency);
    if (!process.argv.includes("--no-program")) program = await programBench();
    if (!process.argv.includes("--no-validate")) validate = validateBench();
  } finally {
    await teardown();
  }

  // ---- the table ----
  out.write(`\nAPPLY (ours: provider create, reads included; baseline: one member per call; calls: total (w writes, r reads, p job polls))\n`);
  out.write(`${"backend".padEnd(17)}${"scenario".padEnd(9)}${pad("batch", 6)}${pad("min", 5)}${pad("ours calls", 22)}${pad("base calls", 22)}${pad("ratio", 8)}${pad("ours ms", 10)}${pad("base ms", 10)}${pad("time", 8)}  writes=min\n`);
  for (const r of applyRows) {
    out.write(
      `${r.backend.padEnd(17)}${r.scenario.padEnd(9)}${pad(r.batch, 6)}${pad(r.minimum, 5)}${pad(calls(r.ours.calls), 22)}${pad(calls(r.baseline.calls), 22)}${pad(ratio(r.callRatio), 8)}${pad(f1(r.ours.ms), 10)}${pad(f1(r.baseline.ms), 10)}${pad(ratio(r.timeRatio), 8)}  ${r.writesAtMinimum ? "yes" : "NO"}${r.limitNote ? ` (${r.limitNote})` : ""}\n`,
    );
  }
  out.write(`ratio = baseline member additions / our calls of every kind; time = baseline ms / ours\n`);
  out.write(`\nUPDATE (one member added to a 256-member share, imageShareProvider.update)\n`);
  for (const u of updateRows) out.write(`${u.backend.padEnd(17)} calls ${calls(u.calls).padEnd(16)} ${f1(u.ms).padStart(8)} ms  one write: ${u.oneWrite ? "yes" : "NO"}\n`);
  out.write(`\nPREVIEW (imageShareProvider.check per resource, ${5} members each, stack of the other shares of its image, cold cache)\n`);
  for (const p of previewRows) {
    out.write(
      `${p.backend.padEnd(17)}${pad(p.resources, 5)} shares over ${pad(p.images, 3)} images: listings ${pad(p.listings, 4)} (${f1(p.listingsPerImage)} per image), getImage ${pad(p.getImages, 4)}, calls ${calls(p.calls).padEnd(14)} ${pad(f1(p.ms), 9)} ms, ${pad(p.msPerResource.toFixed(2), 7)} ms per resource${p.failures ? `, ${p.failures} check failures` : ""}${p.warnings ? ` (${p.warnings} rule warnings printed)` : ""}\n`,
    );
  }
  const fileVsMemory = applyRows
    .filter((r) => r.backend === "emulator-file")
    .map((f) => ({ scenario: f.scenario, file: f.ours.ms, memory: applyRows.find((m) => m.backend === "emulator" && m.scenario === f.scenario)?.ours.ms }))
    .filter((r): r is { scenario: string; file: number; memory: number } => r.memory !== undefined);
  if (fileVsMemory.length) {
    out.write(`\nFILE STORE vs MEMORY (in-process emulator, provider create as above)\n`);
    for (const r of fileVsMemory) out.write(`${r.scenario.padEnd(9)} file ${pad(f1(r.file), 8)} ms, memory ${pad(f1(r.memory), 8)} ms: file / memory ${(r.file / r.memory).toFixed(2)}x\n`);
  }
  if (store) {
    out.write(`\nSTORE (in-process backend calls, mean ms per call; state of N members over N accounts, N / 50 images)\n`);
    for (const r of store.perCall) out.write(`${pad(r.members.toLocaleString("en"), 8)} members ${r.store.padEnd(23)} getImage ${pad(r.getImage.toFixed(2), 8)}  listMembers ${pad(r.listMembers.toFixed(2), 8)}  addMembers ${pad(r.addMembers.toFixed(2), 8)}${r.fileBytes ? `  (file ${(r.fileBytes / 1e6).toFixed(1)} MB)` : ""}\n`);
    for (const r of store.processes) {
      const one = store.processes.find((o) => o.processes === 1 && o.latencyMs === r.latencyMs && o.round === r.round);
      const where = r.separateFiles ? " on a file each" : " on one file";
      const ratio = r.processes > 1 && one ? `, ${(r.writesPerSecond / one.writesPerSecond).toFixed(2)}x one process` : "";
      const when = r.round !== undefined ? `back to back (round ${r.round})` : `${r.latencyMs} ms latency per call`;
      const fresh = r.fresh && one?.fresh ? ` (fresh, the run before: ${r.fresh.writesPerSecond.toFixed(0)} writes/s${r.processes > 1 ? `, ${(r.fresh.writesPerSecond / one.fresh.writesPerSecond).toFixed(2)}x` : ""}, ${r.fresh.cpuMsPerWrite.toFixed(2)} ms CPU a write)` : "";
      out.write(`${r.processes} process(es)${r.processes > 1 ? where : ""}, ${when}: ${r.writes} member additions in ${f1(r.ms)} ms, ${r.writesPerSecond.toFixed(0)} writes/s${ratio}, ${r.cpuMsPerWrite.toFixed(2)} ms CPU a write${fresh} (load ${r.load.toFixed(1)})\n`);
    }
    if (store.writers) out.write(`back to back: ${writersSummary(store.writers)}\n`);
    for (const r of store.seed) out.write(`seed ${r.accounts.toLocaleString("en")} accounts (a project each): ${f1(r.ms)} ms\n`);
  }
  if (plan) out.write(`\nPLAN (the CLI spawned, as a pull-request check runs it)\n${planSummary(plan)}\n`);
  if (program) out.write(`\nPROGRAM (a whole program's preview through the stand-in engine)\n${programSummary(program)}\n`);
  if (validate) {
    out.write(`\nVALIDATE (rules core, bench/validate.ts, best of 2)\n`);
    for (const v of validate.figures) out.write(`${pad(v.edges.toLocaleString("en"), 10)} edges: parse ${f1(v.parseMs)} ms, load ${f1(v.loadMs)} ms, validate ${f1(v.validateMs)} ms, validate/parse ${v.ratio.toFixed(2)}x\n`);
  }
  const totalMs = ms(started);
  out.write(`\ntotal ${f1(totalMs / 1000)} s\n`);
  const results = { when: new Date().toISOString(), node: process.version, latencyMs: latency, fleetLatencyMs: fleetLatency, baselineParallelism: BASELINE_PARALLELISM, totalMs, apply: applyRows, update: updateRows, preview: previewRows, store, plan, program, validate: validate?.figures };
  fs.writeFileSync(path.join(__dirname, "results.json"), JSON.stringify(results, null, 2) + "\n");
  out.write(`written to bench/results.json\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
