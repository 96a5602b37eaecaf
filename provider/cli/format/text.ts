/**
 * `--format text` (the default): for a person at a terminal. Findings grouped by file and then
 * by resource, each with its rule id, message and fix, then a summary line. Colour only when
 * the output is a terminal and NO_COLOR is not set.
 */
import { formatInputError } from "../../topology/load";
import type { LocatedViolation, RelatedLocation, ValidateReport } from "./report";
import { unusedSuppressionMessage } from "../suppress";

export interface Style {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const COLOUR: Style = { red: wrap(31, 39), yellow: wrap(33, 39), green: wrap(32, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
const id = (s: string) => s;
export const PLAIN: Style = { red: id, yellow: id, green: id, bold: id, dim: id };

/** Colour when writing to a terminal, unless NO_COLOR is set (https://no-color.org); FORCE_COLOR forces it. */
export function useColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return isTTY === true;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Input errors, one line each: `team.yaml:14:9 shares[2].members[0]: unknown account "team-x"`. */
export function formatInputErrors(report: ValidateReport, style: Style = PLAIN): string {
  return report.inputErrors.map((e) => `${style.red("error")} ${formatInputError(e)}\n`).join("");
}

/** `s` in lines of at most `width` columns: the first starts at column `first`, the others are indented by `indent`. */
function wrapText(s: string, first: number, indent: number, width: number): string {
  const lines: string[] = [];
  let line = "";
  let col = first;
  for (const word of s.split(" ")) {
    if (line !== "" && col + 1 + word.length > width) {
      lines.push(line);
      line = word;
      col = indent + word.length;
    } else {
      col += (line === "" ? 0 : 1) + word.length;
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}

export function formatText(report: ValidateReport, style: Style = PLAIN, width = 100): string {
  const out: string[] = [];
  const byFile = new Map<string, LocatedViolation[]>();
  for (const v of report.violations) {
    const list = byFile.get(v.file);
    if (list) list.push(v);
    else byFile.set(v.file, [v]);
  }
  for (const file of report.files) {
    const list = byFile.get(file);
    if (!list) {
      if (!report.inputErrors.some((e) => e.file === file)) out.push(`${style.green("ok")}  ${file}: no violations\n`);
      continue;
    }
    out.push(`${style.bold(file)}\n`);
    const byResource = new Map<string, LocatedViolation[]>();
    for (const v of list) {
      const l = byResource.get(v.resource);
      if (l) l.push(v);
      else byResource.set(v.resource, [v]);
    }
    // Resources in the order of the file.
    const groups = [...byResource.entries()].sort((a, b) => firstLine(a[1]) - firstLine(b[1]));
    for (const [resource, vs] of groups) {
      const at = vs[0].line !== undefined ? style.dim(` (${file}:${vs[0].line}:${vs[0].column ?? 1})`) : "";
      out.push(`\n  ${style.bold(resource)}${at}\n`);
      for (const v of vs) {
        const sev = v.severity === "error" ? style.red("error  ") : style.yellow("warning");
        const where = v.line !== undefined && v.line !== vs[0].line ? style.dim(` [line ${v.line}]`) : "";
        const head = `    warning ${v.rule}${where ? ` [line ${v.line}]` : ""}  `.length;
        out.push(`    ${sev} ${style.bold(v.rule)}${where}  ${wrapText(v.message, head, 12, width)}\n`);
        for (const r of v.related ?? []) out.push(`            ${style.dim("also:")} ${wrapText(relatedText(r, file), 18, 18, width)}\n`);
        if (v.fix) out.push(`            ${style.dim("fix:")} ${wrapText(v.fix, 17, 17, width)}\n`);
      }
    }
    out.push("\n");
  }
  for (const u of report.unusedSuppressions) {
    out.push(`${style.dim("note")}  ${u.file}:${u.line}:${u.column}: ${wrapText(unusedSuppressionMessage(u), 8 + `${u.file}:${u.line}:${u.column}: `.length, 6, width)}\n`);
  }
  if (report.unusedSuppressions.length > 0) out.push("\n");
  const s = report.summary;
  const counts = [
    s.errors > 0 ? style.red(plural(s.errors, "error")) : plural(s.errors, "error"),
    s.warnings > 0 ? style.yellow(plural(s.warnings, "warning")) : plural(s.warnings, "warning"),
  ];
  if (report.inputErrors.length > 0) counts.push(style.red(plural(report.inputErrors.length, "input error")));
  if (report.suppressed.length > 0) counts.push(`${report.suppressed.length} suppressed`);
  if (report.baselined.length > 0) counts.push(`${report.baselined.length} in the baseline`);
  if (report.unusedSuppressions.length > 0) counts.push(plural(report.unusedSuppressions.length, "unused suppression"));
  const verdict =
    report.inputErrors.length > 0 ? style.red("invalid input") : s.errors > 0 ? style.red("failed") : style.green("passed");
  out.push(`${verdict}: ${counts.join(", ")} in ${plural(report.files.length, "file")}\n`);
  return out.join("");
}

/** `shares[0].members[0] of golden-to-teams, line 9`, or `..., other.yaml:9:7` in another file. */
function relatedText(r: RelatedLocation, file: string): string {
  const of = r.path.startsWith(`${r.resource}.`) || r.path === r.resource ? "" : ` of ${r.resource}`;
  const place = r.line === undefined ? (r.file === file ? "" : r.file) : r.file === file ? `line ${r.line}` : `${r.file}:${r.line}:${r.column ?? 1}`;
  return `${r.path}${of}${place ? `, ${place}` : ""}`;
}

function firstLine(vs: LocatedViolation[]): number {
  let min = Number.MAX_SAFE_INTEGER;
  for (const v of vs) if (v.line !== undefined && v.line < min) min = v.line;
  return min;
}
