/**
 * `image-share emulator <subcommand>`: the embedded emulator's state, from the shell.
 *
 *   seed FILE...       load a topology's accounts (with projects) and existing images (idempotent)
 *   show [--json | --format json]  accounts, images with members and statuses, jobs, faults
 *   reset              forget everything (a state that cannot be read is kept beside it first)
 *   faults [--throttle P] [--server-error P] [--latency MS] [--seed N] ... | --clear
 *   configure [--copy-duration MS] [--batch-size PROFILE=N]
 *   serve --port N     the clouds' HTTP APIs on loopback (provider/backends/emulator/http/serve.ts)
 *   keys add|list|remove  the access keys serve accepts (provider/backends/emulator/http/keys.ts)
 *
 * Every subcommand takes `--db PATH` (default $IMAGE_SHARE_EMULATOR_DB, else .image-share/emulator.db).
 */
import type { Command } from "./main";
import type { Emulator, EmulatorSnapshot } from "../backends/emulator";
import type { FaultSettings } from "../backends/emulator/model";

const USAGE = "emulator seed|show|reset|faults|configure|serve|keys [--db PATH]";

class UsageError extends Error {}

/** Pulls `--db PATH` out of the arguments. */
function takeDb(args: string[]): { db?: string; rest: string[] } {
  const rest: string[] = [];
  let db: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--db") {
      db = args[++i];
      if (db === undefined) throw new UsageError("--db needs a path");
    } else if (a.startsWith("--db=")) db = a.slice(5);
    else rest.push(a);
  }
  return { db, rest };
}

async function open(db: string | undefined): Promise<Emulator> {
  const { openEmulator } = await import("../backends/emulator");
  return openEmulator(db);
}

type Sub = (args: string[], db: string | undefined) => Promise<number>;

