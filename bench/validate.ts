/**
 * Benchmark (not a test: it prints figures and asserts nothing timed):
 *   npm run bench:validate        (ts-node --transpile-only bench/validate.ts)
 *
 * Measures `image-share validate` as users run it: `node cli.js validate FILE --format json`
 * spawned, wall time and peak RSS (/usr/bin/time -f %M when present, else the child's own
 * process.resourceUsage() written at exit by a preload), beside the same work in process (load,
 * then the rules core's validate()) and the bare parse of the file (JSON.parse; js-yaml's load
 * for YAML), in process and spawned (a node that only reads and parses the file: the floor a
 * user's CLI run can reach, process start included). Ratios are of figures of this one run.
 *
 * The topologies are alicloud ones (images x 50 members, a tenth of the images cross-region
 * copies shared on, the member limit raised to 100 so there is no headroom warning) with one
 * self-share injected per 1,000 share edges: 1,000 error findings at 1M edges, 100 at 100k.
 * Sizes: 100k and 1M edges as JSON, 100k as YAML. With --cap (or by default, unless --no-cap):
 * a JSON and a YAML file just under the loader's 48 MiB cap, validated by the spawned CLI, to
 * show the cap is reachable (exit code, wall time, peak RSS).
 *
 * Targets (issue 13): the CLI on the 1M-edge JSON within 3x the bare JSON parse and under 1 GB
 * peak RSS; the CLI on the 100k-edge YAML within 3x js-yaml's parse.
 *
 * Lines `N share edges`, `  parse (`, `  load (`, `  validate()`, `validate / parse` are read by
 * bench/run.ts: keep their shape.
 * Options: --sizes 100000,1000000   --runs 3   --no-yaml   --no-cli   --no-cap   --cap-only
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { dump as yamlDump, load as yamlLoad } from "js-yaml";
import { validate } from "../provider/rules";
import { loadTopologyFile, DEFAULT_MAX_BYTES } from "../provider/topology/load";

const MEMBERS_PER_IMAGE = 50;
const TENANTS = 1000;
/** Raised quota: 50 members of 100 is far from the 90 % where member-limit-headroom warns. */
const RAISED_LIMIT = 100;
const ROOT = path.join(__dirname, "..");
const CLI = path.join(ROOT, "cli.js");

const accountId = (n: number) => String(1_000_000_000_000_000 + n);
const imageId = (n: number) => `m-bp${n.toString(36).padStart(18, "0")}`;

function hex32(n: number, salt: number): string {
  // Deterministic, well-formed ids (32 hex): not random, so runs compare.
  return ((n * 2654435761 + salt * 40503) >>> 0).toString(16).padStart(8, "0").repeat(4);
}

function uuid(n: number): string {
  const h = (n >>> 0).toString(16).padStart(12, "0");
  return `8c5e2a1c-4f1e-4b5e-9a7f-${h}`;
}

/** A huaweicloud topology (used by the tests too) with `edges` share edges: images x 50 members, copies and acceptances included. */
export function generate(edges: number): Record<string, unknown> {
  const shared = Math.ceil(edges / MEMBERS_PER_IMAGE);
  const copyCount = Math.floor(shared / 10);
  const baseCount = shared - copyCount;
  const accounts: Record<string, unknown> = {
    platform: {
      id: hex32(0, 1),
      site: "cn",
      projects: { "platform-bj": { id: hex32(0, 2), region: "cn-north-4" }, "platform-gz": { id: hex32(0, 3), region: "cn-south-1" } },
    },
  };
  for (let t = 0; t < TENANTS; t++) {
    accounts[`t${t}`] = {
      id: hex32(t + 1, 1),
      site: "cn",
      projects: { [`t${t}-bj`]: { id: hex32(t + 1, 2), region: "cn-north-4" }, [`t${t}-gz`]: { id: hex32(t + 1, 3), region: "cn-south-1" } },
    };
  }
  const images: Record<string, unknown> = {};
  for (let i = 0; i < baseCount; i++) {
    images[`img${i}`] = { id: uuid(i), region: "cn-north-4", owner: "platform", project: "platform-bj", kind: i % 3 === 2 ? "data" : "system", name: `golden-${i}` };
  }
  const copies: unknown[] = [];
  for (let c = 0; c < copyCount; c++) {
    copies.push({ name: `copy${c}`, source: `img${c}`, region: "cn-south-1", as: `img${c}-gz`, imageName: `golden-${c}-gz` });
  }
  const shares: unknown[] = [];
  const acceptances: unknown[] = [];
  const shareOf = (key: string, i: number) => {
    const members: string[] = new Array(MEMBERS_PER_IMAGE);
    for (let m = 0; m < MEMBERS_PER_IMAGE; m++) members[m] = `t${(i * 7 + m) % TENANTS}`;
    shares.push({ name: `share-${key}`, image: key, members });
    // A fifth of the members accept.
    for (let m = 0; m < MEMBERS_PER_IMAGE; m += 5) acceptances.push({ name: `acc-${key}-${m}`, image: key, member: members[m], status: "accepted" });
  };
  for (let i = 0; i < baseCount; i++) shareOf(`img${i}`, i);
  for (let c = 0; c < copyCount; c++) shareOf(`img${c}-gz`, baseCount + c);
  return { profile: "huaweicloud", trust: ["platform"], accounts, images, shares, acceptances, copies };
}

