/**
 * `--format json`: one object, `{"violations":[...], "summary":{"errors":N,"warnings":N}}`
 * (DESIGN.md). Each violation also carries `file`, `line` and `column`. When a file is not a
 * valid topology, the object also holds `inputErrors` (each with file, line, column, path,
 * message) and `summary.inputErrors`, and the exit code is 2.
 */
import type { ValidateReport } from "./report";

export function formatJson(report: ValidateReport): string {
  const out: Record<string, unknown> = { violations: report.violations };
  const summary: Record<string, number> = { ...report.summary };
  if (report.inputErrors.length > 0) {
    out.inputErrors = report.inputErrors.map((e) => ({
      file: e.file,
      ...(e.line !== undefined ? { line: e.line, column: e.column ?? 1 } : {}),
      path: e.path,
      message: e.message,
    }));
    summary.inputErrors = report.inputErrors.length;
  }
  out.summary = summary;
  return JSON.stringify(out, null, 2) + "\n";
}
