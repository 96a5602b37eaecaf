/**
 * `--format json`: one object, `{"violations":[...], "summary":{"errors":N,"warnings":N}}`
 * (README, "image-share validate"). Each violation also carries `file`, `line`, `column` and, where the finding has
 * one, its `path` in the file (`shares[2].members[0]`, as input errors give it) with its
 * `segments`. Present only when not empty: `suppressed` (findings an inline comment suppresses,
 * each with `suppression: {reason, line}`), `baselined` (findings the baseline holds),
 * `inputErrors` (exit code 2), `unusedSuppressions` (comments that suppressed nothing: notes,
 * never a failure), and their counts in `summary`.
 */
import type { LocatedViolation, ValidateReport } from "./report";
import { unusedSuppressionMessage } from "../suppress";

function finding(v: LocatedViolation): Record<string, unknown> {
  const { path, segments, baselined: _b, ...rest } = v;
  return path === "" ? rest : { ...rest, path, segments };
}

export function formatJson(report: ValidateReport): string {
  const out: Record<string, unknown> = { violations: report.violations.map(finding) };
  const summary: Record<string, number> = { ...report.summary };
  if (report.suppressed.length > 0) {
    out.suppressed = report.suppressed.map(finding);
    summary.suppressed = report.suppressed.length;
  }
  if (report.baselined.length > 0) {
    out.baselined = report.baselined.map(finding);
    summary.baselined = report.baselined.length;
  }
  if (report.unusedSuppressions.length > 0) {
    out.unusedSuppressions = report.unusedSuppressions.map((u) => ({ ...u, message: unusedSuppressionMessage(u) }));
    summary.unusedSuppressions = report.unusedSuppressions.length;
  }
  if (report.inputErrors.length > 0) {
    out.inputErrors = report.inputErrors.map((e) => ({
      file: e.file,
      ...(e.line !== undefined ? { line: e.line, column: e.column ?? 1 } : {}),
      path: e.path,
      segments: e.segments,
      message: e.message,
    }));
    summary.inputErrors = report.inputErrors.length;
  }
  out.summary = summary;
  return JSON.stringify(out, null, 2) + "\n";
}
