/**
 * `image-share plan --backend cloud`, spawned as a pull-request check runs it, on a file of 100
 * images (huaweicloud, each shared with 5 accounts) against the IMS dialect served on loopback
 * with a latency per request (`npm run bench` runs this as its PLAN section; `ts-node
 * bench/plan.ts [LATENCY_MS]` runs it alone). Printed beside it: the same plan read from the
 * emulator's file in-process (`--db`: the command's own cost, no requests), and what the
 * requests it sent would have waited read one after the other (requests x latency). Nothing here
 * asserts a time; a wrong plan (not every member to add) is an error.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator } from "../provider/backends/emulator";
import { createHuaweiCloudDialect } from "../provider/backends/emulator/http/huaweicloud";
import { startEmulatorServer } from "../provider/backends/emulator/http/server";
import { credentialVariables } from "../provider/cli/plan";
import { describeLoadError, loadTopologyFile, seedEmulatorFile } from "../provider/resources/seed";
import { REPO } from "../test/harness/repo";
import { hex } from "./store";

export interface PlanFigures {
  images: number;
  membersPerImage: number;
  latencyMs: number;
  /** Requests the served emulator answered. */
  requests: number;
  /** Wall time of the spawned plan against the served emulator. */
  servedMs: number;
  /** Wall time of the spawned plan on the emulator's file (--db). */
  fileMs: number;
  /** requests x latency: the wait if the requests were sent one after the other. */
  sequentialWaitMs: number;
}

const IMAGES = 100;
const MEMBERS = 5;
const uuid = (n: number) => `8c5e2a1c-4f1e-4b5e-9a7f-${n.toString(16).padStart(12, "0")}`;

function topologyYaml(): string {
  const lines = ["profile: huaweicloud", "accounts:", `  platform: { id: "${hex("d", 0)}", site: cn, projects: { platform-bj: { id: "${hex("a", 0)}", region: cn-north-4 } } }`];
  for (let m = 1; m <= MEMBERS; m++) lines.push(`  team-${m}: { id: "${hex("d", m)}", site: cn }`);
  lines.push("images:");
  for (let i = 0; i < IMAGES; i++) lines.push(`  image-${i}: { id: "${uuid(i)}", region: cn-north-4, owner: platform, project: platform-bj, kind: system, name: golden-${i} }`);
  lines.push("shares:");
  const teams = Array.from({ length: MEMBERS }, (_, m) => `team-${m + 1}`).join(", ");
  for (let i = 0; i < IMAGES; i++) lines.push(`  - { name: share-${i}, image: image-${i}, members: [${teams}] }`);
  return lines.join("\n") + "\n";
}

/** Spawns the CLI's plan (not synchronously: this process serves its requests); its wall time and its JSON output. */
async function plan(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; summary: { add: number; errors: number } }> {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(REPO, "cli.js"), "plan", ...args, "--format", "json"], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (status !== 0) throw new Error(`plan ${args.join(" ")} exited ${status}: ${stderr}${stdout.slice(0, 2000)}`);
  return { ms, summary: JSON.parse(stdout).summary };
}

export async function planBench(latencyMs = 20): Promise<PlanFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-bench-plan-"));
  try {
    const file = path.join(dir, "fleet.yaml");
    const db = path.join(dir, "emulator.db");
    fs.writeFileSync(file, topologyYaml());
    const loaded = loadTopologyFile(file);
    if ("errors" in loaded) throw new Error(`bench topology: ${loaded.errors.map(describeLoadError).join("; ")}`);
    await seedEmulatorFile(db, loaded.topology);
    const emulator = openEmulator(db);
    const key = { accessKeyId: "AKBENCHPLATFORM", secret: "sk-bench" };
    emulator.addAccessKey({ ...key, account: hex("d", 0), project: hex("a", 0) });
    const names = credentialVariables("platform");
    const env = { ...process.env, [names.accessKey]: key.accessKeyId, [names.secretKey]: key.secret };
    let requests = 0;
    const dialect = createHuaweiCloudDialect(emulator, {
      fault: () => {
        requests++;
        return { kind: "latency", ms: latencyMs };
      },
    });
    const server = await startEmulatorServer({ dialects: [dialect] });
    try {
      // Once each before the measured runs: the file's first read, the OS's caches.
      await plan([file, "--db", db], env);
      const local = await plan([file, "--db", db], env);
      const served = await plan([file, "--backend", "cloud", "--endpoint", server.url], env);
      requests = 0;
      const measured = await plan([file, "--backend", "cloud", "--endpoint", server.url], env);
      for (const s of [local.summary, served.summary, measured.summary]) {
        if (s.add !== IMAGES * MEMBERS || s.errors !== 0) throw new Error(`plan: ${s.add} members to add and ${s.errors} errors, not ${IMAGES * MEMBERS} and 0`);
      }
      return { images: IMAGES, membersPerImage: MEMBERS, latencyMs, requests, servedMs: measured.ms, fileMs: local.ms, sequentialWaitMs: requests * latencyMs };
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function planSummary(p: PlanFigures): string {
  return `plan of ${p.images} images x ${p.membersPerImage} members, spawned: --backend cloud over HTTP (${p.latencyMs} ms a request) ${p.servedMs.toFixed(0)} ms for ${p.requests} requests, whose waits one after the other would be ${p.sequentialWaitMs.toFixed(0)} ms (${(p.sequentialWaitMs / p.servedMs).toFixed(1)}x this run); --db (no requests) ${p.fileMs.toFixed(0)} ms`;
}

if (require.main === module) {
  planBench(Number(process.argv[2] ?? 20))
    .then((p) => process.stdout.write(`${planSummary(p)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`bench/plan: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
