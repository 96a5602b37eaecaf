/**
 * Inline suppressions in a topology file, on the line of a share, acceptance, copy or image (or
 * alone on the line above it), naming the rule and why:
 *
 *   - name: golden-to-vendor   # image-share:ignore untrusted-source -- vendor audited 2026-10, ticket SEC-123
 *
 * The reason is required: a suppression without one is an input error, as is an unknown rule
 * id. Suppressed findings are reported as suppressed (json, SARIF), never dropped silently.
 * JSON has no comments: a JSON topology has no inline suppressions (use the baseline).
 */
import { RULE_IDS } from "../rules";
import type { TopologyInputError } from "../topology/load";
import { didYouMean } from "../topology/suggest";

export const MARKER = "image-share:ignore";

export interface Suppression {
  line: number;
  /** Of the comment's `#`. */
  column: number;
  rules: string[];
  reason: string;
  /** The comment is alone on its line: it covers the next line too. */
  ownLine: boolean;
}

/** The suppressions of a file's text, and errors for malformed ones. */
export function readSuppressions(file: string, text: string): { suppressions: Suppression[]; errors: TopologyInputError[] } {
  const suppressions: Suppression[] = [];
  const errors: TopologyInputError[] = [];
  for (let at = text.indexOf(MARKER); at !== -1; at = text.indexOf(MARKER, at + MARKER.length)) {
    const lineStart = text.lastIndexOf("\n", at) + 1;
    const nl = text.indexOf("\n", at);
    const lineEnd = nl === -1 ? text.length : nl;
    const hash = commentStart(text, lineStart, at);
    if (hash === -1) continue; // not in a comment (inside a string, say)
    const line = countLines(text, lineStart);
    const body = text.slice(at + MARKER.length, lineEnd).replace(/\r$/, "");
    const m = /^\s+([a-z][a-z0-9-]*(?:\s*,\s*[a-z][a-z0-9-]*)*)\s*(?:--|:|-)?\s*(.*)$/.exec(body);
    const place = { file, line, column: hash - lineStart + 1, path: "", segments: [] };
    if (!m) {
      errors.push({ ...place, message: `a suppression names the rule and why: # ${MARKER} <rule-id> -- <reason>` });
      continue;
    }
    const rules = m[1].split(",").map((r) => r.trim());
    const reason = m[2].trim();
    const unknown = rules.filter((r) => !(RULE_IDS as readonly string[]).includes(r));
    for (const r of unknown) errors.push({ ...place, message: `the suppression names unknown rule "${r}"${didYouMean(r, RULE_IDS)}` });
    if (reason === "") errors.push({ ...place, message: `the suppression of ${rules.join(", ")} gives no reason: # ${MARKER} ${rules.join(",")} -- <why it is acceptable>` });
    if (unknown.length > 0 || reason === "") continue;
    suppressions.push({ line, column: place.column, rules, reason, ownLine: text.slice(lineStart, hash).trim() === "" });
  }
  return { suppressions, errors };
}

/** Where the comment holding offset `at` starts (`#` after a blank or at the line start, outside quotes), or -1. */
function commentStart(text: string, lineStart: number, at: number): number {
  let quote = 0;
  for (let i = lineStart; i < at; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote && !(quote === 0x22 && text.charCodeAt(i - 1) === 0x5c)) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x23 && (i === lineStart || text.charCodeAt(i - 1) === 0x20 || text.charCodeAt(i - 1) === 0x09)) return i;
  }
  return -1;
}

function countLines(text: string, upTo: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < upTo; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * A suppression that suppressed nothing, as eslint and tflint report unused disable directives:
 * the finding it was written for is gone (fixed, moved) and the comment would hide the next one.
 */
export interface UnusedSuppression {
  file: string;
  line: number;
  column: number;
  rule: string;
  reason: string;
  /** The rule is off in the config: it reports nothing anywhere. */
  ruleOff?: true;
}

export function unusedSuppressionMessage(u: UnusedSuppression): string {
  return u.ruleOff
    ? `unused suppression of ${u.rule}: the rule is off in the config; remove the comment`
    : `unused suppression of ${u.rule}: no ${u.rule} finding here any more; remove the comment`;
}

/** The suppression covering a finding of `rule` at any of `lines`, if one does. */
export function suppressionFor(suppressions: readonly Suppression[], rule: string, lines: readonly (number | undefined)[]): Suppression | undefined {
  for (const s of suppressions) {
    if (!s.rules.includes(rule)) continue;
    for (const l of lines) if (l !== undefined && (l === s.line || (s.ownLine && l === s.line + 1))) return s;
  }
  return undefined;
}