/**
 * An alicloud topology with `edges` share edges (images x 50 members, a tenth of the images
 * cross-region copies shared on, the member limit raised to 100) and `violations` shares whose
 * first member is the image's owner (self-share, an error), spread evenly: what the CLI is
 * measured on.
 */
export function generateAlicloud(edges: number, violations = 0): Record<string, unknown> {
  const shared = Math.ceil(edges / MEMBERS_PER_IMAGE);
  const copyCount = Math.floor(shared / 10);
  const baseCount = shared - copyCount;
  const accounts: Record<string, unknown> = { platform: { id: accountId(0) } };
  for (let t = 0; t < TENANTS; t++) accounts[`t${t}`] = { id: accountId(t + 1) };
  const images: Record<string, unknown> = {};
  for (let i = 0; i < baseCount; i++) {
    images[`img${i}`] = { id: imageId(i), region: "cn-hangzhou", owner: "platform", kind: i % 3 === 2 ? "data" : "system", name: `golden-${i}` };
  }
  const copies: unknown[] = [];
  for (let c = 0; c < copyCount; c++) copies.push({ name: `copy${c}`, source: `img${c}`, region: "cn-shanghai", as: `img${c}-sh`, imageName: `golden-${c}-sh` });
  const shares: unknown[] = [];
  const every = violations > 0 ? Math.floor(shared / violations) : Infinity;
  const shareOf = (key: string, i: number) => {
    const members: string[] = new Array(MEMBERS_PER_IMAGE);
    for (let m = 0; m < MEMBERS_PER_IMAGE; m++) members[m] = `t${(i * 7 + m) % TENANTS}`;
    if (i % every === 0 && i / every < violations) members[0] = "platform";
    shares.push({ name: `share-${key}`, image: key, members });
  };
  for (let i = 0; i < baseCount; i++) shareOf(`img${i}`, i);
  for (let c = 0; c < copyCount; c++) shareOf(`img${c}-sh`, baseCount + c);
  return { profile: "alicloud", limits: { member: RAISED_LIMIT }, trust: ["platform"], accounts, images, shares, copies };
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function time<T>(f: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { ms: ms(t0), value };
}

function best(runs: number, f: () => unknown): { first: number; best: number } {
  let first = 0;
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = time(f).ms;
    if (r === 0) first = t;
    if (t < min) min = t;
  }
  return { first, best: min };
}

