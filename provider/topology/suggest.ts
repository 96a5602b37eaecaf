/** "Did you mean ...?" for a near miss of a key or a name (edit distance at most 2). */

/** ` (did you mean "team-a"?)`, or "" when no candidate is near. */
export function didYouMean(k: string, candidates: Iterable<string>, options: { ignoreCase?: boolean; maxCandidates?: number } = {}): string {
  const list = Array.isArray(candidates) ? (candidates as string[]) : [...candidates];
  // A near miss among tens of thousands of keys is more work than it is worth to a reader.
  if (list.length > (options.maxCandidates ?? 10000)) return "";
  const norm = options.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const key = norm(k);
  let best: string | undefined;
  let bestD = 3;
  for (const c of list) {
    const d = distance(key, norm(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined ? ` (did you mean "${best}"?)` : "";
}

/** Levenshtein distance, or 99 when the lengths alone differ by more than 2. */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
