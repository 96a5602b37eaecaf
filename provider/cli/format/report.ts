/**
 * What `image-share validate` hands its formatters: every finding placed in its file, and every
 * input error. Plain data, so each output format is a small pure function of it.
 */
import type { ProfileId, RuleId, Severity, Violation } from "../../rules";
import type { PathSegment, TopologyInputError } from "../../topology/load";
import type { MergedTopology } from "../../topology/merge";
import type { UnusedSuppression } from "../suppress";

/** A violation in its file: `path` in the file's words (`shares[2].members[0]`), as input errors give it. */
export interface LocatedViolation {
  rule: RuleId;
  severity: Severity;
  message: string;
  resource: string;
  profile: ProfileId;
  fix?: string;
  file: string;
  /** 1-based; absent when the place could not be found. */
  line?: number;
  column?: number;
  /** The path in the file as text ("" when the finding names a resource only), and as segments. */
  path: string;
  segments: PathSegment[];
  /** The other places the finding names (the first of two shares granting one member), in their files. */
  related?: RelatedLocation[];
  /** Set on a finding an inline comment suppresses. */
  suppression?: { reason: string; line: number };
  /** Set on a finding the baseline already holds. */
  baselined?: true;
}

export interface RelatedLocation {
  resource: string;
  file: string;
  line?: number;
  column?: number;
  path: string;
}

export interface Summary {
  errors: number;
  warnings: number;
}

export interface ValidateReport {
  files: string[];
  /** Findings that count (not suppressed, not in the baseline). */
  violations: LocatedViolation[];
  /** Findings an inline comment suppresses, with its reason. */
  suppressed: LocatedViolation[];
  /** Findings the baseline holds. */
  baselined: LocatedViolation[];
  /** Suppression comments (per rule) that suppressed no finding: notes, never a failure. */
  unusedSuppressions: UnusedSuppression[];
  inputErrors: TopologyInputError[];
  summary: Summary;
  /** The views validated (one per cloud), for the share graph. */
  views: MergedTopology[];
  /** Findings of each view, as the rules core reported them (merged paths), for the share graph. */
  findings: Map<MergedTopology, Violation[]>;
}

export function summarize(violations: readonly { severity: Severity }[]): Summary {
  let errors = 0;
  let warnings = 0;
  for (const v of violations) {
    if (v.severity === "error") errors++;
    else warnings++;
  }
  return { errors, warnings };
}
