/** A rule's documentation as `image-share rules` prints it (and SARIF's help text carries). */
import { PROFILE_IDS, severityFor, type RuleDefinition } from "../../rules";

/** `error`, or `error on alicloud, tencentcloud; warning on huaweicloud, opentelekomcloud`. */
export function severityText(rule: Pick<RuleDefinition, "severity" | "profiles">): string {
  const by = new Map<string, string[]>();
  for (const p of rule.profiles) {
    const s = severityFor(rule, p);
    by.set(s, [...(by.get(s) ?? []), p]);
  }
  if (by.size <= 1) return [...by.keys()][0] ?? "error";
  return [...by.entries()].map(([s, ps]) => `${s} on ${ps.join(", ")}`).join("; ");
}

export function profilesText(rule: Pick<RuleDefinition, "profiles">): string {
  return rule.profiles.length === PROFILE_IDS.length ? "all" : rule.profiles.join(", ");
}

export function sourceText(rule: Pick<RuleDefinition, "source">): string {
  return rule.source.map((s) => (/^\d{3}$/.test(s) ? `seed ${s}` : s)).join(", ");
}

function indent(s: string, by = "    "): string {
  return s
    .trimEnd()
    .split("\n")
    .map((l) => (l ? by + l : l))
    .join("\n");
}

/** Wraps prose at `width` columns (the docs are written as long lines). */
export function wrap(s: string, width = 96, by = "  "): string {
  const out: string[] = [];
  for (const para of s.trim().split(/\n+/)) {
    let line = "";
    for (const word of para.split(/\s+/)) {
      if (line && line.length + 1 + word.length > width - by.length) {
        out.push(by + line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(by + line);
  }
  return out.join("\n");
}

export function rulePlainDoc(rule: RuleDefinition): string {
  const lines = [
    `${rule.id}: ${rule.title}`,
    "",
    `  severity: ${severityText(rule)}`,
    `  profiles: ${profilesText(rule)}`,
    `  source:   ${sourceText(rule)}`,
    "",
    "What it catches",
    wrap(rule.description),
    "",
    "Why",
    wrap(rule.docs.why),
    "",
    "Fails:",
    indent(rule.docs.failing),
  ];
  if (rule.docs.observed?.failing) lines.push("  with the cloud holding:", indent(JSON.stringify(rule.docs.observed.failing, null, 2)));
  lines.push("", "Passes:", indent(rule.docs.passing));
  if (rule.docs.observed?.passing) lines.push("  with the cloud holding:", indent(JSON.stringify(rule.docs.observed.passing, null, 2)));
  return lines.join("\n") + "\n";
}
