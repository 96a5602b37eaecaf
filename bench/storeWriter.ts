/**
 * A child of bench/store.ts (not run alone): `storeWriter.ts FILE P PROCESSES N` opens the state
 * file (a bigState(1000): 20 images), prints "ready", waits for a line on stdin, then makes N
 * member additions of one member each, through the in-process backend, on its own 20 / PROCESSES
 * images (process P of PROCESSES), and prints "done N CPU_MS" (the CPU time they took).
 */
import { openEmulator } from "../provider/backends/emulator";
import { OWNER, OWNER_PROJECT, PROFILE, REGION, imageOf, projectOf } from "./store";

async function main(): Promise<void> {
  const [file, p, processes, n] = process.argv.slice(2);
  const index = Number(p);
  const own = 20 / Number(processes);
  const writes = Number(n);
  const svc = openEmulator(file).service({ profile: PROFILE, region: REGION, account: OWNER, project: OWNER_PROJECT }, { callFaults: true });
  await svc.getImage(imageOf(0));
  process.stdout.write("ready\n");
  await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
  const cpu = process.cpuUsage();
  for (let i = 0; i < writes; i++) {
    const k = index * own + (i % own);
    await svc.addMembers(imageOf(k), [{ type: "project", id: projectOf((k * 50 + 50 + Math.floor(i / own)) % 1000) }]);
  }
  const used = process.cpuUsage(cpu);
  process.stdout.write(`done ${writes} ${(used.user + used.system) / 1000}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`storeWriter: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
