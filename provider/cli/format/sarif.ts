/**
 * `--format sarif`: SARIF 2.1.0 (OASIS), as GitHub code scanning reads it (upload with
 * github/codeql-action/upload-sarif). One rule entry per rule id (docs/rules.md; tool.driver.rules),
 * one result per violation with its file, line and column. Input errors are results of the
 * extra rule `input-error`. A suppressed finding is a result with an `inSource` suppression and
 * its justification; with a baseline, results carry `baselineState` (new or unchanged). A
 * suppression comment that suppressed nothing is a `note` of the extra rule `unused-suppression`.
 */
import * as path from "node:path";
import { RULES, severityFor, type ProfileId } from "../../rules";
import type { LocatedViolation, ValidateReport } from "./report";
import { rulePlainDoc, severityText } from "./ruledoc";
import { unusedSuppressionMessage } from "../suppress";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";
export const INPUT_ERROR_RULE = "input-error";
export const UNUSED_SUPPRESSION_RULE = "unused-suppression";

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown?: string };
  defaultConfiguration: { level: "error" | "warning" | "note" };
  properties: Record<string, unknown>;
}

function pascal(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

export function sarifRules(): SarifRule[] {
  const rules: SarifRule[] = RULES.map((r) => {
    const levels = new Set(r.profiles.map((p: ProfileId) => severityFor(r, p)));
    return {
      id: r.id,
      name: pascal(r.id),
      shortDescription: { text: r.title },
      fullDescription: { text: r.description },
      help: {
        text: rulePlainDoc(r),
        markdown: [
          `**${r.title}** (\`${r.id}\`)`,
          "",
          r.description,
          "",
          `Severity: ${severityText(r)}. Profiles: ${r.profiles.join(", ")}. Source: ${r.source.join(", ")}.`,
          "",
          r.docs.why,
          "",
          "Failing:",
          "```yaml",
          r.docs.failing.trimEnd(),
          "```",
          "Passing:",
          "```yaml",
          r.docs.passing.trimEnd(),
          "```",
        ].join("\n"),
      },
      defaultConfiguration: { level: levels.has("error") ? "error" : "warning" },
      properties: { tags: ["image-share", ...r.profiles], profiles: [...r.profiles], source: [...r.source] },
    };
  });
  rules.push({
    id: INPUT_ERROR_RULE,
    name: "InputError",
    shortDescription: { text: "Invalid topology file" },
    fullDescription: { text: "The file is not a valid topology: malformed YAML or JSON, a wrong type, an unknown key, a dangling reference or a malformed id." },
    help: { text: "Fix the file at the place given; `image-share validate FILE` prints every input error with its line and column." },
    defaultConfiguration: { level: "error" },
    properties: { tags: ["image-share"] },
  });
  rules.push({
    id: UNUSED_SUPPRESSION_RULE,
    name: "UnusedSuppression",
    shortDescription: { text: "Suppression that suppresses nothing" },
    fullDescription: { text: "An `# image-share:ignore RULE -- reason` comment with no finding of that rule on its line (or, alone on its line, the next): the finding is gone, and the comment would hide the next one." },
    help: { text: "Remove the comment, or the rule id from it." },
    defaultConfiguration: { level: "note" },
    properties: { tags: ["image-share"] },
  });
  return rules;
}

/**
 * A file's URI relative to the working directory (GitHub matches results to repository paths),
 * with forward slashes; each segment percent-encoded (`#`, `?`, `%` and spaces included).
 */
export function artifactUri(file: string, cwd = process.cwd()): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : path.normalize(file);
  const usable = rel.startsWith("..") || path.isAbsolute(rel) ? path.resolve(cwd, file) : rel;
  const encoded = usable.split(path.sep).map((seg) => encodeURIComponent(seg)).join("/");
  return path.isAbsolute(usable) ? `file://${encoded.startsWith("/") ? "" : "/"}${encoded}` : encoded;
}

export function formatSarif(report: ValidateReport, version: string, cwd = process.cwd()): string {
  const rules = sarifRules();
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const location = (file: string, line: number | undefined, column: number | undefined, logical?: string) => ({
    physicalLocation: {
      artifactLocation: { uri: artifactUri(file, cwd) },
      region: { startLine: line ?? 1, startColumn: column ?? 1 },
    },
    ...(logical ? { logicalLocations: [{ name: logical, kind: "resource" }] } : {}),
  });
  const result = (v: LocatedViolation) => ({
    ruleId: v.rule,
    ruleIndex: index.get(v.rule)!,
    level: v.baselined ? "note" : v.severity,
    message: { text: `${v.resource}: ${v.message}${v.fix ? ` Fix: ${v.fix}` : ""}` },
    locations: [location(v.file, v.line, v.column, v.resource)],
    ...(v.related
      ? { relatedLocations: v.related.map((r, i) => ({ id: i + 1, ...location(r.file, r.line, r.column, r.resource), message: { text: `${r.resource} (${r.path})` } })) }
      : {}),
    properties: { profile: v.profile, resource: v.resource, ...(v.path ? { path: v.path } : {}), ...(v.fix ? { fix: v.fix } : {}) },
    ...(v.suppression ? { suppressions: [{ kind: "inSource", justification: v.suppression.reason }] } : {}),
    ...(report.baselined.length > 0 || v.baselined ? { baselineState: v.baselined ? "unchanged" : "new" } : {}),
  });
  const results = [
    ...report.inputErrors.map((e) => ({
      ruleId: INPUT_ERROR_RULE,
      ruleIndex: index.get(INPUT_ERROR_RULE)!,
      level: "error",
      message: { text: e.path ? `${e.path}: ${e.message}` : e.message },
      locations: [location(e.file, e.line, e.column)],
    })),
    ...report.violations.map(result),
    ...report.unusedSuppressions.map((u) => ({
      ruleId: UNUSED_SUPPRESSION_RULE,
      ruleIndex: index.get(UNUSED_SUPPRESSION_RULE)!,
      level: "note",
      message: { text: unusedSuppressionMessage(u) },
      locations: [location(u.file, u.line, u.column)],
      properties: { rule: u.rule, reason: u.reason },
    })),
    ...report.suppressed.map(result),
    ...report.baselined.map(result),
  ];
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "image-share",
            version,
            semanticVersion: version,
            informationUri: "https://github.com/image-share/image-share",
            rules,
          },
        },
        columnKind: "unicodeCodePoints",
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}
