/**
 * `--format markdown` / `--summary FILE`: a job summary as GitHub renders it (append it to
 * $GITHUB_STEP_SUMMARY): the counts, a table of findings with links to their lines and the fix,
 * what was suppressed or baselined, and the share graph of each cloud's view with the findings
 * marked, as mermaid. GitHub shows at most 10 annotations a step and SARIF needs Advanced
 * Security on private repositories: this is the one full list a reviewer always sees.
 */
import * as path from "node:path";
import type { LocatedViolation, ValidateReport } from "./report";
import { shareGraph, toMermaid } from "./graph";
import { unusedSuppressionMessage } from "../suppress";

/** A step summary may hold 1 MiB: past this many rows the table says how many it left out. */
const MAX_ROWS = 500;

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** `[team.yaml:14](https://github.com/o/r/blob/<sha>/team.yaml#L14)` inside GitHub Actions, else `team.yaml:14`. */
function place(v: { file: string; line?: number }, env: NodeJS.ProcessEnv): string {
  const rel = path.relative(env.GITHUB_WORKSPACE ?? process.cwd(), path.resolve(v.file)).split(path.sep).join("/");
  const text = `${rel}${v.line !== undefined ? `:${v.line}` : ""}`;
  if (!env.GITHUB_SERVER_URL || !env.GITHUB_REPOSITORY || !env.GITHUB_SHA || rel.startsWith("..")) return `\`${text}\``;
  const url = `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA}/${rel.split("/").map(encodeURIComponent).join("/")}${v.line !== undefined ? `#L${v.line}` : ""}`;
  return `[${text}](${url})`;
}

function table(rows: LocatedViolation[], env: NodeJS.ProcessEnv, extra?: (v: LocatedViolation) => string): string[] {
  const out = [`| | rule | where | resource | finding | ${extra ? "why" : "fix"} |`, "|---|---|---|---|---|---|"];
  for (const v of rows.slice(0, MAX_ROWS)) {
    const icon = v.severity === "error" ? "🔴" : "🟡";
    out.push(`| ${icon} | \`${v.rule}\` | ${place(v, env)} | ${cell(v.resource)} | ${cell(v.message)} | ${cell(extra ? extra(v) : (v.fix ?? ""))} |`);
  }
  if (rows.length > MAX_ROWS) out.push("", `…and ${rows.length - MAX_ROWS} more (the json or SARIF output has them all).`);
  return out;
}

export function formatMarkdown(report: ValidateReport, env: NodeJS.ProcessEnv = process.env): string {
  const s = report.summary;
  const failed = report.inputErrors.length > 0 || s.errors > 0;
  const out: string[] = [`## image-share validate: ${report.inputErrors.length > 0 ? "invalid input" : failed ? "failed" : "passed"}`, ""];
  out.push(`| errors | warnings | input errors | suppressed | in the baseline | files |`, "|---|---|---|---|---|---|");
  out.push(`| ${s.errors} | ${s.warnings} | ${report.inputErrors.length} | ${report.suppressed.length} | ${report.baselined.length} | ${report.files.length} |`, "");
  if (report.inputErrors.length > 0) {
    out.push("### Input errors", "", "| where | path | problem |", "|---|---|---|");
    for (const e of report.inputErrors.slice(0, MAX_ROWS)) out.push(`| ${place(e, env)} | ${cell(e.path)} | ${cell(e.message)} |`);
    out.push("");
  }
  if (report.violations.length > 0) out.push("### Findings", "", ...table(report.violations, env), "");
  if (report.suppressed.length > 0) out.push("<details><summary>Suppressed in place</summary>", "", ...table(report.suppressed, env, (v) => v.suppression?.reason ?? ""), "", "</details>", "");
  if (report.unusedSuppressions.length > 0) {
    out.push(`<details><summary>${report.unusedSuppressions.length} unused suppression(s)</summary>`, "", "| where | rule | note |", "|---|---|---|");
    for (const u of report.unusedSuppressions.slice(0, MAX_ROWS)) out.push(`| ${place(u, env)} | \`${u.rule}\` | ${cell(unusedSuppressionMessage(u))} |`);
    out.push("", "</details>", "");
  }
  if (report.baselined.length > 0) out.push(`<details><summary>${report.baselined.length} finding(s) already in the baseline</summary>`, "", ...table(report.baselined, env), "", "</details>", "");
  for (const view of report.views) {
    const graph = shareGraph(view.topology, report.findings.get(view) ?? [], { foldAbove: 8, maxEdges: 300 });
    out.push(`### Share graph: ${view.topology.profile} (${view.files.map((f) => `\`${cell(f.file)}\``).join(", ")})`, "");
    if (graph.edges.length > 300) {
      out.push("The graph is too large to draw here; `image-share graph FILE... --format dot` draws it whole.", "");
      continue;
    }
    out.push("```mermaid", toMermaid(graph).trimEnd(), "```", "");
    if (graph.omitted > 0) out.push(`${graph.omitted} image(s) without findings left out; \`image-share graph\` draws them all.`, "");
  }
  return out.join("\n") + "\n";
}
