/**
 * The paths `validate`, `plan` and `graph` are given: files as they are, directories walked
 * for topology files (*.yaml, *.yml, *.json; hidden folders and node_modules skipped), in a
 * stable order. A path that does not exist is kept: the loader reports it.
 */
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";

const TOPOLOGY = /\.(ya?ml|json)$/i;

export function expandInputs(paths: readonly string[]): { files: string[]; empty: string[] } {
  const files: string[] = [];
  const empty: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // missing: the loader names it
    }
    if (!isDir) {
      files.push(p);
      continue;
    }
    const found = walk(p);
    if (found.length === 0) empty.push(p);
    files.push(...found);
  }
  return { files: [...new Set(files)], empty };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && TOPOLOGY.test(e.name) && !isConfig(e.name)) out.push(p);
  }
  return out;
}

/** The CLI's own files in a config repo are not topologies. */
function isConfig(name: string): boolean {
  return name === "package.json" || name === "package-lock.json" || name.startsWith(".image-share") || name.endsWith(".baseline.json") || name.endsWith(".sarif") || name.endsWith(".sarif.json");
}
