import type { Observed, ProfileId, Severity } from "./model";

/** Rule ids: the public, stable names of the rules (docs/rules.md). */
export const RULE_IDS = [
  "member-limit",
  "member-limit-headroom",
  "reshare-forbidden",
  "cross-region-share",
  "self-share",
  "member-conflict",
  "acceptance-without-share",
  "acceptance-unsupported",
  "copy-requires-acceptance",
  "copy-of-shared-image",
  "copy-same-region",
  "cross-region-copy-unsupported",
  "delete-while-shared",
  "shared-image-immutable",
  "cross-site-share",
  "untrusted-source",
  "share-chain",
  "pending-acceptance",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export interface Violation {
  rule: RuleId;
  severity: Severity;
  message: string;
  /** The declaring resource: a share / acceptance / copy name, or `images.<key>`. */
  resource: string;
  profile: ProfileId;
  /** What to change, where the seeds give a way. */
  fix?: string;
  /** Where in a topology file the cause sits, e.g. ["shares", 2, "members", 0]. */
  path?: (string | number)[];
  /** The other places the finding names (e.g. the first of two shares granting one member). */
  related?: RelatedPlace[];
}

/** Another place a finding names: a resource, and where in a topology file it sits. */
export interface RelatedPlace {
  resource: string;
  path: (string | number)[];
}

/** A finding as a rule's check reports it; the engine fills in `rule`, `severity` and `profile`. */
export interface Finding {
  message: string;
  resource: string;
  fix?: string;
  path?: (string | number)[];
  related?: RelatedPlace[];
  /** Overrides the rule's severity for this finding (e.g. untrusted-source in strict mode). */
  severity?: Severity;
  /** The profile of the image concerned, when it differs from the topology's. */
  profile?: ProfileId;
}

/** One rule, in the manner of cfn-lint: metadata, documentation, and one check (docs/rules.md prints them all). */
export interface RuleDefinition<Context = unknown> {
  id: RuleId;
  title: string;
  /** What it catches, in a sentence or two. */
  description: string;
  /** Where it comes from: seeds (e.g. ["000", "001"]) or API references, each a section of docs/sources.md, or a note like "(IaC rule)". */
  source: string[];
  profiles: readonly ProfileId[];
  severity: Severity | Partial<Record<ProfileId, Severity>>;
  docs: {
    /** Why the cloud has this rule and what goes wrong without the check. */
    why: string;
    /** A topology snippet (YAML) that fails, and one that passes. */
    failing: string;
    passing: string;
    /** For rules that need the current state (plan / preview time): what the cloud holds beside each snippet. */
    observed?: { failing?: Observed; passing?: Observed };
  };
  check(context: Context): Iterable<Finding>;
}
