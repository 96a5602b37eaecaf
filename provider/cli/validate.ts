/**
 * `image-share validate PATH... [options]`: checks topology files against every rule (docs/rules.md), without
 * any cloud access. The files given (directories are walked) are one view per cloud.
 *
 * Exit codes: 0 no error (warnings allowed), 1 a rule reported an error (with `failOn:
 * warning`, a warning too; with `never`, not at all), 2 bad input (an unknown flag, a missing
 * file, an invalid topology, a malformed suppression or config), 3 an internal error.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import type { Command } from "./main";
import { buildReport } from "./check";
import type { ValidateReport } from "./format/report";
import { COLOUR, PLAIN, formatInputErrors, formatText, useColour } from "./format/text";
import { FAIL_ON, commonDir, findConfig, readConfig, type Config, type FailOn } from "./config";
import { readBaseline, writeBaseline } from "./baseline";
import { formatInputError } from "../topology/load";

export const FORMATS = ["text", "json", "sarif", "github", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

/** One output: a format, to stdout or to a file (the summary is appended, as GitHub's job summary wants). */
export interface Output {
  format: Format;
  file?: string;
  append?: boolean;
}

const USAGE = "validate PATH... [--format FORMAT[=FILE]]... [--sarif FILE] [--summary FILE] [--config FILE] [--baseline FILE] [--write-baseline FILE] [--fail-on error|warning|never]";

export const HELP = `usage: image-share ${USAGE}

Checks topology files (YAML or JSON; directories are walked) against every rule, offline.
The files given are one view per cloud: ids are global, so shares of one image in several
files sum, and one member granted in two files is a member-conflict.

options:
  --format, -f FORMAT[=FILE]  text (default) | json | sarif | github | markdown; to stdout,
                              or to FILE; give it again for several outputs in one run
  --sarif FILE                SARIF 2.1.0 to FILE (as --format sarif=FILE)
  --summary FILE              the markdown summary appended to FILE, e.g. "$GITHUB_STEP_SUMMARY"
  --config FILE               settings (default: .image-share.yaml found upward from the files)
  --no-config                 ignore .image-share.yaml
  --baseline FILE             report only findings that FILE does not hold
  --write-baseline FILE       record today's findings in FILE (then exit 0 unless input is bad)
  --fail-on LEVEL             error (default) | warning | never
  --color, --no-color         colour in text output (default: on a terminal, unless NO_COLOR)

Suppress one finding in place, with the reason (required), on the line of its share,
acceptance, copy or image, or alone on the line above it:
  - name: golden-to-vendor   # image-share:ignore untrusted-source -- audited, ticket SEC-123
A suppression that suppresses nothing is reported as a note (never a failure).

exit codes: 0 no error (warnings allowed), 1 a rule reported an error (see --fail-on),
2 bad input (unknown option, missing or invalid file, malformed suppression or config)
`;

export interface Io {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

interface Parsed {
  paths: string[];
  outputs: Output[];
  colour?: boolean;
  config?: string;
  noConfig: boolean;
  baseline?: string;
  writeBaseline?: string;
  failOn?: FailOn;
}

function parseOutput(value: string): Output | string {
  const eq = value.indexOf("=");
  const name = eq === -1 ? value : value.slice(0, eq);
  const file = eq === -1 ? undefined : value.slice(eq + 1);
  if (!(FORMATS as readonly string[]).includes(name)) return `unknown format "${name}": expected ${FORMATS.join(" | ")}`;
  if (file === "") return `--format ${name}= needs a file name`;
  return { format: name as Format, ...(file !== undefined ? { file } : {}) };
}

export function parseArgs(args: readonly string[]): Parsed | "help" | string {
  const out: Parsed = { paths: [], outputs: [], noConfig: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.paths.push(...args.slice(i + 1));
      break;
    }
    if (a === "--help" || a === "-h") return "help";
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const flag = eq === -1 ? a : a.slice(0, eq);
    const takesValue = ["--format", "-f", "--sarif", "--summary", "--config", "--baseline", "--write-baseline", "--fail-on"].includes(flag);
    let value: string | undefined;
    if (takesValue) {
      value = eq === -1 ? args[++i] : a.slice(eq + 1);
      if (value === undefined) return `${flag} needs a value${flag === "--format" || flag === "-f" ? `: ${FORMATS.join(" | ")}` : ""}`;
    }
    switch (flag) {
      case "--format":
      case "-f": {
        const o = parseOutput(value!);
        if (typeof o === "string") return o;
        out.outputs.push(o);
        break;
      }
      case "--sarif":
        out.outputs.push({ format: "sarif", file: value! });
        break;
      case "--summary":
        out.outputs.push({ format: "markdown", file: value!, append: true });
        break;
      case "--config":
        out.config = value;
        break;
      case "--no-config":
        out.noConfig = true;
        break;
      case "--baseline":
        out.baseline = value;
        break;
      case "--write-baseline":
        out.writeBaseline = value;
        break;
      case "--fail-on":
        if (!(FAIL_ON as readonly string[]).includes(value!)) return `--fail-on must be ${FAIL_ON.join(" | ")}, not "${value}"`;
        out.failOn = value as FailOn;
        break;
      case "--no-color":
      case "--no-colour":
        out.colour = false;
        break;
      case "--color":
      case "--colour":
        out.colour = true;
        break;
      default:
        if (a.startsWith("-") && a !== "-") return `unknown option "${a}"`;
        out.paths.push(a);
    }
  }
  if (out.paths.length === 0) return "no topology file given";
  if (out.outputs.filter((o) => o.file === undefined).length > 1) return "at most one --format can go to stdout: give the others a file (--format json=out.json)";
  return out;
}