const subcommands: Record<string, { usage: string; run: Sub }> = {
  seed: {
    usage: "seed FILE... [--db PATH]",
    async run(args, db) {
      if (args.length === 0) throw new UsageError("seed needs a topology file");
      const { loadTopologyFile, formatInputError } = await import("../topology/load");
      const emulator = await open(db);
      let failed = false;
      for (const file of args) {
        if (file.startsWith("-")) throw new UsageError(`unknown option ${file}`);
        const loaded = loadTopologyFile(file);
        if ("errors" in loaded) {
          for (const e of loaded.errors) process.stderr.write(`${formatInputError(e)}\n`);
          failed = true;
          continue;
        }
        const report = emulator.seedTopology(loaded.topology);
        const none = report.accounts.length === 0 && report.images.length === 0;
        process.stdout.write(`${file}: ${none ? "nothing new (already seeded)" : `added ${report.accounts.length} account(s), ${report.images.length} image(s)`} in ${emulator.location}\n`);
        for (const a of report.accounts) process.stdout.write(`  account ${a}\n`);
        for (const i of report.images) process.stdout.write(`  image   ${i}\n`);
      }
      return failed ? 2 : 0;
    },
  },
  show: {
    usage: "show [--json | --format text|json] [--db PATH]",
    async run(args, db) {
      // --format json as validate and plan spell it; --json the same.
      let json = false;
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        const format = a === "--format" ? args[++i] : a.startsWith("--format=") ? a.slice("--format=".length) : undefined;
        if (a === "--json" || format === "json") json = true;
        else if (format !== undefined && format !== "text") throw new UsageError(`--format must be text or json, not ${format === "" ? "nothing" : `"${format}"`}`);
        else if (format === undefined) throw new UsageError(`unknown argument ${a}`);
      }
      const emulator = await open(db);
      const snap = emulator.snapshot();
      process.stdout.write(json ? `${JSON.stringify(snap, null, 2)}\n` : formatSnapshot(snap, emulator.location));
      return 0;
    },
  },
  reset: {
    usage: "reset [--db PATH]",
    async run(args, db) {
      if (args.length > 0) throw new UsageError(`unknown argument ${args[0]}`);
      const emulator = await open(db);
      const { kept } = emulator.reset();
      process.stdout.write(`emulator state at ${emulator.location} reset${kept ? ` (the state that could not be read is kept as ${kept})` : ""}\n`);
      return 0;
    },
  },
  faults: {
    usage:
      "faults [--throttle P] [--throttle-every N] [--server-error P] [--server-error-every N] [--latency MS] [--drop P] [--drop-every N] [--fail-jobs N] [--fail-job-rate P] [--fail-job-reason TEXT] [--half-batch N] [--operations a,b] [--seed N] | --clear",
    async run(args, db) {
      const emulator = await open(db);
      if (args.includes("--clear")) {
        if (args.length > 1) throw new UsageError("--clear takes no other option");
        emulator.clearFaults();
        process.stdout.write("faults cleared\n");
        return 0;
      }
      if (args.length === 0) {
        process.stdout.write(`${JSON.stringify(emulator.snapshot().faults)}\n`);
        return 0;
      }
      const faults = parseFaults(args);
      emulator.setFaults(faults);
      process.stdout.write(`faults set: ${JSON.stringify(faults)}\n`);
      return 0;
    },
  },
  configure: {
    usage: "configure [--copy-duration MS] [--batch-size PROFILE=N]... [--member-limit PROFILE=N]...",
    async run(args, db) {
      const settings: Parameters<Emulator["configure"]>[0] = {};
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        const value = args[++i];
        if (value === undefined) throw new UsageError(`${a} needs a value`);
        if (a === "--copy-duration") settings.copyDurationMs = wholeNumber(a, value);
        else if (a === "--batch-size" || a === "--member-limit") {
          const m = /^(huaweicloud|opentelekomcloud|alicloud|tencentcloud)=(\d+)$/.exec(value);
          if (!m) throw new UsageError(`${a} takes PROFILE=N, e.g. alicloud=10, got ${value}`);
          const profile = m[1] as keyof NonNullable<typeof settings.batchSize>;
          if (a === "--batch-size") settings.batchSize = { ...settings.batchSize, [profile]: Number(m[2]) };
          else settings.memberLimits = { ...settings.memberLimits, [profile]: { member: Number(m[2]) } };
        } else throw new UsageError(`unknown option ${a}`);
      }
      const emulator = await open(db);
      emulator.configure(settings);
      process.stdout.write(`settings: ${JSON.stringify(emulator.snapshot().settings)}\n`);
      return 0;
    },
  },
  serve: {
    usage: "serve --port N [--db PATH]",
    // The HTTP dialects' helpers own provider/backends/emulator/http/serve.ts: it must export
    // `run(args: string[], db: string | undefined): Promise<number>`. Loaded by a computed path
    // so that this file compiles before that module exists.
    async run(args, db) {
      const modulePath = "../backends/emulator/http/serve";
      let mod: { run?: (args: string[], db: string | undefined) => Promise<number> };
      try {
        mod = (await import(modulePath)) as typeof mod;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw e;
        process.stderr.write("image-share emulator serve: the HTTP dialects are not built into this version\n");
        return 2;
      }
      if (typeof mod.run !== "function") throw new Error("provider/backends/emulator/http/serve does not export run(args, db)");
      return mod.run(args, db);
    },
  },
  keys: {
    usage: "keys add --account ID [--project ID] [--id KEY_ID] [--secret SECRET] | add --all | list | remove KEY_ID... [--json] [--db PATH]",
    async run(args, db) {
      const { run } = await import("../backends/emulator/http/keys");
      return run(args, db);
    },
  },
};

