/**
 * The check behind `validate`: loads every file, merges the files of each cloud into one view
 * (topology/merge.ts), runs the rules core once per view, and places each finding in the file
 * it comes from.
 */
import { validate, type Violation } from "../rules";
import { formatPath, loadTopologyFile, type TopologyInputError } from "../topology/load";
import { mergeTopologies, type LoadedFile, type MergedTopology } from "../topology/merge";
import { readFileSync } from "node:fs";
import { expandInputs } from "./inputs";
import { MARKER, readSuppressions, suppressionFor, type Suppression, type UnusedSuppression } from "./suppress";
import { applyBaseline, type Baseline } from "./baseline";
import { summarize, type LocatedViolation, type ValidateReport } from "./format/report";

export interface Loaded {
  files: string[];
  views: MergedTopology[];
  inputErrors: TopologyInputError[];
}

/** Loads the files (directories walked) and merges them per cloud. */
export function loadViews(paths: readonly string[]): Loaded {
  const { files, empty } = expandInputs(paths);
  const inputErrors: TopologyInputError[] = empty.map((dir) => ({ file: dir, path: "", segments: [], message: "no topology files (*.yaml, *.yml, *.json) in this directory" }));
  const byProfile = new Map<string, LoadedFile[]>();
  for (const file of files) {
    const loaded = loadTopologyFile(file);
    if ("errors" in loaded) {
      inputErrors.push(...loaded.errors);
      continue;
    }
    const group = byProfile.get(loaded.topology.profile) ?? [];
    group.push({ file, topology: loaded.topology, positions: loaded.positions });
    byProfile.set(loaded.topology.profile, group);
  }
  const views: MergedTopology[] = [];
  for (const group of byProfile.values()) {
    const merged = mergeTopologies(group);
    if ("errors" in merged) inputErrors.push(...merged.errors);
    else views.push(merged);
  }
  return { files, views, inputErrors };
}

/** Places a view's findings in their files. */
export function locateFindings(view: MergedTopology, violations: readonly Violation[]): LocatedViolation[] {
  const positionsOf = new Map(view.files.map((f) => [f.file, f.positions]));
  return violations.map((v) => {
    const origin = v.path ? view.origin(v.path) : view.resourceOrigin(v.resource);
    const file = origin?.file ?? view.files[0].file;
    const segments = origin?.segments ?? [];
    const out: LocatedViolation = { rule: v.rule, severity: v.severity, message: v.message, resource: v.resource, profile: v.profile, file, path: v.path ? formatPath(segments) : "", segments: v.path ? segments : [] };
    if (v.fix !== undefined) out.fix = v.fix;
    if (v.related) {
      out.related = v.related.map((r) => {
        const o = view.origin(r.path);
        const at = positionsOf.get(o.file)?.locate(o.segments);
        return { resource: r.resource, file: o.file, ...(at ? { line: at.line, column: at.column } : {}), path: formatPath(o.segments) };
      });
    }
    const pos = positionsOf.get(file)?.locate(segments);
    if (pos) {
      out.line = pos.line;
      out.column = pos.column;
    }
    return out;
  });
}

export interface CheckOptions {
  /** Rules off or at another severity (.image-share.yaml). */
  rules?: Record<string, "off" | "warning" | "error">;
  baseline?: Baseline;
}

/**
 * Loads, merges and validates: the report every formatter prints. Severity overrides apply
 * first, then inline suppressions, then the baseline.
 */
export function buildReport(paths: readonly string[], options: CheckOptions = {}): ValidateReport {
  const { files, views, inputErrors } = loadViews(paths);
  const rules = options.rules ?? {};
  let located: LocatedViolation[] = [];
  const suppressed: LocatedViolation[] = [];
  const findings = new Map<MergedTopology, Violation[]>();
  const suppressionsOf = new Map<string, Suppression[]>();
  // The rules each suppression was used for.
  const used = new Map<Suppression, Set<string>>();
  for (const file of files) {
    const text = readText(file);
    if (text === undefined || text.indexOf(MARKER) === -1) continue;
    const read = readSuppressions(file, text);
    inputErrors.push(...read.errors);
    suppressionsOf.set(file, read.suppressions);
  }
  for (const view of views) {
    const found: Violation[] = [];
    for (const v of validate(view.topology)) {
      const setting = rules[v.rule];
      if (setting === "off") continue;
      found.push(setting === undefined ? v : { ...v, severity: setting });
    }
    findings.set(view, found);
    const positionsOf = new Map(view.files.map((f) => [f.file, f.positions]));
    for (const v of locateFindings(view, found)) {
      const list = suppressionsOf.get(v.file);
      if (list) {
        const element = view.resourceOrigin(v.resource);
        const elementLine = element && element.file === v.file ? positionsOf.get(v.file)?.locate(element.segments)?.line : undefined;
        const s = suppressionFor(list, v.rule, [v.line, elementLine]);
        if (s) {
          const rulesUsed = used.get(s) ?? new Set<string>();
          rulesUsed.add(v.rule);
          used.set(s, rulesUsed);
          suppressed.push({ ...v, suppression: { reason: s.reason, line: s.line } });
          continue;
        }
      }
      located.push(v);
    }
  }
  // Only in files that were checked: a file with input errors had no findings to suppress.
  const unusedSuppressions: UnusedSuppression[] = [];
  const checked = new Set(views.flatMap((view) => view.files.map((f) => f.file)));
  for (const [file, list] of suppressionsOf) {
    if (!checked.has(file)) continue;
    for (const s of list) {
      for (const rule of s.rules) {
        if (used.get(s)?.has(rule)) continue;
        unusedSuppressions.push({ file, line: s.line, column: s.column, rule, reason: s.reason, ...(rules[rule] === "off" ? { ruleOff: true as const } : {}) });
      }
    }
  }
  let baselined: LocatedViolation[] = [];
  if (options.baseline) {
    const split = applyBaseline(options.baseline, located);
    located = split.fresh;
    baselined = split.known;
  }
  // In the order of the files given (within a file, as the rules core orders them).
  const order = new Map(files.map((f, i) => [f, i]));
  const byFile = (a: LocatedViolation, b: LocatedViolation) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0);
  return { files, violations: located.sort(byFile), suppressed: suppressed.sort(byFile), baselined: baselined.sort(byFile), unusedSuppressions, inputErrors, summary: summarize(located), views, findings };
}

function readText(file: string): string | undefined {
  try {
    return /\.json$/i.test(file) ? undefined : readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
