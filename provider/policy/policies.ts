/**
 * The rules core as CrossGuard policies: one stack policy per rule id (name = rule id), errors
 * mandatory and warnings advisory by default (CrossGuard's config and a pack's initialConfig
 * change that per rule, as for any policy).
 */
import type { EnforcementLevel, PolicyConfigSchema, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { RULES, type RuleId } from "../rules";
import { analysisKey, analyze, analyzeItems, readStack, type Analysis, type Finding, type Note } from "./analysis";
import { stackFacts, type StackResource } from "./resources";
import { configSchema, mergeSettings, parseSettings, resolveSettings, type PolicySettings, type ResolvedSettings } from "./settings";

/** The settings for a stack: `settings` over what its ShareTopology components say. */
function settingsFor(resources: readonly StackResource[], settings: PolicySettings): ResolvedSettings {
  return resolveSettings(mergeSettings(stackFacts(resources), settings));
}

/**
 * Rules that need what an apply is about to change (the resources it deletes, an image's
 * current name): a stack policy sees the stack as it will be, not what it was. These policies
 * report themselves not applicable; `image-share plan` and this package's resources (which read
 * the cloud) check them.
 */
const NEEDS_PLAN: Partial<Record<RuleId, string>> = {
  "delete-while-shared": "it needs the images an apply deletes, which a stack policy does not see (it sees the stack as it will be); `image-share plan` and this package's resources check it",
  "shared-image-immutable": "it needs an image's current name and description, which a stack policy does not see; `image-share plan` and this package's CrossRegionCopy check it",
};

/** The text of a violation: the rule's message, then the fix. */
function text(f: Finding): string {
  return f.fix ? `${f.message}\nFix: ${f.fix}` : f.message;
}

/**
 * The error that ends a policy whose rule skipped something: CrossGuard reports it as an
 * advisory note ("can't run policy '<rule>' ... during preview: <text>") after the violations
 * already reported. The SDK's own UnknownValueError where an unknown value caused it (kept when
 * the property was read), else one made the same way (the SDK's proxy over an unknown value).
 */
function noteError(notes: Note[]): unknown {
  const shown = notes.slice(0, 10).map((n) => n.text);
  if (notes.length > shown.length) shown.push(`and ${notes.length - shown.length} more`);
  const message = `skipped where it depends on what the stack does not say yet: ${shown.join("; ")}`;
  let error = notes.find((n) => n.error instanceof Error)?.error as Error | undefined;
  if (!error) {
    try {
      // unknownCheckingProxy is exported by @pulumi/policy >= 1.21; Pulumi's unknown string value.
      const { unknownCheckingProxy } = require("@pulumi/policy") as { unknownCheckingProxy?: (v: object) => Record<string, unknown> };
      if (unknownCheckingProxy) void unknownCheckingProxy({ v: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }).v;
    } catch (e) {
      error = e as Error;
    }
  }
  if (!error) return undefined;
  error.message = message;
  return error;
}

function defaultEnforcement(rule: (typeof RULES)[number], settings: PolicySettings): EnforcementLevel {
  if (rule.id === "untrusted-source") return settings.strictTrust ? "mandatory" : "advisory";
  const severities = typeof rule.severity === "string" ? [rule.severity] : Object.values(rule.severity);
  return severities.includes("error") ? "mandatory" : "advisory";
}

/**
 * One CrossGuard stack policy per rule of the rules core. `settings` applies to every rule; each
 * policy's CrossGuard config (same schema) overrides it for that rule.
 *
 *   new PolicyPack("image-share", { policies: imageSharePolicies({ providers: { alicloud: { account: "1234" } } }) });
 */
export function imageSharePolicies(settings: PolicySettings = {}): StackValidationPolicy[] {
  const base = parseSettings(settings, "the settings given to imageSharePolicies");
  const schema: PolicyConfigSchema = configSchema() as PolicyConfigSchema;
  // CrossGuard runs every policy of the pack on the same stack, one after the other: the policies
  // whose settings are the same share one analysis (the last one made).
  let last: { key: string; analysis: Analysis } | undefined;
  const analysisFor = (resources: readonly PolicyResource[], s: PolicySettings): Analysis => {
    const stack = resources as unknown as readonly StackResource[];
    const resolved = settingsFor(stack, s);
    const items = readStack(stack, resolved);
    const key = analysisKey(items, resolved);
    if (last?.key !== key) last = { key, analysis: analyzeItems(items, resolved) };
    return last.analysis;
  };
  return RULES.map((rule): StackValidationPolicy => {
    const id = rule.id as RuleId;
    const notApplicable = NEEDS_PLAN[id];
    return {
      name: id,
      description: `${rule.title}. ${rule.description}`,
      enforcementLevel: defaultEnforcement(rule, base),
      severity: defaultEnforcement(rule, base) === "mandatory" ? "high" : "low",
      configSchema: schema,
      validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
        if (notApplicable) return args.notApplicable(notApplicable);
        const own = parseSettings(args.getConfig(), `the policy config of ${id}`);
        const analysis = analysisFor(args.resources, mergeSettings(base, own));
        if (!rule.profiles.some((p) => analysis.profiles.has(p))) {
          return args.notApplicable(`the stack has no image shares, acceptances or copies on ${rule.profiles.join(", ")}`);
        }
        for (const f of analysis.findings) if (f.rule === id) reportViolation(text(f), f.urn);
        const notes = analysis.notes.get(id);
        if (notes && notes.length > 0) {
          const error = noteError(notes);
          if (error) throw error;
        }
      },
    };
  });
}

/** The stack's violations and skips under `settings` (what every policy runs, for one rule or all). */
export function analyzeStack(resources: readonly PolicyResource[] | readonly StackResource[], settings: PolicySettings = {}): Analysis {
  const stack = resources as readonly StackResource[];
  return analyze(stack, settingsFor(stack, parseSettings(settings, "the policy settings")));
}