function wholeNumber(option: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${option} takes a whole number, got ${value}`);
  return Number(value);
}

function probability(option: string, value: string): number {
  const n = Number(value);
  if (value === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`${option} takes a probability between 0 and 1, got ${value}`);
  return n;
}

export function parseFaults(args: string[]): FaultSettings {
  const f: FaultSettings = {};
  for (let i = 0; i < args.length; i++) {
    const option = args[i];
    const value = args[++i];
    if (value === undefined) throw new UsageError(`${option} needs a value`);
    switch (option) {
      case "--throttle": f.throttle = probability(option, value); break;
      case "--throttle-every": f.throttleEvery = wholeNumber(option, value); break;
      case "--server-error": f.serverError = probability(option, value); break;
      case "--server-error-every": f.serverErrorEvery = wholeNumber(option, value); break;
      case "--latency": f.latencyMs = wholeNumber(option, value); break;
      case "--drop": f.drop = probability(option, value); break;
      case "--drop-every": f.dropEvery = wholeNumber(option, value); break;
      case "--fail-jobs": f.failJobs = wholeNumber(option, value); break;
      case "--fail-job-rate": f.failJobRate = probability(option, value); break;
      case "--fail-job-reason": f.failJobReason = value; break;
      case "--half-batch": f.halfBatch = wholeNumber(option, value); break;
      case "--operations": f.operations = value.split(",").filter((s) => s !== ""); break;
      case "--seed": f.seed = wholeNumber(option, value); break;
      default: throw new UsageError(`unknown option ${option}`);
    }
  }
  return f;
}

export function formatSnapshot(snap: EmulatorSnapshot, location: string): string {
  const lines: string[] = [`emulator state: ${location}`, ""];
  lines.push(`accounts (${snap.accounts.length}):`);
  for (const a of snap.accounts) {
    const projects = a.projects.map((p) => `${p.id}@${p.region}`).join(", ");
    lines.push(`  ${a.id}  ${a.profile}${a.site ? ` site ${a.site}` : ""}${projects ? `  projects: ${projects}` : ""}`);
  }
  lines.push("", `images (${snap.images.length}):`);
  for (const i of snap.images) {
    lines.push(
      `  ${i.id}  ${i.profile} ${i.region}  ${i.kind}  "${i.name}"  ${i.status}${i.reason ? ` (${i.reason})` : ""}  owner ${i.owner}${i.ownerProject ? `/${i.ownerProject}` : ""}${i.sourceImageId ? `  from ${i.sourceImageId}` : ""}`,
    );
    for (const m of i.members) lines.push(`      member ${m.type} ${m.id}: ${m.status}`);
  }
  lines.push("", `jobs (${snap.jobs.length}):`);
  for (const j of snap.jobs) {
    lines.push(`  ${j.id}  ${j.kind} ${j.sourceImageId} -> ${j.imageId} (${j.region})  ${j.status} ${j.progress}%${j.reason ? `  ${j.reason}` : ""}`);
  }
  const faults = Object.keys(snap.faults).length ? JSON.stringify(snap.faults) : "none";
  lines.push("", `faults: ${faults}`, `settings: copy ${snap.settings.copyDurationMs} ms, batch sizes ${JSON.stringify(snap.settings.batchSize)}`, "");
  return lines.join("\n");
}

export const command: Command = {
  usage: USAGE,
  summary: "the embedded emulator: seed a topology's accounts and images, show, reset, faults, serve",
  async run(argv) {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      process.stdout.write(`usage: image-share ${USAGE}\n\n${Object.values(subcommands).map((s) => `  image-share emulator ${s.usage}`).join("\n")}\n`);
      return name === undefined ? 2 : 0;
    }
    const sub = subcommands[name];
    if (!sub) {
      process.stderr.write(`image-share emulator: unknown subcommand "${name}" (${Object.keys(subcommands).join(", ")})\n`);
      return 2;
    }
    try {
      const { db, rest: args } = takeDb(rest);
      return await sub.run(args, db);
    } catch (e) {
      if (e instanceof UsageError) {
        process.stderr.write(`image-share emulator ${name}: ${e.message}\nusage: image-share emulator ${sub.usage}\n`);
        return 2;
      }
      const { EmulatorStateError } = await import("../backends/emulator/stateError");
      if (e instanceof EmulatorStateError) {
        // The message names the file and says what to do. An unreadable state is bad input.
        process.stderr.write(`${e.message}\n`);
        return e.kind === "unreadable" ? 2 : 1;
      }
      const { ImageServiceError } = await import("../backends/errors");
      if (e instanceof ImageServiceError || (e instanceof Error && e.message.startsWith("image-share emulator"))) {
        process.stderr.write(`image-share emulator ${name}: ${e.message}\n`);
        return e instanceof ImageServiceError && e.kind === "invalid" ? 2 : 1;
      }
      throw e;
    }
  },
};
