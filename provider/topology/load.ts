/**
 * Reads a topology file (YAML or JSON): parse, check shapes with the zod schema, then resolve
 * every reference between sections and check the clouds' id formats. Returns either the
 * topology (the rules core's model) with a way to find any path's line and column, or every
 * input error found, each with its place in the file. Never throws for bad input.
 *
 * The parts: reading and format (here, json.ts, yaml.ts, yamlData.ts), positions (positions.ts),
 * schema errors (schema.ts, schemaErrors.ts), references (references.ts), and the conversion to
 * the rules core's model (convert.ts).
 */
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import type { Topology } from "../rules/model";
import { byPosition, fileError, formatPath, type PathSegment, type TopologyInputError } from "./errors";
import type { TopologyPositions } from "./positions";
import type { TopologyInput } from "./schema";
import { acceptsTopology } from "./accepts";
import { resolveReferences } from "./references";
import { toTopology } from "./convert";
import { readJson } from "./json";

export { formatInputError, formatPath, type PathSegment, type Position, type TopologyInputError } from "./errors";
export type { TopologyPositions } from "./positions";

export type LoadResult = { topology: Topology; positions: TopologyPositions } | { errors: TopologyInputError[] };

export interface LoadOptions {
  /** Files larger than this are refused before reading (default 48 MiB). */
  maxBytes?: number;
  /** "yaml" or "json"; default: by extension, else by content. */
  format?: "yaml" | "json";
}

/** 48 MiB: a million share edges take about 30 MB of JSON; a file far bigger is a mistake (or an attack). */
export const DEFAULT_MAX_BYTES = 48 * 1024 * 1024;

/** Reads and loads a topology file. */
export function loadTopologyFile(file: string, options: LoadOptions = {}): LoadResult {
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const fail = (message: string): LoadResult => ({ errors: [fileError(file, message)] });
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return fail("is a directory, not a topology file");
    size = st.size;
  } catch (e) {
    return fail(describeFsError(e));
  }
  if (size > max) {
    return fail(`the file is ${megabytes(size)}, larger than the ${megabytes(max)} a topology file may have (a million share edges take about 30 MB of JSON)`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return fail(describeFsError(e));
  }
  return loadTopologyText(text, file, options);
}

function megabytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function describeFsError(e: unknown): string {
  const code = (e as { code?: string })?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory, not a topology file";
  return `cannot read the file (${code ?? (e as Error)?.message ?? String(e)})`;
}

/** Loads a topology from text; `file` names it in errors and picks the format by extension. */
export function loadTopologyText(text: string, file = "<input>", options: LoadOptions = {}): LoadResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === "") {
    return { errors: [fileError(file, "the file is empty: a topology needs at least profile, accounts and images", { line: 1, column: 1 })] };
  }
  const format = options.format ?? formatOf(file, text);
  if (format === "json") {
    const read = readJson(file, text);
    if ("error" in read) return { errors: [read.error] };
    return loadTopologyData(read.data, read.positions);
  }
  // Loaded only for YAML (with js-yaml and yaml), as zod only for a file the fast check refuses:
  // a command's start-up is part of what users wait for.
  const { readYaml } = require("./yaml") as typeof import("./yaml");
  const read = readYaml(file, text);
  if ("errors" in read) return read;
  return loadTopologyData(read.data, read.positions);
}

function formatOf(file: string, text: string): "yaml" | "json" {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  const first = text.trimStart()[0];
  return first === "{" ? "json" : "yaml";
}

/** Checks and resolves already-parsed data; positions place its errors. */
export function loadTopologyData(data: unknown, positions: TopologyPositions): LoadResult {
  const at = (segments: PathSegment[], message: string): TopologyInputError => ({
    file: positions.file,
    ...(positions.locate(segments) ?? {}),
    path: formatPath(segments),
    segments,
    message,
  });
  if (data === null || data === undefined) return { errors: [at([], "the file holds no topology: it needs at least profile, accounts and images")] };
  if (typeof data !== "object" || Array.isArray(data)) {
    const { describeValue } = require("./schemaErrors") as typeof import("./schemaErrors");
    return { errors: [at([], `expected a mapping (profile, accounts, images, ...) at the top level, got ${describeValue(data)}`)] };
  }
  // A valid file passes the fast check compiled from the schema; zod reads anything else, and says what is wrong.
  let input: TopologyInput;
  if (acceptsTopology(data)) input = data as TopologyInput;
  else {
    const { TopologySchema } = require("./schema") as typeof import("./schema");
    const { schemaErrors } = require("./schemaErrors") as typeof import("./schemaErrors");
    const parsed = TopologySchema.safeParse(data);
    if (!parsed.success) return { errors: byPosition(schemaErrors(parsed.error, data, at)) };
    input = parsed.data;
  }
  const errors = resolveReferences(input, at, (segments) => positions.locate(segments)?.line);
  if (errors.length > 0) return { errors: byPosition(errors) };
  return { topology: toTopology(input), positions };
}
