/**
 * `image-share rules [ID] [--format text|json|markdown]`: lists every rule (id, title, severity,
 * profiles, seeds), or prints one rule's documentation: what it catches, why, its seeds, a failing
 * and a passing topology. `--format markdown` prints the catalogue as docs/rules.md has it.
 */
import type { Command } from "./main";
import { RULES, ruleById, severityFor } from "../rules";
import { profilesText, rulePlainDoc, severityText } from "./format/ruledoc";
import { ruleMarkdown, rulesMarkdown } from "./format/rulesMarkdown";

const USAGE = "rules [ID] [--format text|json|markdown]";

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export async function runRules(args: readonly string[], io: Io): Promise<number> {
  let format: "text" | "json" | "markdown" = "text";
  const ids: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") {
      io.stdout.write(`usage: image-share ${USAGE}\n`);
      return 0;
    }
    let value: string | undefined;
    if (a === "--format" || a === "-f") value = args[++i];
    else if (a.startsWith("--format=")) value = a.slice("--format=".length);
    else if (a.startsWith("-")) {
      io.stderr.write(`image-share rules: unknown option "${a}"\nusage: image-share ${USAGE}\n`);
      return 2;
    } else {
      ids.push(a);
      continue;
    }
    if (value !== "text" && value !== "json" && value !== "markdown") {
      io.stderr.write(`image-share rules: unknown format "${value ?? ""}": expected text | json | markdown\n`);
      return 2;
    }
    format = value;
  }
  if (ids.length > 1) {
    io.stderr.write(`image-share rules: give one rule id at most\nusage: image-share ${USAGE}\n`);
    return 2;
  }
  if (ids.length === 1) {
    const rule = ruleById(ids[0]);
    if (!rule) {
      io.stderr.write(`image-share rules: unknown rule "${ids[0]}"; the rules are:\n  ${RULES.map((r) => r.id).join("\n  ")}\n`);
      return 2;
    }
    if (format === "json") {
      const { check: _check, ...data } = rule;
      io.stdout.write(JSON.stringify({ ...data, severityByProfile: Object.fromEntries(rule.profiles.map((p) => [p, severityFor(rule, p)])) }, null, 2) + "\n");
    } else {
      io.stdout.write(format === "markdown" ? ruleMarkdown(rule) : rulePlainDoc(rule));
    }
    return 0;
  }
  if (format === "markdown") {
    io.stdout.write(rulesMarkdown());
    return 0;
  }
  if (format === "json") {
    const list = RULES.map((r) => ({
      id: r.id,
      title: r.title,
      profiles: [...r.profiles],
      severity: Object.fromEntries(r.profiles.map((p) => [p, severityFor(r, p)])),
      source: [...r.source],
    }));
    io.stdout.write(JSON.stringify({ rules: list }, null, 2) + "\n");
    return 0;
  }
  const rows = RULES.map((r) => [r.id, severityText(r), r.title, profilesText(r), r.source.join(", ")]);
  const head = ["RULE", "SEVERITY", "TITLE", "PROFILES", "SEEDS"];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (i === 1 ? Math.min(row[i].length, 12) : row[i].length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(width[i]))).join("  ").trimEnd();
  const out = [line(head)];
  for (const row of rows) {
    // A per-profile severity does not fit the column: print it on its own line below.
    const sev = row[1].length > 12 ? "per profile" : row[1];
    out.push(line([row[0], sev, row[2], row[3], row[4]]));
    if (row[1].length > 12) out.push(`${"".padEnd(width[0])}  (${row[1]})`);
  }
  out.push("", `${RULES.length} rules. Details: image-share rules <id>`);
  io.stdout.write(out.join("\n") + "\n");
  return 0;
}

export const command: Command = {
  usage: USAGE,
  summary: "list every rule (title, severity, profiles, seeds), or print one rule's documentation",
  run(args) {
    return runRules(args, process);
  },
};
