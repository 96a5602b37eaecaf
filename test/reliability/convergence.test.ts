/**
 * Convergence under faults: randomized sequences of `pulumi up` over ImageShare resources
 * (create / update / delete, run in-process through imageShareProvider as the engine would),
 * with the emulator throttling 20 % of calls, failing 5 % with server errors and half-applying
 * member batches before an error. After the sequence, rerunning up converges: the members read
 * back from the emulator equal the declared ones exactly (nothing lost, nothing extra), members
 * added outside the stack are left alone, and a destroy leaves only those.
 *
 * Seeded: RELIABILITY_SEED=n reproduces a run (fast-check prints the seed and the failing case).
 */
import fc = require("fast-check");
import type { ProfileId } from "../../provider/rules/model";
import { seedFrom, withEnv, quietProviderLog } from "./engine";
import { runScenario, scenario } from "./scenario";
import { runs } from "../harness/soak";

describe("reliability: convergence under faults (ImageShare through imageShareProvider)", function () {
  quietProviderLog();
  this.timeout(120_000);

  // Retries off (one attempt per call): every fault reaches the engine model, so partial state
  // and reruns are exercised on most sequences, and no backoff sleeps.
  const profiles: [ProfileId, number, number][] = [
    ["alicloud", runs(8, 80), 1],
    ["huaweicloud", runs(6, 60), 2],
    ["tencentcloud", runs(6, 60), 3],
    ["opentelekomcloud", runs(3, 30), 4],
  ];
  for (const [profile, count, salt] of profiles) {
    it(`${profile}: ${count} random sequences of up converge to exactly the declared members (retries off)`, async () => {
      const seed = seedFrom(20261123 + salt);
      await withEnv({ IMAGE_SHARE_RETRY_ATTEMPTS: "1", IMAGE_SHARE_EMULATOR_FSYNC: "0" }, () =>
        fc.assert(fc.asyncProperty(scenario(profile), (s) => runScenario(profile, s)), { numRuns: count, seed, endOnFailure: true }),
      ).catch((e: Error) => {
        e.message = `RELIABILITY_SEED=${seed} reproduces this\n${e.message}`;
        throw e;
      });
    });
  }

  it("alicloud and huaweicloud: with the provider's own retries (backoff) on, sequences converge too", async () => {
    const seed = seedFrom(20261123 + 5);
    for (const profile of ["alicloud", "huaweicloud"] as const) {
      await withEnv({ IMAGE_SHARE_RETRY_ATTEMPTS: "3", IMAGE_SHARE_EMULATOR_FSYNC: "0" }, () =>
        fc.assert(fc.asyncProperty(scenario(profile), (s) => runScenario(profile, s)), { numRuns: runs(1, 3), seed, endOnFailure: true }),
      ).catch((e: Error) => {
        e.message = `RELIABILITY_SEED=${seed} reproduces this\n${e.message}`;
        throw e;
      });
    }
  });
});
