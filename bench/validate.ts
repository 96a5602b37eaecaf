/**
 * Benchmark (not a test: it prints figures and asserts nothing timed):
 *   npm run bench:validate        (ts-node --transpile-only bench/validate.ts)
 * Generates huaweicloud topologies of 100,000 and 1,000,000 share edges (images x 50 members,
 * a tenth of the images being cross-region copies shared on, a fifth of the edges accepted),
 * writes each to a temporary JSON file, and reports in one run: the time to merely parse the
 * file (JSON.parse), to load it (read, parse, schema, references, ids), and validate() itself,
 * with validate/parse and the 1M/100k ratios (linear cost: about 10). The 100k topology is also
 * written and loaded as YAML: the loader's parse (js-yaml, yamlData.ts), the whole load, the
 * first position asked for (the `yaml` parse that positions take, lazily), and for comparison
 * `yaml`'s parseDocument, which the loader used for the data before.
 * Options: --sizes 100000,1000000   --runs 3   --no-yaml   --no-yaml-baseline
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { stringify as yamlStringify, parseDocument, LineCounter } from "yaml";
import { validate } from "../provider/rules";
import { loadTopologyFile, DEFAULT_MAX_BYTES } from "../provider/topology/load";
import { readYamlData } from "../provider/topology/yamlData";

const MEMBERS_PER_IMAGE = 50;
const TENANTS = 1000;

function hex32(n: number, salt: number): string {
  // Deterministic, well-formed ids (32 hex): not random, so runs compare.
  return ((n * 2654435761 + salt * 40503) >>> 0).toString(16).padStart(8, "0").repeat(4);
}

function uuid(n: number): string {
  const h = (n >>> 0).toString(16).padStart(12, "0");
  return `8c5e2a1c-4f1e-4b5e-9a7f-${h}`;
}

/** A topology with `edges` share edges: images x 50 members, copies and acceptances included. */
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

const fmt = (n: number) => `${n.toFixed(1).padStart(8)} ms`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const sizes = (arg("--sizes") ?? "100000,1000000").split(",").map(Number);
  const runs = Number(arg("--runs") ?? 3);
  const dir = mkdtempSync(path.join(tmpdir(), "image-share-bench-"));
  const results = new Map<number, { parse: number; validate: number }>();
  try {
    process.stdout.write(`image-share validate benchmark (node ${process.version}, ${runs} runs each, best of runs; first run in brackets)\n`);
    for (const edges of sizes) {
      const data = generate(edges);
      const file = path.join(dir, `topology-${edges}.json`);
      writeFileSync(file, JSON.stringify(data));
      const size = statSync(file).size;
      process.stdout.write(`\n${edges.toLocaleString("en")} share edges: ${(data.shares as unknown[]).length.toLocaleString("en")} shares, ${(data.acceptances as unknown[]).length.toLocaleString("en")} acceptances, ${(data.copies as unknown[]).length.toLocaleString("en")} copies; JSON ${(size / 1e6).toFixed(1)} MB\n`);
      const parse = best(runs, () => JSON.parse(readFileSync(file, "utf8")));
      const loaded = loadTopologyFile(file, { maxBytes: Math.max(DEFAULT_MAX_BYTES, size + 1) });
      if ("errors" in loaded) throw new Error(`generated topology does not load: ${loaded.errors[0].path}: ${loaded.errors[0].message}`);
      const load = best(runs, () => loadTopologyFile(file, { maxBytes: Math.max(DEFAULT_MAX_BYTES, size + 1) }));
      let violations = 0;
      const val = best(runs, () => {
        violations = validate(loaded.topology).length;
      });
      results.set(edges, { parse: parse.best, validate: val.best });
      process.stdout.write(`  parse (read + JSON.parse)         ${fmt(parse.best)}  [${fmt(parse.first)}]\n`);
      process.stdout.write(`  load (parse + schema + references) ${fmt(load.best)}  [${fmt(load.first)}]\n`);
      process.stdout.write(`  validate()                        ${fmt(val.best)}  [${fmt(val.first)}]  (${violations.toLocaleString("en")} violations)\n`);
      process.stdout.write(`  validate / parse                  ${(val.best / parse.best).toFixed(2).padStart(8)} x\n`);
      if (edges <= 100000 && !process.argv.includes("--no-yaml")) {
        const yfile = path.join(dir, `topology-${edges}.yaml`);
        writeFileSync(yfile, yamlStringify(data));
        const ysize = statSync(yfile).size;
        const ytext = readFileSync(yfile, "utf8");
        const yparse = best(runs, () => readYamlData(ytext));
        const yopts = { maxBytes: Math.max(DEFAULT_MAX_BYTES, ysize + 1) };
        const yload = best(runs, () => loadTopologyFile(yfile, yopts));
        const yloaded = loadTopologyFile(yfile, yopts);
        if ("errors" in yloaded) throw new Error(`generated YAML topology does not load: ${yloaded.errors[0].path}: ${yloaded.errors[0].message}`);
        const ylocate = time(() => yloaded.positions.locate(["shares", (data.shares as unknown[]).length - 1, "members", 49]));
        process.stdout.write(`  YAML ${(ysize / 1e6).toFixed(1)} MB: parse (js-yaml)            ${fmt(yparse.best)}  [${fmt(yparse.first)}]\n`);
        process.stdout.write(`  YAML load (parse + schema + references) ${fmt(yload.best)}  [${fmt(yload.first)}]\n`);
        process.stdout.write(`  YAML first position (lazy yaml parse)  ${fmt(ylocate.ms)}  (line ${ylocate.value?.line})\n`);
        if (!process.argv.includes("--no-yaml-baseline")) {
          const before = best(1, () => parseDocument(ytext, { lineCounter: new LineCounter(), uniqueKeys: true, strict: true }).toJS({ maxAliasCount: 1000 }));
          process.stdout.write(`  YAML parse as before (yaml parseDocument + toJS) ${fmt(before.best)}  (js-yaml is ${(before.best / yparse.best).toFixed(0)} x faster)\n`);
        }
      }
    }
    const small = results.get(100000);
    const large = results.get(1000000);
    if (small && large) {
      process.stdout.write(`\nlinearity, 1M / 100k (10 is linear): validate ${(large.validate / small.validate).toFixed(1)} x, parse ${(large.parse / small.parse).toFixed(1)} x\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main();
