/**
 * The two test tiers. `npm test` (the fast tier) runs every test with few repetitions;
 * `npm run test:soak` (test/soak.js) sets IMAGE_SHARE_SOAK=1 and runs the randomized and
 * repeated tests long. Counts a test reads from its own variable (IMAGE_SHARE_SOAK_ITERATIONS
 * and the like) stay as they are; this is for the rest.
 */

/** True in the soak tier (IMAGE_SHARE_SOAK=1). */
export const SOAK = process.env.IMAGE_SHARE_SOAK === "1";

/**
 * How many random cases a property-based test runs: `fast` in `npm test`, `soak` in the soak
 * tier; IMAGE_SHARE_SOAK_RUNS=n multiplies the fast tier's count by n (in either tier) to go
 * further than the soak tier does.
 */
export function runs(fast: number, soak: number): number {
  const times = Number(process.env.IMAGE_SHARE_SOAK_RUNS);
  if (Number.isInteger(times) && times > 0) return fast * times;
  return SOAK ? soak : fast;
}
