/**
 * What `image-share validate` hands its formatters: every violation placed in its file, and
 * every input error. Plain data, so each output format is a small pure function of it.
 */
import type { Topology, Violation } from "../../rules";
import type { PathSegment, TopologyInputError, TopologyPositions } from "../../topology/load";

export interface LocatedViolation extends Violation {
  file: string;
  /** 1-based; absent when the place could not be found. */
  line?: number;
  column?: number;
}

export interface Summary {
  errors: number;
  warnings: number;
}

export interface ValidateReport {
  files: string[];
  violations: LocatedViolation[];
  inputErrors: TopologyInputError[];
  summary: Summary;
}

export function summarize(violations: readonly Violation[]): Summary {
  let errors = 0;
  let warnings = 0;
  for (const v of violations) {
    if (v.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}

/**
 * Places each violation in the file: its `path` where the rule gave one, else the declaring
 * resource (a share / acceptance / copy by name, or `images.<key>`).
 */
export function locate(file: string, topology: Topology, positions: TopologyPositions, violations: readonly Violation[]): LocatedViolation[] {
  let byName: Map<string, PathSegment[]> | undefined;
  const resourcePath = (resource: string): PathSegment[] | undefined => {
    if (resource.startsWith("images.")) return ["images", resource.slice("images.".length)];
    if (!byName) {
      byName = new Map();
      topology.shares.forEach((s, i) => byName!.set(s.name, ["shares", i]));
      topology.acceptances.forEach((a, i) => byName!.set(a.name, ["acceptances", i]));
      topology.copies.forEach((c, i) => byName!.set(c.name, ["copies", i]));
    }
    return byName.get(resource);
  };
  return violations.map((v) => {
    const where = v.path ?? resourcePath(v.resource);
    const pos = where ? positions.locate(where) : undefined;
    const out: LocatedViolation = { ...v, file };
    if (pos) {
      out.line = pos.line;
      out.column = pos.column;
    }
    return out;
  });
}