interface Spawned {
  ms: number;
  /** Peak resident set size, MB. */
  rssMb: number;
  /** CPU time (user + system), ms: steadier than wall time on a machine others load. */
  cpuMs: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

const TIME = "/usr/bin/time";
const HAS_TIME = existsSync(TIME);

/**
 * Writes the process's peak RSS (KB) and CPU seconds (user, system) to $IMAGE_SHARE_BENCH_RSS at
 * exit, as /usr/bin/time -f "%M %U %S" does: used when /usr/bin/time is missing.
 */
const RSS_PRELOAD = `process.on("exit", () => { const u = process.resourceUsage(); require("fs").writeFileSync(process.env.IMAGE_SHARE_BENCH_RSS, u.maxRSS + " " + u.userCPUTime / 1e6 + " " + u.systemCPUTime / 1e6); });`;

/** Runs `node ARGS...` and measures wall time (here) and peak RSS (of the child alone). */
function spawnNode(dir: string, args: string[]): Spawned {
  const rssFile = path.join(dir, "rss");
  rmSync(rssFile, { force: true });
  let command: string;
  let argv: string[];
  if (HAS_TIME) {
    command = TIME;
    argv = ["-f", "%M %U %S", "-o", rssFile, process.execPath, ...args];
  } else {
    const preload = path.join(dir, "rss-preload.js");
    if (!existsSync(preload)) writeFileSync(preload, RSS_PRELOAD);
    command = process.execPath;
    argv = ["--require", preload, ...args];
  }
  const t0 = process.hrtime.bigint();
  const r = spawnSync(command, argv, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, IMAGE_SHARE_BENCH_RSS: rssFile, NO_COLOR: "1" } });
  const wall = ms(t0);
  // /usr/bin/time writes "Command exited with non-zero status N" first when the exit code is not 0.
  const [rss, user, system] = (existsSync(rssFile) ? readFileSync(rssFile, "utf8").trim().split("\n").pop()! : "NaN NaN NaN").split(" ").map(Number);
  return { ms: wall, rssMb: rss / 1024, cpuMs: (user + system) * 1000, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function bestSpawn(runs: number, dir: string, args: string[]): { best: Spawned; first: Spawned } {
  let first: Spawned | undefined;
  let min: Spawned | undefined;
  for (let r = 0; r < runs; r++) {
    const s = spawnNode(dir, args);
    first ??= s;
    if (!min || s.ms < min.ms) min = s;
  }
  return { best: min!, first: first! };
}

/** A node that reads the file and parses it, nothing else: the floor of a spawned run. */
function bareParse(kind: "json" | "yaml", file: string): string[] {
  const body =
    kind === "json"
      ? `JSON.parse(require("fs").readFileSync(${JSON.stringify(file)}, "utf8"))`
      : `require("js-yaml").load(require("fs").readFileSync(${JSON.stringify(file)}, "utf8"))`;
  return ["-e", body];
}

/** The spawned CLI as users run it; its JSON output is checked to hold the findings injected. */
function runCli(runs: number, dir: string, file: string, expected: number): { best: Spawned; first: Spawned; findings: number } {
  const r = bestSpawn(runs, dir, [CLI, "validate", file, "--format", "json"]);
  const s = r.best;
  let findings = -1;
  try {
    findings = (JSON.parse(s.stdout) as { violations: unknown[] }).violations.length;
  } catch {
    throw new Error(`the CLI did not print JSON (exit ${s.status}): ${s.stderr.slice(0, 2000)}`);
  }
  if (s.status !== (expected > 0 ? 1 : 0) || findings !== expected) {
    throw new Error(`the CLI found ${findings} finding(s) (exit ${s.status}), expected ${expected}: ${s.stderr.slice(0, 2000)}`);
  }
  return { ...r, findings };
}

/** The spawned runs: the bare parse, the CLI, and their ratios (wall and CPU). */
function spawnedLines(bareLabel: string, bare: Spawned, cli: { best: Spawned; first: Spawned; findings: number }, inProcessParse: number): void {
  const c = cli.best;
  const row = (label: string, r: Spawned, more = "") => `  spawned: ${label.padEnd(40)} ${fmt(r.ms)} wall ${fmt(r.cpuMs)} CPU ${mb(r.rssMb)} peak RSS${more}\n`;
  process.stdout.write(row(bareLabel, bare));
  process.stdout.write(row("image-share validate FILE --format json", c, `  (exit ${c.status}, ${cli.findings.toLocaleString("en")} findings; first run ${cli.first.ms.toFixed(0)} ms)`));
  process.stdout.write(`  CLI / spawned bare parse          ${x(c.ms / bare.ms)} wall ${x(c.cpuMs / bare.cpuMs)} CPU\n`);
  process.stdout.write(`  CLI / in-process parse            ${x(c.ms / inProcessParse)} wall\n`);
}

const fmt = (n: number) => `${n.toFixed(1).padStart(8)} ms`;
const mb = (n: number) => `${n.toFixed(0).padStart(5)} MB`;
const x = (n: number) => `${n.toFixed(2).padStart(8)} x`;
const met = (ok: boolean) => (ok ? "met" : "MISSED");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(name);

interface Figures {
  edges: number;
  parse: number;
  cli?: Spawned;
  bare?: Spawned;
}

function benchJson(dir: string, edges: number, runs: number, withCli: boolean): Figures {
  const violations = Math.floor(edges / 1000);
  const data = generateAlicloud(edges, violations);
  const file = path.join(dir, `topology-${edges}.json`);
  writeFileSync(file, JSON.stringify(data));
  const size = statSync(file).size;
  const maxBytes = Math.max(DEFAULT_MAX_BYTES, size + 1);
  const out = process.stdout;
  out.write(`\n${edges.toLocaleString("en")} share edges: ${(data.shares as unknown[]).length.toLocaleString("en")} shares, ${(data.copies as unknown[]).length.toLocaleString("en")} copies, ${violations.toLocaleString("en")} self-shares injected; JSON ${(size / 1e6).toFixed(1)} MB\n`);
  const parse = best(runs, () => JSON.parse(readFileSync(file, "utf8")));
  const loaded = loadTopologyFile(file, { maxBytes });
  if ("errors" in loaded) throw new Error(`generated topology does not load: ${loaded.errors[0].path}: ${loaded.errors[0].message}`);
  const load = best(runs, () => loadTopologyFile(file, { maxBytes }));
  let found = 0;
  const val = best(runs, () => {
    found = validate(loaded.topology).length;
  });
  if (found !== violations) throw new Error(`validate() found ${found} violation(s), expected ${violations}`);
  out.write(`  parse (read + JSON.parse)         ${fmt(parse.best)}  [${fmt(parse.first)}]\n`);
  out.write(`  load (parse + schema + references) ${fmt(load.best)}  [${fmt(load.first)}]\n`);
  out.write(`  validate()                        ${fmt(val.best)}  [${fmt(val.first)}]  (${found.toLocaleString("en")} violations)\n`);
  out.write(`  validate / parse                  ${x(val.best / parse.best)}\n`);
  out.write(`  load + validate() / parse         ${x((load.best + val.best) / parse.best)}\n`);
  const figures: Figures = { edges, parse: parse.best };
  if (!withCli) return figures;
  const bare = bestSpawn(runs, dir, bareParse("json", file)).best;
  const cli = runCli(runs, dir, file, violations);
  spawnedLines("node: read + JSON.parse", bare, cli, parse.best);
  return { ...figures, cli: cli.best, bare };
}

function benchYaml(dir: string, edges: number, runs: number, withCli: boolean): Figures {
  const violations = Math.floor(edges / 1000);
  const data = generateAlicloud(edges, violations);
  const file = path.join(dir, `topology-${edges}.yaml`);
  writeFileSync(file, yamlDump(data, { lineWidth: -1 }));
  const size = statSync(file).size;
  const maxBytes = Math.max(DEFAULT_MAX_BYTES, size + 1);
  const out = process.stdout;
  out.write(`\n${edges.toLocaleString("en")} share edges as YAML (block style, js-yaml's dump): ${violations.toLocaleString("en")} self-shares injected; ${(size / 1e6).toFixed(1)} MB\n`);
  const parse = best(runs, () => yamlLoad(readFileSync(file, "utf8")));
  const load = best(runs, () => loadTopologyFile(file, { maxBytes }));
  out.write(`  YAML parse (read + js-yaml load)  ${fmt(parse.best)}  [${fmt(parse.first)}]\n`);
  out.write(`  YAML load (parse + positions + schema + references) ${fmt(load.best)}  [${fmt(load.first)}]\n`);
  const figures: Figures = { edges, parse: parse.best };
  if (!withCli) return figures;
  const bare = bestSpawn(runs, dir, bareParse("yaml", file)).best;
  const cli = runCli(runs, dir, file, violations);
  spawnedLines("node: read + js-yaml load", bare, cli, parse.best);
  return { ...figures, cli: cli.best, bare };
}

/** Edges for a file just under the cap: sizes grow linearly with edges, so scale from a sample. */
function edgesUnderCap(kind: "json" | "yaml"): number {
  const sample = 100_000;
  const text = (edges: number) => (kind === "json" ? JSON.stringify(generateAlicloud(edges)) : yamlDump(generateAlicloud(edges), { lineWidth: -1 }));
  const bytes = Buffer.byteLength(text(sample));
  // 99 % of the cap, rounded down to whole images.
  return Math.floor(((DEFAULT_MAX_BYTES * 0.99) / bytes) * sample / MEMBERS_PER_IMAGE) * MEMBERS_PER_IMAGE;
}

function benchCap(dir: string, kind: "json" | "yaml"): void {
  const edges = edgesUnderCap(kind);
  const violations = 1000;
  const data = generateAlicloud(edges, violations);
  const file = path.join(dir, `cap.${kind}`);
  writeFileSync(file, kind === "json" ? JSON.stringify(data) : yamlDump(data, { lineWidth: -1 }));
  const size = statSync(file).size;
  const cli = runCli(1, dir, file, violations);
  process.stdout.write(
    `  ${kind.toUpperCase().padEnd(4)} ${(size / 2 ** 20).toFixed(1)} MiB (${edges.toLocaleString("en")} edges): ${fmt(cli.best.ms)} wall ${fmt(cli.best.cpuMs)} CPU ${mb(cli.best.rssMb)} peak RSS  (exit ${cli.best.status}, ${cli.findings.toLocaleString("en")} findings)\n`,
  );
}

function main(): void {
  const sizes = (arg("--sizes") ?? "100000,1000000").split(",").map(Number);
  const runs = Number(arg("--runs") ?? 3);
  const withCli = !flag("--no-cli");
  const dir = mkdtempSync(path.join(tmpdir(), "image-share-bench-"));
  const out = process.stdout;
  if (withCli && !existsSync(path.join(ROOT, "bin", "provider", "cli", "main.js"))) throw new Error("the CLI is not built: npm run build");
  try {
    out.write(`image-share validate benchmark (node ${process.version}, ${runs} runs each, best of runs; first run in brackets; peak RSS by ${HAS_TIME ? "/usr/bin/time" : "process.resourceUsage()"})\n`);
    const json = new Map<number, Figures>();
    const yaml = new Map<number, Figures>();
    if (!flag("--cap-only")) {
      for (const edges of sizes) json.set(edges, benchJson(dir, edges, runs, withCli));
      if (!flag("--no-yaml")) for (const edges of sizes.filter((e) => e <= 100_000)) yaml.set(edges, benchYaml(dir, edges, runs, withCli));
      const small = json.get(100000);
      const large = json.get(1000000);
      if (small && large) out.write(`\nlinearity, 1M / 100k (10 is linear): parse ${(large.parse / small.parse).toFixed(1)} x${small.cli && large.cli ? `, CLI ${(large.cli.ms / small.cli.ms).toFixed(1)} x` : ""}\n`);
    }
    const large = json.get(1000000);
    const y = yaml.get(100000);
    if (large?.cli || y?.cli) {
      out.write(`\ntargets (issue 13)\n`);
      if (large?.cli && large.bare) {
        const r = large.cli.ms / large.bare.ms;
        const cpu = large.cli.cpuMs / large.bare.cpuMs;
        out.write(`  1M-edge JSON: CLI within 3x the bare JSON parse, both spawned: ${r.toFixed(2)} x wall, ${met(r <= 3)} (${cpu.toFixed(2)} x CPU); against the parse in process: ${(large.cli.ms / large.parse).toFixed(2)} x, ${met(large.cli.ms / large.parse <= 3)}\n`);
        out.write(`  1M-edge JSON: CLI under 1 GB peak RSS: ${large.cli.rssMb.toFixed(0)} MB, ${met(large.cli.rssMb < 1024)}\n`);
      }
      if (y?.cli && y.bare) {
        const r = y.cli.ms / y.bare.ms;
        const cpu = y.cli.cpuMs / y.bare.cpuMs;
        out.write(`  100k-edge YAML: CLI within 3x js-yaml's parse, both spawned: ${r.toFixed(2)} x wall, ${met(r <= 3)} (${cpu.toFixed(2)} x CPU); against the parse in process: ${(y.cli.ms / y.parse).toFixed(2)} x, ${met(y.cli.ms / y.parse <= 3)}\n`);
      }
    }
    if (withCli && !flag("--no-cap")) {
      out.write(`\nat the cap (${(DEFAULT_MAX_BYTES / 2 ** 20).toFixed(0)} MiB): files just under it, 1,000 self-shares injected, the spawned CLI once\n`);
      benchCap(dir, "json");
      benchCap(dir, "yaml");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
