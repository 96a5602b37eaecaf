/**
 * The run as the Pulumi CLI prints it, in plain text (no colours, no progress): one line per
 * step, diagnostics grouped by resource, stack outputs, the summary of changes.
 */
import type { Operation, RunResult, Step } from "./engine";
import { UNKNOWN, isSecret, urnName } from "./state";

const SYMBOL: Record<Step["op"], string> = { create: "+ ", update: "~ ", replace: "+-", delete: "- ", same: "  ", refresh: "~ ", "read-discard": "- " };
const PLAN: Record<Step["op"], string> = { create: "create", update: "update", replace: "replace", delete: "delete", same: "", refresh: "refresh", "read-discard": "delete" };
const DONE: Record<Step["op"], string> = { create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "", refresh: "refreshed", "read-discard": "deleted" };

function value(v: unknown): string {
  if (v === UNKNOWN) return "output<string>";
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return `[${v.map(value).join(", ")}]`;
  if (v && typeof v === "object") return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${value(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

export const render = {
  stepLine(s: Step, operation: Operation): string {
    const status = operation === "preview" ? PLAN[s.op] : s.ok ? DONE[s.op] : `**${PLAN[s.op]} failed**`;
    const detail = s.diffs?.length ? ` [diff: ${s.diffs.join(", ")}]` : "";
    return ` ${SYMBOL[s.op]} ${s.type.padEnd(52)} ${s.name.padEnd(40)} ${status}${detail}`;
  },

  title(operation: Operation, stack: string): string {
    return `${{ preview: "Previewing update", up: "Updating", refresh: "Refreshing", destroy: "Destroying" }[operation]} (${stack}):`;
  },

  run(r: RunResult, stack: string): string {
    return [render.title(r.operation, stack), "", ...r.steps.filter((s) => !s.hidden).map((s) => render.stepLine(s, r.operation)), render.tail(r, stack)].join("\n");
  },

  /** What follows the steps: diagnostics, outputs, the summary. */
  tail(r: RunResult, stack: string): string {
    const lines: string[] = [];
    const shown = r.diagnostics.filter((d) => d.severity !== "debug");
    if (shown.length) {
      lines.push("", "Diagnostics:");
      const byUrn = new Map<string, typeof shown>();
      for (const d of shown) byUrn.set(d.urn ?? "", [...(byUrn.get(d.urn ?? "") ?? []), d]);
      for (const [urn, ds] of byUrn) {
        const type = urn ? urn.split("::")[2].split("$").pop() : "pulumi:pulumi:Stack";
        lines.push(`  ${type} (${urn ? urnName(urn) : stack}):`);
        for (const d of ds) lines.push(...`${d.severity}: ${d.message}`.split("\n").map((l) => `    ${l}`));
        lines.push("");
      }
    }
    const outputs = Object.entries(r.outputs);
    if (outputs.length) {
      lines.push("Outputs:");
      for (const [k, v] of outputs) lines.push(`    ${k}: ${value(v)}`);
      lines.push("");
    }
    const verb = r.operation === "preview" ? { create: "to create", update: "to update", replace: "to replace", delete: "to delete", same: "unchanged", refresh: "to refresh", "read-discard": "to delete" } : { create: "created", update: "updated", replace: "replaced", delete: "deleted", same: "unchanged", refresh: "refreshed", "read-discard": "deleted" };
    lines.push("Resources:");
    for (const [op, n] of Object.entries(r.summary)) lines.push(`    ${SYMBOL[op as Step["op"]]} ${n} ${verb[op as Step["op"]]}`);
    if (!r.ok) lines.push("", `error: ${r.operation === "preview" ? "preview" : r.operation === "up" ? "update" : r.operation} failed`);
    return lines.join("\n") + "\n";
  },
};
