/**
 * The engine: builds the context once, runs every rule whose profiles are present, and turns
 * findings into violations with the severity of the image's profile.
 */
import type { Observed, ProfileId, Severity, Topology } from "./model";
import type { RuleDefinition, RuleId, Violation } from "./rule";
import { RULE_IDS } from "./rule";
import { buildContext, type ContextRule } from "./context";
import { Scratch } from "./tables";
import { RULE_DEFINITIONS } from "./rules";

/** Every rule (docs/rules.md), in RULE_IDS order. */
export const RULES: readonly ContextRule[] = RULE_IDS.map((id) => {
  const rule = RULE_DEFINITIONS.find((r) => r.id === id);
  if (!rule) throw new Error(`rules core: no definition for rule ${id}`);
  return rule;
});

const BY_ID = new Map<string, ContextRule>(RULES.map((r) => [r.id, r]));

/** The rule with that id, or undefined. */
export function ruleById(id: string): ContextRule | undefined {
  return BY_ID.get(id);
}

/** A rule's severity on a profile (a per-profile severity missing a profile means error). */
export function severityFor(rule: Pick<RuleDefinition, "severity">, profile: ProfileId): Severity {
  return typeof rule.severity === "string" ? rule.severity : (rule.severity[profile] ?? "error");
}

/**
 * Every violation of the topology (and of what the cloud holds, when given), in a deterministic
 * order: by rule (RULE_IDS order), then in the order of the topology file (images, shares and
 * their members, acceptances, copies, as each rule walks them).
 */
// The context of a run is dropped when validate() returns (it is synchronous and never hands the
// context out), so its big arrays can be reused by the next run.
const scratch = new Scratch();

export function validate(topology: Topology, observed?: Observed): Violation[] {
  const ctx = buildContext(topology, observed, scratch);
  const out: Violation[] = [];
  for (const rule of RULES) {
    if (!rule.profiles.some((p) => ctx.profilesPresent.has(p))) continue;
    for (const f of rule.check(ctx)) {
      const profile = f.profile ?? topology.profile;
      // A rule runs only for its profiles: those of the image a finding concerns.
      if (!rule.profiles.includes(profile)) continue;
      const v: Violation = { rule: rule.id as RuleId, severity: f.severity ?? severityFor(rule, profile), message: f.message, resource: f.resource, profile };
      if (f.fix !== undefined) v.fix = f.fix;
      if (f.path !== undefined) v.path = f.path;
      if (f.related !== undefined && f.related.length > 0) v.related = f.related;
      out.push(v);
    }
  }
  return out;
}
