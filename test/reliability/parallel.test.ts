/**
 * Convergence under faults with writers at once:
 * - ten ImageShare resources over three images whose steps run at once (Promise.all, as the
 *   engine runs independent resources), on one emulator state file;
 * - two processes (child `pulumi up`s) running their own stacks' sequences on the same state
 *   file and images at once: no member change of either is lost, none left over.
 * Seeded: RELIABILITY_SEED=n reproduces the sequences (the interleaving of parallel steps is the
 * scheduler's, so a failure prints the case to rerun).
 */
import assert = require("node:assert/strict");
import fc = require("fast-check");
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ProfileId } from "../../provider/rules/model";
import { runScenario, scenario, type Shape } from "./scenario";
import { key, makeWorld, seedFrom, withEnv, type Declared, quietProviderLog } from "./engine";
import { tsChild } from "../harness/child";
import { runs } from "../harness/soak";

const TEN: Shape = { slots: 10, images: 3, slice: 4 };
const env = { IMAGE_SHARE_RETRY_ATTEMPTS: "1", IMAGE_SHARE_EMULATOR_FSYNC: "0" };

describe("reliability: convergence with writers at once", function () {
  quietProviderLog();
  this.timeout(180_000);

  for (const [profile, count, salt] of [["alicloud", runs(3, 30), 11], ["huaweicloud", runs(3, 25), 12], ["tencentcloud", runs(3, 25), 13]] as [ProfileId, number, number][]) {
    it(`${profile}: ${count} random sequences, 10 resources over 3 images stepping at once, converge exactly`, async () => {
      const seed = seedFrom(20261123 + salt);
      await withEnv(env, () =>
        fc.assert(fc.asyncProperty(scenario(profile, TEN), (s) => runScenario(profile, s, true, TEN)), { numRuns: count, seed, endOnFailure: true }),
      ).catch((e: Error) => {
        e.message = `RELIABILITY_SEED=${seed} reproduces this sequence\n${e.message}`;
        throw e;
      });
    });
  }

  it("two processes run their stacks on the same state file and images at once: nothing lost, nothing left after both destroy", async () => {
    const seed = seedFrom(20261123 + 20);
    const profile: ProfileId = "alicloud";
    const w = makeWorld(profile, { images: 2, recipients: 2 * 4 * 6 + 2 });
    try {
      const outside = w.pool.slice(48, 50);
      for (const img of w.images) w.emulator.addMembersDirectly(img, outside);
      w.emulator.setFaults({ seed, throttle: 0.2, serverError: 0.05, halfBatch: 2 });
      // Each process: four resources (two per image), members from its own part of the pool.
      const stacks = [0, 1].map((p) => {
        const shape = fc.sample(scenario(profile, { slots: 4, images: 2, slice: 6 }), { numRuns: 1, seed: seed + p })[0];
        const steps = shape.steps.map((step) =>
          Object.fromEntries(
            step.map((ix, slot) => [`p${p}-share${slot}`, ix === null ? undefined : { imageId: w.images[slot % 2], members: ix.map((i) => w.pool[p * 24 + slot * 6 + i]) }]),
          ) as Record<string, Declared | undefined>,
        );
        return { steps, stateFile: path.join(w.dir, `state-${p}.json`) };
      });
      const identity = { profile, region: w.region, account: w.owner, connection: { backend: "emulator" as const, emulatorPath: w.db } };
      const run = (mode: "apply" | "destroy") =>
        Promise.all(
          stacks.map((st, p) => {
            const jobFile = path.join(w.dir, `job-${p}.json`);
            fs.writeFileSync(jobFile, JSON.stringify({ mode, identity, steps: st.steps, stateFile: st.stateFile }));
            return child(jobFile);
          }),
        );
      await run("apply");
      for (const img of w.images) {
        const declared = stacks.flatMap((st) => Object.values(st.steps[st.steps.length - 1]).flatMap((d) => (d && d.imageId === img ? d.members : [])));
        assert.deepEqual(w.members(img), [...outside, ...declared].map(key).sort(), `members of ${img} after both processes converged (seed ${seed})`);
      }
      await run("destroy");
      for (const img of w.images) assert.deepEqual(w.members(img), outside.map(key).sort(), `members of ${img} after both destroyed (seed ${seed})`);
    } finally {
      w.cleanup();
    }
  });
});

/** Runs test/reliability/child.ts in a new node process. */
function child(jobFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const start = tsChild(path.join(__dirname, "child.ts"));
    const p = spawn(process.execPath, [...start.args, jobFile], {
      cwd: path.resolve(__dirname, "..", ".."),
      env: { ...process.env, ...env, ...start.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    p.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
    p.on("error", reject);
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`child ${jobFile} exited ${code}: ${err.split("\n").filter((l) => !l.startsWith("image-share: ")).join("\n").slice(-2000)}`))));
  });
}
