import * as fs from "node:fs";
import * as path from "node:path";

/** The repository's root. */
export const REPO = path.resolve(__dirname, "..", "..");

/**
 * Whether bin/ holds a build of every source of provider/, test/ and bench/: pretest stamps
 * bin/.tsbuildinfo once it has emitted them all, and no source is newer than that stamp.
 */
export function buildIsCurrent(): boolean {
  let stamp: number;
  try {
    stamp = fs.statSync(path.join(REPO, "bin", ".tsbuildinfo")).mtimeMs;
  } catch {
    return false;
  }
  const newer = (dir: string): boolean =>
    fs.readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(path.join(dir, e.name)) : e.name.endsWith(".ts") && fs.statSync(path.join(dir, e.name)).mtimeMs > stamp));
  return !["provider", "test", "bench"].some((d) => newer(path.join(REPO, d)));
}
