/**
 * A child of bench/store.ts (not run alone): `storeWriter.ts FILE SCRATCH P PROCESSES N` opens the
 * state file FILE and SCRATCH (each a bigState(1000): 20 images; SCRATCH "-": none) and prints
 * "ready". Each line on stdin then starts a run of N member additions of one member each, through
 * the in-process backend, on its own 20 / PROCESSES images (process P of PROCESSES): "warm" on
 * SCRATCH, printing "warmed N CPU_MS", then "go" on FILE, printing "done N CPU_MS" (the CPU time
 * the run took). The warm run is the same run on an identical copy: the process compiles its hot
 * code (V8's JIT) there, so that the run on FILE is the steady state.
 */
import * as readline from "node:readline";
import { openEmulator } from "../provider/backends/emulator";
import { OWNER, OWNER_PROJECT, PROFILE, REGION, imageOf, projectOf } from "./store";

async function main(): Promise<void> {
  const [file, scratch, p, processes, n] = process.argv.slice(2);
  const index = Number(p);
  const own = 20 / Number(processes);
  const writes = Number(n);
  const open = async (at: string) => {
    const svc = openEmulator(at).service({ profile: PROFILE, region: REGION, account: OWNER, project: OWNER_PROJECT }, { callFaults: true });
    // Opened (the file read whole) before the run: opening is not measured.
    await svc.getImage(imageOf(0));
    return async (): Promise<number> => {
      const cpu = process.cpuUsage();
      for (let i = 0; i < writes; i++) {
        const k = index * own + (i % own);
        await svc.addMembers(imageOf(k), [{ type: "project", id: projectOf((k * 50 + 50 + Math.floor(i / own)) % 1000) }]);
      }
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / 1000;
    };
  };
  const runs = { go: { run: await open(file), says: "done" }, ...(scratch !== "-" ? { warm: { run: await open(scratch), says: "warmed" } } : {}) };
  process.stdout.write("ready\n");
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const asked = runs[line.trim() as keyof typeof runs];
    if (!asked) throw new Error(`unknown command "${line}"`);
    process.stdout.write(`${asked.says} ${writes} ${await asked.run()}\n`);
    if (asked === runs.go) break;
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`storeWriter: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
