/**
 * A second `pulumi up` process for the two-writer test: runs the steps it is given (an apply
 * of a sequence, then convergence; or a destroy of the state it left) on the emulator state
 * file the parent shares, and writes its engine state to a file. Argument: a JSON file with
 * { mode, world, steps?, stateFile }.
 */
import * as fs from "node:fs";
import { Engine, type Declared, type ResourceState } from "./engine";
import type { ImageShareInputs } from "../../provider/resources/wire";

interface Job {
  mode: "apply" | "destroy";
  /** The identity inputs without imageId and members. */
  identity: Omit<ImageShareInputs, "imageId" | "members">;
  steps?: Record<string, Declared | undefined>[];
  stateFile: string;
}

async function main(): Promise<void> {
  const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as Job;
  const engine = new Engine((d) => ({ ...job.identity, imageId: d.imageId, members: d.members }));
  if (job.mode === "apply") {
    const steps = job.steps ?? [];
    for (const step of steps) await engine.up(step);
    await engine.converge(steps[steps.length - 1] ?? {});
  } else {
    const saved = JSON.parse(fs.readFileSync(job.stateFile, "utf8")) as [string, ResourceState][];
    for (const [name, st] of saved) engine.state.set(name, st);
    await engine.converge(Object.fromEntries(saved.map(([n]) => [n, undefined])));
  }
  fs.writeFileSync(job.stateFile, JSON.stringify([...engine.state]));
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`child failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
