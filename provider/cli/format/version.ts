/** The package's version, read from its package.json (found upward from here: the sources and bin/ sit at different depths). */
import { readFileSync } from "node:fs";
import * as path from "node:path";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "image-share" && typeof pkg.version === "string") return (cached = pkg.version);
    } catch {
      // not here: look one level up
    }
    dir = path.dirname(dir);
  }
  return (cached = "0.0.0");
}
