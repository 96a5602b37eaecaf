/**
 * `image-share validate FILE... [--format text|json|sarif|github]`: checks topology files
 * against every rule of RULES.md, without any cloud access. Exit 0 when no rule reports an
 * error (warnings allowed), 1 when one does, 2 for bad input (an unknown flag, a missing file,
 * an invalid topology).
 */
import type { Command } from "./main";
import { validate } from "../rules";
import { loadTopologyFile, type TopologyInputError } from "../topology/load";
import { locate, summarize, type LocatedViolation, type ValidateReport } from "./format/report";
import { COLOUR, PLAIN, formatInputErrors, formatText, useColour } from "./format/text";
import { formatJson } from "./format/json";
import { formatSarif } from "./format/sarif";
import { formatGithub } from "./format/github";
import { packageVersion } from "./format/version";

export const FORMATS = ["text", "json", "sarif", "github"] as const;
export type Format = (typeof FORMATS)[number];

const USAGE = "validate FILE... [--format text|json|sarif|github]";

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: NodeJS.ProcessEnv;
}

interface Parsed {
  files: string[];
  format: Format;
  colour?: boolean;
}

export function parseArgs(args: readonly string[]): Parsed | "help" | string {
  const files: string[] = [];
  let format: Format = "text";
  let colour: boolean | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      files.push(...args.slice(i + 1));
      break;
    }
    if (a === "--help" || a === "-h") return "help";
    let value: string | undefined;
    if (a === "--format" || a === "-f") {
      value = args[++i];
      if (value === undefined) return `${a} needs a value: ${FORMATS.join(" | ")}`;
    } else if (a.startsWith("--format=")) {
      value = a.slice("--format=".length);
    } else if (a === "--no-color" || a === "--no-colour") {
      colour = false;
      continue;
    } else if (a === "--color" || a === "--colour") {
      colour = true;
      continue;
    } else if (a.startsWith("-") && a !== "-") {
      return `unknown option "${a}"`;
    } else {
      files.push(a);
      continue;
    }
    if (!(FORMATS as readonly string[]).includes(value)) return `unknown format "${value}": expected ${FORMATS.join(" | ")}`;
    format = value as Format;
  }
  if (files.length === 0) return "no topology file given";
  return { files, format, ...(colour !== undefined ? { colour } : {}) };
}

/** Loads and validates each file: the report every formatter prints. */
export function buildReport(files: readonly string[]): ValidateReport {
  const violations: LocatedViolation[] = [];
  const inputErrors: TopologyInputError[] = [];
  for (const file of files) {
    const loaded = loadTopologyFile(file);
    if ("errors" in loaded) {
      inputErrors.push(...loaded.errors);
      continue;
    }
    violations.push(...locate(file, loaded.topology, loaded.positions, validate(loaded.topology)));
  }
  return { files: [...files], violations, inputErrors, summary: summarize(violations) };
}

/** Exit code of a report: 2 for bad input, 1 for a rule's error, else 0. */
export function exitCode(report: ValidateReport): number {
  if (report.inputErrors.length > 0) return 2;
  return report.summary.errors > 0 ? 1 : 0;
}

export async function runValidate(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === "help") {
    io.stdout.write(`usage: image-share ${USAGE}\n\nExit codes: 0 no error (warnings allowed), 1 a rule reported an error, 2 bad input.\n`);
    return 0;
  }
  if (typeof parsed === "string") {
    io.stderr.write(`image-share validate: ${parsed}\nusage: image-share ${USAGE}\n`);
    return 2;
  }
  const report = buildReport(parsed.files);
  switch (parsed.format) {
    case "json":
      io.stdout.write(formatJson(report));
      break;
    case "sarif":
      io.stdout.write(formatSarif(report, packageVersion()));
      break;
    case "github":
      io.stdout.write(formatGithub(report));
      break;
    default: {
      const out = (parsed.colour ?? useColour(io.stdout.isTTY, io.env)) ? COLOUR : PLAIN;
      const errStyle = (parsed.colour ?? useColour((io.stderr as { isTTY?: boolean }).isTTY, io.env)) ? COLOUR : PLAIN;
      // Input errors go to stderr: the file could not be checked at all.
      if (report.inputErrors.length > 0) io.stderr.write(formatInputErrors(report, errStyle));
      io.stdout.write(formatText(report, out));
    }
  }
  return exitCode(report);
}

export const command: Command = {
  usage: USAGE,
  summary: "check topology files against every rule, offline (exit 0 ok, 1 rule error, 2 bad input)",
  run(args) {
    return runValidate(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  },
};
