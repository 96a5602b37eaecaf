/**
 * `--format github`: GitHub Actions workflow commands, one line per finding, which the runner
 * shows as annotations on the pull request's files:
 *   ::error file=team.yaml,line=14,col=9,title=member-limit::message
 * Escaping as the runner decodes it (actions/toolkit, command.ts): in the message `%`, `\r`,
 * `\n`; in property values also `:` and `,`.
 */
import type { ValidateReport } from "./report";
import { unusedSuppressionMessage } from "../suppress";

export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(kind: "error" | "warning" | "notice", props: Record<string, string | number | undefined>, message: string): string {
  const list = Object.entries(props)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(",");
  return `::${kind}${list ? " " + list : ""}::${escapeData(message)}`;
}

export function formatGithub(report: ValidateReport): string {
  const lines: string[] = [];
  for (const e of report.inputErrors) {
    lines.push(command("error", { file: e.file, line: e.line, col: e.column, title: "image-share: invalid topology" }, e.path ? `${e.path}: ${e.message}` : e.message));
  }
  for (const v of report.violations) {
    const text = `${v.resource}: ${v.message}${v.fix ? `\nfix: ${v.fix}` : ""}`;
    lines.push(command(v.severity, { file: v.file, line: v.line, col: v.column, title: `${v.rule} (${v.profile})` }, text));
  }
  for (const u of report.unusedSuppressions) {
    lines.push(command("notice", { file: u.file, line: u.line, col: u.column, title: "image-share: unused suppression" }, unusedSuppressionMessage(u)));
  }
  const s = report.summary;
  const extra = [
    report.inputErrors.length ? `${report.inputErrors.length} input error${report.inputErrors.length === 1 ? "" : "s"}` : "",
    report.suppressed.length ? `${report.suppressed.length} suppressed` : "",
    report.baselined.length ? `${report.baselined.length} in the baseline` : "",
    report.unusedSuppressions.length ? `${report.unusedSuppressions.length} unused suppression${report.unusedSuppressions.length === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  lines.push(`image-share: ${s.errors} error${s.errors === 1 ? "" : "s"}, ${s.warnings} warning${s.warnings === 1 ? "" : "s"}${extra.map((x) => `, ${x}`).join("")}`);
  return lines.join("\n") + "\n";
}
