/**
 * `.image-share.yaml`: a config repo's settings for `validate`, found upward from the files
 * checked (or given with --config): rules turned off or to another severity, the default
 * outputs, when to fail, and a baseline.
 *
 *   rules:
 *     pending-acceptance: off          # off | warning | error
 *     member-limit-headroom: error
 *   failOn: error                      # error (default) | warning | never
 *   format: [github, sarif=image-share.sarif]   # as --format; used when the command line gives none
 *   baseline: image-share.baseline.json         # as --baseline, relative to this file
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { RULE_IDS } from "../rules";
import type { TopologyInputError } from "../topology/load";
import { fileError, formatPath, type PathSegment } from "../topology/errors";
import { didYouMean } from "../topology/suggest";

export const CONFIG_FILE = ".image-share.yaml";
export const FAIL_ON = ["error", "warning", "never"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** The config's schema; zod and the YAML reader load only when there is a config file to read. */
function configSchema() {
  const { z } = require("zod") as typeof import("zod");
  return z.strictObject({
    rules: z.record(z.string(), z.enum(["off", "warning", "error"])).optional(),
    failOn: z.enum(FAIL_ON).optional(),
    format: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    baseline: z.string().min(1).optional(),
  });
}

export interface Config {
  file?: string;
  rules: Record<string, "off" | "warning" | "error">;
  failOn?: FailOn;
  format?: string[];
  /** Resolved against the config file's folder. */
  baseline?: string;
}

/** The nearest .image-share.yaml at or above `dir`, or undefined. */
export function findConfig(dir: string): string | undefined {
  let d = path.resolve(dir);
  for (;;) {
    const candidate = path.join(d, CONFIG_FILE);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/** The folder all the paths share (where the config is looked for). */
export function commonDir(paths: readonly string[]): string {
  const dirs = paths.map((p) => {
    const abs = path.resolve(p);
    try {
      return statSync(abs).isDirectory() ? abs : path.dirname(abs);
    } catch {
      return path.dirname(abs);
    }
  });
  let common = dirs[0] ?? process.cwd();
  const within = (d: string, c: string) => d === c || d.startsWith(c.endsWith(path.sep) ? c : c + path.sep);
  for (const d of dirs.slice(1)) {
    while (!within(d, common)) {
      const up = path.dirname(common);
      if (up === common) return common; // the filesystem's root
      common = up;
    }
  }
  return common;
}

export function readConfig(file: string): Config | { errors: TopologyInputError[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { errors: [fileError(file, `cannot read the config file (${(e as { code?: string }).code ?? String(e)})`)] };
  }
  const { readYaml } = require("../topology/yaml") as typeof import("../topology/yaml");
  const { schemaErrors } = require("../topology/schemaErrors") as typeof import("../topology/schemaErrors");
  const read = readYaml(file, text);
  if ("errors" in read) return read;
  const data = read.data ?? {};
  const at = (segments: PathSegment[], message: string): TopologyInputError => ({ file, ...(read.positions.locate(segments) ?? {}), path: formatPath(segments), segments, message });
  const ConfigSchema = configSchema();
  const parsed = ConfigSchema.safeParse(data);
  if (!parsed.success) return { errors: schemaErrors(parsed.error, data, at, ConfigSchema) };
  const errors: TopologyInputError[] = [];
  for (const id of Object.keys(parsed.data.rules ?? {})) {
    if (!(RULE_IDS as readonly string[]).includes(id)) errors.push(at(["rules", id], `unknown rule "${id}"${didYouMean(id, RULE_IDS)}; image-share rules lists them`));
  }
  if (errors.length > 0) return { errors };
  const format = parsed.data.format === undefined ? undefined : Array.isArray(parsed.data.format) ? parsed.data.format : [parsed.data.format];
  return {
    file,
    rules: parsed.data.rules ?? {},
    ...(parsed.data.failOn ? { failOn: parsed.data.failOn } : {}),
    ...(format ? { format } : {}),
    ...(parsed.data.baseline ? { baseline: path.resolve(path.dirname(file), parsed.data.baseline) } : {}),
  };
}
