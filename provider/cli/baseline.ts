/**
 * Baselines, as checkov has them: `--write-baseline FILE` records today's findings, and
 * `--baseline FILE` reports only findings not in it, so a repo can adopt the tool and fail only
 * on new findings. A finding is known by its rule, file (relative to the baseline's folder),
 * resource and message with its numbers left out: a limit crossed by 3 or by 4 members is one
 * finding, a finding moved by an edit above it is the same finding.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import type { LocatedViolation } from "./format/report";

interface Entry {
  rule: string;
  file: string;
  resource: string;
  message: string;
}

export interface Baseline {
  file: string;
  /** Key -> how many findings of that key it holds. */
  counts: Map<string, number>;
}

function keyOf(e: Entry): string {
  return [e.rule, e.file, e.resource, e.message.replace(/\d+/g, "#")].join("\u0000");
}

function entryOf(v: LocatedViolation, baselineFile: string): Entry {
  const rel = path.relative(path.dirname(path.resolve(baselineFile)), path.resolve(v.file)).split(path.sep).join("/");
  return { rule: v.rule, file: rel, resource: v.resource, message: v.message };
}

export function readBaseline(file: string): Baseline | string {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === "ENOENT" ? `${file}: no such baseline (write one with --write-baseline ${file})` : `${file}: not a baseline (${(e as Error).message})`;
  }
  const findings = (data as { findings?: unknown })?.findings;
  if (!Array.isArray(findings) || !findings.every((f) => f && typeof f.rule === "string" && typeof f.file === "string" && typeof f.resource === "string" && typeof f.message === "string")) {
    return `${file}: not an image-share baseline (expected {"findings": [{rule, file, resource, message}]})`;
  }
  const counts = new Map<string, number>();
  for (const f of findings as Entry[]) counts.set(keyOf(f), (counts.get(keyOf(f)) ?? 0) + 1);
  return { file, counts };
}

/** Splits findings into those the baseline holds and the new ones. */
export function applyBaseline(baseline: Baseline, violations: LocatedViolation[]): { fresh: LocatedViolation[]; known: LocatedViolation[] } {
  const left = new Map(baseline.counts);
  const fresh: LocatedViolation[] = [];
  const known: LocatedViolation[] = [];
  for (const v of violations) {
    const k = keyOf(entryOf(v, baseline.file));
    const n = left.get(k) ?? 0;
    if (n > 0) {
      left.set(k, n - 1);
      known.push({ ...v, baselined: true });
    } else fresh.push(v);
  }
  return { fresh, known };
}

export function writeBaseline(file: string, violations: readonly LocatedViolation[]): void {
  const findings = violations.map((v) => entryOf(v, file));
  writeFileSync(file, JSON.stringify({ tool: "image-share", version: 1, findings }, null, 2) + "\n");
}
