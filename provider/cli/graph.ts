/**
 * `image-share graph PATH... [--format mermaid|dot]`: the share graph of the topology files
 * (one per cloud, the files merged as validate merges them): images grouped by owner, copies,
 * members, with the findings of the rules marked in red. Exit 0, or 2 for bad input.
 */
import type { Command } from "./main";
import { validate } from "../rules";
import { formatInputError } from "../topology/load";
import { loadViews } from "./check";
import { shareGraph, toDot, toMermaid } from "./format/graph";

const USAGE = "graph PATH... [--format mermaid|dot]";

export async function runGraph(args: readonly string[], io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } }): Promise<number> {
  let format: "mermaid" | "dot" = "mermaid";
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") {
      io.stdout.write(`usage: image-share ${USAGE}\n\nDraws the share graph (mermaid renders in GitHub markdown; dot for Graphviz). Exit codes: 0 drawn, 2 bad input.\n`);
      return 0;
    }
    if (a === "--format" || a === "-f" || a.startsWith("--format=")) {
      const v = a.startsWith("--format=") ? a.slice(9) : args[++i];
      if (v !== "mermaid" && v !== "dot") {
        io.stderr.write(`image-share graph: --format must be mermaid or dot, not "${v ?? ""}"\nusage: image-share ${USAGE}\n`);
        return 2;
      }
      format = v;
    } else if (a.startsWith("-") && a !== "-") {
      io.stderr.write(`image-share graph: unknown option "${a}"\nusage: image-share ${USAGE}\n`);
      return 2;
    } else paths.push(a);
  }
  if (paths.length === 0) {
    io.stderr.write(`image-share graph: no topology file given\nusage: image-share ${USAGE}\n`);
    return 2;
  }
  const { views, inputErrors } = loadViews(paths);
  for (const e of inputErrors) io.stderr.write(`error ${formatInputError(e)}\n`);
  if (inputErrors.length > 0) return 2;
  for (const view of views) {
    const g = shareGraph(view.topology, validate(view.topology));
    if (format === "mermaid" && g.edges.length > 500) io.stderr.write(`image-share graph: ${g.edges.length} edges: mermaid renders at most 500 by default (use --format dot)\n`);
    io.stdout.write(format === "dot" ? toDot(g) : toMermaid(g));
  }
  return 0;
}

export const command: Command = {
  usage: USAGE,
  summary: "draw the share graph (images, copies, members; findings marked) as mermaid or dot",
  run(args) {
    return runGraph(args, process);
  },
};