/** Exit code of a report: 2 for bad input, 1 for what `failOn` counts as failing, else 0. */
export function exitCode(report: ValidateReport, failOn: FailOn = "error"): number {
  if (report.inputErrors.length > 0) return 2;
  if (failOn === "never") return 0;
  if (report.summary.errors > 0) return 1;
  return failOn === "warning" && report.summary.warnings > 0 ? 1 : 0;
}

/** Each format's module loads when it is asked for (the markdown summary's graph, SARIF's rule docs). */
function render(format: Format, report: ValidateReport, io: Io, colour: boolean | undefined, toFile: boolean): string {
  switch (format) {
    case "json":
      return (require("./format/json") as typeof import("./format/json")).formatJson(report);
    case "sarif": {
      const { packageVersion } = require("./format/version") as typeof import("./format/version");
      return (require("./format/sarif") as typeof import("./format/sarif")).formatSarif(report, packageVersion());
    }
    case "github":
      return (require("./format/github") as typeof import("./format/github")).formatGithub(report);
    case "markdown":
      return (require("./format/markdown") as typeof import("./format/markdown")).formatMarkdown(report, io.env);
    default: {
      const style = !toFile && (colour ?? useColour(io.stdout.isTTY, io.env)) ? COLOUR : PLAIN;
      return formatText(report, style, toFile ? 100 : (io.stdout.columns ?? 100));
    }
  }
}

export async function runValidate(args: readonly string[], io: Io): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === "help") {
    io.stdout.write(HELP);
    return 0;
  }
  const usageError = (message: string) => {
    io.stderr.write(`image-share validate: ${message}\nusage: image-share ${USAGE}\n`);
    return 2;
  };
  if (typeof parsed === "string") return usageError(parsed);

  let config: Config = { rules: {} };
  const configFile = parsed.noConfig ? undefined : (parsed.config ?? findConfig(commonDir(parsed.paths)));
  if (configFile !== undefined) {
    const read = readConfig(configFile);
    if ("errors" in read) {
      for (const e of read.errors) io.stderr.write(`error ${formatInputError(e)}\n`);
      return 2;
    }
    config = read;
  }
  let outputs = parsed.outputs;
  if (outputs.length === 0 && config.format) {
    const fromConfig: Output[] = [];
    for (const f of config.format) {
      const o = parseOutput(f);
      if (typeof o === "string") return usageError(`${config.file}: format: ${o}`);
      fromConfig.push(o);
    }
    outputs = fromConfig;
  }
  // Text on stdout unless an output goes there: a CI log shows what was found.
  if (!outputs.some((o) => o.file === undefined)) outputs = [{ format: "text" }, ...outputs];

  const baselineFile = parsed.baseline ?? (parsed.writeBaseline === undefined ? config.baseline : undefined);
  let baseline;
  if (baselineFile !== undefined) {
    const read = readBaseline(baselineFile);
    if (typeof read === "string") return usageError(read);
    baseline = read;
  }
  const report = buildReport(parsed.paths, { rules: config.rules, ...(baseline ? { baseline } : {}) });

  for (const o of outputs) {
    const text = render(o.format, report, io, parsed.colour, o.file !== undefined);
    if (o.file === undefined) {
      // Input errors go to stderr in text: the file could not be checked at all.
      if (o.format === "text" && report.inputErrors.length > 0) {
        const style = (parsed.colour ?? useColour(io.stderr.isTTY, io.env)) ? COLOUR : PLAIN;
        io.stderr.write(formatInputErrors(report, style));
      }
      io.stdout.write(text);
      continue;
    }
    try {
      if (o.append) appendFileSync(o.file, text);
      else writeFileSync(o.file, text);
    } catch (e) {
      io.stderr.write(`image-share validate: cannot write ${o.file}: ${(e as { code?: string }).code ?? (e as Error).message}\n`);
      return 2;
    }
  }
  if (parsed.writeBaseline !== undefined) {
    try {
      writeBaseline(parsed.writeBaseline, [...report.violations, ...report.baselined]);
    } catch (e) {
      io.stderr.write(`image-share validate: cannot write ${parsed.writeBaseline}: ${(e as { code?: string }).code ?? (e as Error).message}\n`);
      return 2;
    }
    io.stderr.write(`image-share validate: wrote ${report.violations.length + report.baselined.length} finding(s) to ${parsed.writeBaseline}\n`);
    return report.inputErrors.length > 0 ? 2 : 0;
  }
  return exitCode(report, parsed.failOn ?? config.failOn);
}

export const command: Command = {
  usage: "validate PATH... [--format F[=FILE]] [--sarif F] [--summary F] ...",
  summary: "check topology files against every rule, offline (exit 0 ok, 1 rule error, 2 bad input)",
  run(args) {
    return runValidate(args, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  },
};
