/**
 * Reads a topology file (YAML or JSON): parse, check shapes with the zod schema, then resolve
 * every reference between sections and check the clouds' id formats. Returns either the
 * topology (the rules core's model) with a way to find any path's line and column, or every
 * input error found, each with its place in the file. Never throws for bad input.
 *
 * JSON is parsed with JSON.parse (fast: a million share edges are tens of megabytes), YAML with
 * js-yaml under a schema that reads scalars as `yaml`'s YAML 1.2 core schema does (yamlData.ts;
 * `yaml`'s document model takes tens of seconds on a few megabytes). Positions of either are
 * worked out with the `yaml` parser only when one is asked for (an error, a violation to
 * annotate). A YAML file with directives (`%YAML 1.1` changes what `yes` means) is read by
 * `yaml` alone, as before.
 */
import { readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node as YamlNode } from "yaml";
import type { ZodError } from "zod";
import type { Acceptance, Copy, Image, MemberRef, ProfileId, Share, Topology } from "../rules/model";
import { PROFILE_IDS } from "../rules/model";
import { TopologySchema, type TopologyInput } from "./schema";
import { checkId, isValidId } from "./ids";
import { readYamlData } from "./yamlData";

export type PathSegment = string | number;

/** One input error: what is wrong, and where. */
export interface TopologyInputError {
  file: string;
  /** 1-based; absent when the place cannot be found (e.g. the file could not be read). */
  line?: number;
  column?: number;
  /** The path in the file as text, e.g. `shares[2].members[0]` ("" for the whole file). */
  path: string;
  segments: PathSegment[];
  message: string;
}

export interface Position {
  line: number;
  column: number;
}

/** Finds the line and column of a path in the file (e.g. a violation's `path`). */
export interface TopologyPositions {
  file: string;
  /** The position of the deepest node of the path that exists in the file, or undefined. */
  locate(segments: readonly PathSegment[]): Position | undefined;
}

export type LoadResult = { topology: Topology; positions: TopologyPositions } | { errors: TopologyInputError[] };

export interface LoadOptions {
  /** Files larger than this are refused before reading (default 48 MiB). */
  maxBytes?: number;
  /** "yaml" or "json"; default: by extension, else by content. */
  format?: "yaml" | "json";
}

/** 48 MiB: a million share edges take about 30 MB of JSON; a file far bigger is a mistake (or an attack). */
export const DEFAULT_MAX_BYTES = 48 * 1024 * 1024;

/** `shares[2].members[0]`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** `team.yaml:14:9 shares[2].members[0]: unknown account "team-x"`. */
export function formatInputError(e: TopologyInputError): string {
  const where = e.line !== undefined ? `${e.file}:${e.line}:${e.column ?? 1}` : e.file;
  return e.path ? `${where} ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}

/** Reads and loads a topology file. */
export function loadTopologyFile(file: string, options: LoadOptions = {}): LoadResult {
  const max = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const fail = (message: string): LoadResult => ({ errors: [{ file, path: "", segments: [], message }] });
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
  const format = options.format ?? formatOf(file, text);
  if (text.trim() === "") {
    return { errors: [{ file, line: 1, column: 1, path: "", segments: [], message: "the file is empty: a topology needs at least profile, accounts and images" }] };
  }
  let data: unknown;
  let positions: TopologyPositions;
  if (format === "json") {
    try {
      data = JSON.parse(text);
    } catch (e) {
      return { errors: [jsonSyntaxError(file, text, e)] };
    }
    const dup = findDuplicateJsonKey(text);
    positions = lazyPositions(file, text);
    if (dup) return { errors: [{ file, ...lineColumn(text, dup.offset), path: formatPath(dup.segments), segments: dup.segments, message: `duplicate key "${dup.key}"` }] };
  } else if (!hasYamlContent(text)) {
    // Blank lines and comments only: no document (checked apart: js-yaml is slow on long comments).
    data = null;
    positions = { file, locate: () => undefined };
  } else if (text.charCodeAt(0) === 0x25 /* % */ || text.indexOf("\n%") !== -1) {
    // Directives: rare, and `%YAML 1.1` changes the schema; `yaml` reads them as it always has.
    const parsed = parseYaml(file, text);
    if ("errors" in parsed) return parsed;
    data = parsed.data;
    positions = parsed.positions;
  } else {
    const read = readYamlData(text);
    if ("error" in read) return { errors: [yamlSyntaxError(file, text, read.error)] };
    data = read.data;
    positions = lazyPositions(file, text);
  }
  return loadTopologyData(data, positions);
}

/** Checks and resolves already-parsed data; positions place its errors. */
export function loadTopologyData(data: unknown, positions: TopologyPositions): LoadResult {
  const file = positions.file;
  const at = (segments: PathSegment[], message: string): TopologyInputError => ({
    file,
    ...(positions.locate(segments) ?? {}),
    path: formatPath(segments),
    segments,
    message,
  });
  if (data === null || data === undefined) return { errors: [at([], "the file holds no topology: it needs at least profile, accounts and images")] };
  if (typeof data !== "object" || Array.isArray(data)) {
    return { errors: [at([], `expected a mapping (profile, accounts, images, ...) at the top level, got ${describeValue(data)}`)] };
  }
  const parsed = TopologySchema.safeParse(data);
  if (!parsed.success) return { errors: byPosition(zodErrors(parsed.error, data, at)) };
  const errors = resolve(parsed.data, at);
  if (errors.length > 0) return { errors: byPosition(errors) };
  return { topology: toTopology(parsed.data), positions };
}

/** Errors in the order of the file (those without a place first, in the order found). */
function byPosition(errors: TopologyInputError[]): TopologyInputError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.line ?? 0) - (b.e.line ?? 0) || (a.e.column ?? 0) - (b.e.column ?? 0) || a.i - b.i)
    .map((x) => x.e);
}

/** Whether any line holds more than blanks and a comment. */
function hasYamlContent(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (c !== 0x23 /* # */) return true;
    const nl = text.indexOf("\n", i);
    if (nl === -1) return false;
    i = nl;
  }
  return false;
}

function formatOf(file: string, text: string): "yaml" | "json" {
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  const first = text.trimStart()[0];
  return first === "{" ? "json" : "yaml";
}

// ---------------------------------------------------------------------------------------------
// Positions

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function nodePositions(file: string, doc: Document, counter: LineCounter): TopologyPositions {
  return {
    file,
    locate(segments) {
      const offset = offsetOf(doc, segments);
      if (offset === undefined) return undefined;
      const p = counter.linePos(offset);
      return { line: p.line, column: p.col };
    },
  };
}

/** Offset of the deepest node of the path present in the document. */
function offsetOf(doc: Document, segments: readonly PathSegment[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      // The key for the last segment (where a person looks for "shares[2].by"), else the value.
      const last = i === segments.length - 1;
      offset = (last ? rangeStart(pair.key) : undefined) ?? rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as YamlNode | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Positions of a JSON or YAML file: parsed by `yaml` the first time a position is asked for. */
function lazyPositions(file: string, text: string): TopologyPositions {
  let inner: TopologyPositions | null | undefined;
  return {
    file,
    locate(segments) {
      if (inner === undefined) {
        try {
          const counter = new LineCounter();
          const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: false, prettyErrors: false });
          inner = nodePositions(file, doc, counter);
        } catch {
          inner = null;
        }
      }
      return inner ? inner.locate(segments) : undefined;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing

function parseYaml(file: string, text: string): { data: unknown; positions: TopologyPositions } | { errors: TopologyInputError[] } {
  const counter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (e) {
    return { errors: [{ file, path: "", segments: [], message: `not valid YAML: ${(e as Error)?.message ?? String(e)}` }] };
  }
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((err) => {
        const p = counter.linePos(err.pos[0]);
        const message =
          err.code === "DUPLICATE_KEY"
            ? `duplicate key ${JSON.stringify(firstLine(text.slice(err.pos[0], err.pos[0] + 80)).replace(/\s*:.*$/, ""))}`
            : `not valid YAML: ${firstLine(err.message)}`;
        return { file, line: p.line, column: p.col, path: "", segments: [], message };
      }),
    };
  }
  const positions = nodePositions(file, doc, counter);
  let data: unknown;
  try {
    // maxAliasCount guards against alias bombs ("billion laughs").
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    return { errors: [{ file, line: 1, column: 1, path: "", segments: [], message: `not valid YAML: ${firstLine((e as Error)?.message ?? String(e))}` }] };
  }
  return { data, positions };
}

function yamlSyntaxError(file: string, text: string, e: { message: string; offset?: number; line?: number; column?: number; duplicateKey?: boolean }): TopologyInputError {
  const where = e.line !== undefined ? { line: e.line, column: e.column ?? 1 } : e.offset !== undefined ? lineColumn(text, e.offset) : { line: 1, column: 1 };
  // The key as written at the duplicate's place, as the `yaml` path reports it.
  const message =
    e.duplicateKey && e.offset !== undefined
      ? `duplicate key ${JSON.stringify(firstLine(text.slice(e.offset, e.offset + 80)).replace(/\s*:.*$/, ""))}`
      : `not valid YAML: ${firstLine(e.message)}`;
  return { file, ...where, path: "", segments: [], message };
}

function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return (i === -1 ? s : s.slice(0, i)).trim();
}

function jsonSyntaxError(file: string, text: string, e: unknown): TopologyInputError {
  const message = (e as Error)?.message ?? String(e);
  // Node's messages: "... in JSON at position 123 (line 4 column 5)" or "... at position 123".
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  const where = lc ? { line: Number(lc[1]), column: Number(lc[2]) } : pos ? lineColumn(text, Number(pos[1])) : {};
  const clean = message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "").replace(/^JSON\.parse: /, "");
  return { file, ...where, path: "", segments: [], message: `not valid JSON: ${clean}` };
}

/**
 * JSON.parse keeps the last of duplicate keys silently; a topology file must not (two images
 * of one key are a mistake). A single pass over the text, tracking the keys of each open object.
 */
function findDuplicateJsonKey(text: string): { key: string; offset: number; segments: PathSegment[] } | undefined {
  type Frame = { keys: Set<string> | null; segment: PathSegment | undefined; index: number };
  const stack: Frame[] = [];
  const segments: PathSegment[] = [];
  let pendingKey: string | undefined;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let hasEscape = false;
      while (j < text.length && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c) {
          hasEscape = true;
          j++;
        }
        j++;
      }
      const top = stack[stack.length - 1];
      if (top && top.keys && expectKey) {
        const raw = text.slice(i, j + 1);
        const key = hasEscape ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (top.keys.has(key)) return { key, offset: i, segments: [...segments] };
        top.keys.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const top = stack[stack.length - 1];
      const seg = top ? (top.keys ? pendingKey : top.index) : undefined;
      if (seg !== undefined) segments.push(seg);
      stack.push({ keys: c === 0x7b ? new Set() : null, segment: seg, index: 0 });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      const frame = stack.pop();
      if (frame && frame.segment !== undefined) segments.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top) {
        if (top.keys) expectKey = true;
        else top.index++;
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Schema errors

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "..." : v)}`;
  // A YAML integer beyond 2^53 is read exactly, as a BigInt (yamlData.ts).
  if (typeof v === "bigint") return `number ${String(v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Where a string was expected and a number came: ids look like numbers (alicloud, tencentcloud). */
function quoteHint(v: unknown): string {
  if (typeof v === "bigint") return " (too long for a number: write the id in quotes, as the cloud shows it)";
  if (typeof v !== "number" || !Number.isFinite(v)) return "";
  if (Number.isInteger(v) && !Number.isSafeInteger(v)) return " (too long for a number, so digits may be lost: write the id quoted, as it is in the cloud)";
  // Not the number's digits: `007` or `0x10` would not come back as written.
  return " (write it in quotes, as the cloud shows it)";
}

function valueAt(data: unknown, segments: readonly PathSegment[]): unknown {
  let v: unknown = data;
  for (const s of segments) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, s)) return undefined;
    v = (v as Record<string, unknown>)[s as string];
  }
  return v;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  record: "a mapping",
};

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  errors?: ZodIssueLike[][];
}

function zodErrors(error: ZodError, data: unknown, at: (s: PathSegment[], m: string) => TopologyInputError): TopologyInputError[] {
  const out: TopologyInputError[] = [];
  const seen = new Set<string>();
  const push = (e: TopologyInputError) => {
    const k = `${e.path}\u0000${e.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(e);
    }
  };
  const visit = (issue: ZodIssueLike, base: PathSegment[]) => {
    const segments = [...base, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))] as PathSegment[];
    const value = valueAt(data, segments);
    switch (issue.code) {
      case "unrecognized_keys":
        for (const k of issue.keys ?? []) push(at([...segments, k], `unknown key "${k}"${suggest(segments, k)}`));
        return;
      case "invalid_type": {
        const want = TYPE_WORDS[issue.expected ?? ""] ?? issue.expected ?? "another type";
        const hint = issue.expected === "string" ? quoteHint(value) : typeof value === "bigint" ? " (too large)" : "";
        push(at(segments, value === undefined ? `is required (${want})` : `expected ${want}, got ${describeValue(value)}${hint}`));
        return;
      }
      case "invalid_value":
        push(at(segments, `must be one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(", ")}; got ${describeValue(value)}`));
        return;
      case "invalid_union": {
        // Member references: a string or { account, project }. Report the branch the value meant.
        if (value !== null && typeof value === "object" && !Array.isArray(value) && issue.errors) {
          const branch = issue.errors.find((b) => b.some((i) => i.path.length > 0 || i.code === "unrecognized_keys")) ?? issue.errors[issue.errors.length - 1];
          for (const i of branch) visit(i, segments);
          return;
        }
        push(at(segments, `expected an account key or { account, project }, got ${describeValue(value)}`));
        return;
      }
      case "too_small":
        push(at(segments, typeof value === "string" ? "must not be empty" : issue.message.replace(/^Too small: expected (number|int) to be /, "must be ")));
        return;
      default:
        push(at(segments, issue.message));
    }
  };
  for (const issue of error.issues as unknown as ZodIssueLike[]) visit(issue, []);
  return out;
}

const KNOWN_KEYS: Record<string, string[]> = {
  "": ["profile", "limits", "trust", "strictTrust", "accounts", "images", "shares", "acceptances", "copies"],
  accounts: ["id", "site", "projects"],
  images: ["id", "region", "owner", "project", "kind", "name", "description", "profile", "existingMembers"],
  shares: ["name", "image", "by", "members"],
  acceptances: ["name", "image", "member", "status"],
  copies: ["name", "source", "region", "by", "as", "imageName", "description"],
};

/** ` (did you mean "members"?)` for a near miss of a known key. */
function suggest(segments: PathSegment[], k: string): string {
  if (segments.length === 2 && segments[0] === "copies" && k === "name") return "";
  const section = segments.length === 0 ? "" : String(segments[0]);
  const candidates = KNOWN_KEYS[section] ?? [];
  if (segments[0] === "copies" && k === "name") return "";
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(k.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best ? ` (did you mean "${best}"?)` : "";
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

// ---------------------------------------------------------------------------------------------
// References

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Every reference between sections, and every id's format; errors in file order. */
function resolve(t: TopologyInput, at: (s: PathSegment[], m: string) => TopologyInputError): TopologyInputError[] {
  const errors: TopologyInputError[] = [];
  const err = (segments: PathSegment[], message: string) => errors.push(at(segments, message));
  const accounts = t.accounts;
  const images = t.images;
  const shares = t.shares ?? [];
  const acceptances = t.acceptances ?? [];
  const copies = t.copies ?? [];
  const accountKeys = Object.keys(accounts);
  // Sets, not hasOwnProperty on the parsed objects: a million member references are checked.
  const accountSet = new Set(accountKeys);
  const isAccount = (k: string) => accountSet.has(k);
  const unknownAccount = (k: string) => `unknown account "${k}"${nearest(k, accountKeys)}`;

  // Profiles present (images may name their own): an account id must fit one of them.
  const profiles = new Set<ProfileId>([t.profile]);
  for (const k of Object.keys(images)) if (images[k].profile) profiles.add(images[k].profile!);
  const hasHuawei = profiles.has("huaweicloud");

  for (const [i, k] of (t.trust ?? []).entries()) if (!hasOwn(accounts, k)) err(["trust", i], unknownAccount(k));

  for (const ak of accountKeys) {
    const a = accounts[ak];
    if (![...profiles].some((p) => isValidId(p, "account", a.id))) err(["accounts", ak, "id"], checkId(t.profile, "account", a.id)!);
    if (a.site !== undefined && !hasHuawei) err(["accounts", ak, "site"], "site applies to huaweicloud only (its China and international sites)");
    for (const [pk, p] of Object.entries(a.projects ?? {})) {
      if (![...profiles].some((pr) => isValidId(pr, "project", p.id))) err(["accounts", ak, "projects", pk, "id"], checkId(t.profile, "project", p.id)!);
      if (![...profiles].some((pr) => isValidId(pr, "region", p.region))) err(["accounts", ak, "projects", pk, "region"], checkId(t.profile, "region", p.region)!);
    }
  }

  // Copies: who produces which image key.
  const producer = new Map<string, number>();
  for (const [c, copy] of copies.entries()) {
    const earlier = producer.get(copy.as);
    if (earlier !== undefined) {
      err(["copies", c, "as"], `image "${copy.as}" is already the product of copy "${copies[earlier].name}" (copies[${earlier}])`);
      continue;
    }
    producer.set(copy.as, c);
    const declared = hasOwn(images, copy.as) ? images[copy.as] : undefined;
    if (declared && declared.id !== undefined) {
      err(["copies", c, "as"], `image "${copy.as}" already exists (it has an id under images); a copy needs a new image key`);
    }
  }
  const imageSet = new Set(Object.keys(images));
  const imageExists = (k: string) => imageSet.has(k) || producer.has(k);
  const imageKeys = () => [...Object.keys(images), ...producer.keys()];
  const unknownImage = (k: string) => `unknown image "${k}"${nearest(k, imageKeys())}`;

  // Each image's profile, owner and region, following copies (a copy's product: the copier, the copy's region).
  type Info = { profile: ProfileId; owner?: string; region?: string; kind?: string } | null;
  const info = new Map<string, Info>();
  const state = new Map<string, 1 | 2>();
  const cyclic = new Set<number>();
  const infoOf = (k: string): Info => {
    if (info.has(k)) return info.get(k)!;
    const c = producer.get(k);
    const decl = hasOwn(images, k) ? images[k] : undefined;
    if (c === undefined || (decl && decl.id !== undefined)) {
      const r: Info = decl ? { profile: decl.profile ?? t.profile, owner: decl.owner, region: decl.region, kind: decl.kind } : null;
      info.set(k, r);
      return r;
    }
    if (state.get(k) === 1) {
      cyclic.add(c);
      return null;
    }
    state.set(k, 1);
    const copy = copies[c];
    const src = copy.source === k ? null : infoOf(copy.source);
    if (copy.source === k) cyclic.add(c);
    const r: Info = src
      ? { profile: decl?.profile ?? src.profile, owner: copy.by ?? src.owner, region: copy.region, kind: src.kind }
      : { profile: decl?.profile ?? t.profile, owner: copy.by, region: copy.region };
    state.set(k, 2);
    info.set(k, r);
    return r;
  };

  for (const ik of Object.keys(images)) {
    const img = images[ik];
    const base: PathSegment[] = ["images", ik];
    const profile = img.profile ?? t.profile;
    if (img.id === undefined) {
      const c = producer.get(ik);
      if (c === undefined) {
        err(base, `image "${ik}" has no id and no copy produces it (give its id, or add a copy with as: ${ik})`);
        continue;
      }
      // A declared product: what it says must agree with the copy, which decides.
      const product = infoOf(ik);
      if (img.region !== undefined && img.region !== copies[c].region) err([...base, "region"], `is ${img.region}, but copy "${copies[c].name}" makes it in ${copies[c].region}`);
      if (img.owner !== undefined && product?.owner !== undefined && img.owner !== product.owner) err([...base, "owner"], `is ${img.owner}, but copy "${copies[c].name}" makes it for ${product.owner} (the copying account)`);
      if (img.kind !== undefined && product?.kind !== undefined && img.kind !== product.kind) err([...base, "kind"], `is ${img.kind}, but its source is a ${product.kind} image`);
      if (img.owner !== undefined && !hasOwn(accounts, img.owner)) err([...base, "owner"], unknownAccount(img.owner));
      checkImageProject(img.project, product?.owner ?? img.owner, img.region ?? copies[c].region, profile, base);
      continue;
    }
    const idErr = checkId(profile, "image", img.id);
    if (idErr) err([...base, "id"], idErr);
    const regionErr = img.region !== undefined ? checkId(profile, "region", img.region) : undefined;
    if (regionErr) err([...base, "region"], regionErr);
    if (img.owner !== undefined && !hasOwn(accounts, img.owner)) {
      err([...base, "owner"], unknownAccount(img.owner));
      continue;
    }
    checkImageProject(img.project, img.owner, img.region, profile, base);
  }

  function checkImageProject(project: string | undefined, owner: string | undefined, region: string | undefined, profile: ProfileId, base: PathSegment[]) {
    if (owner === undefined || !hasOwn(accounts, owner)) return;
    const projects = accounts[owner].projects ?? {};
    if (project !== undefined) {
      if (!hasOwn(projects, project)) {
        err([...base, "project"], `"${project}" is not a project of the owner, account "${owner}"${nearest(project, Object.keys(projects))}`);
      } else if (region !== undefined && projects[project].region !== region) {
        err([...base, "project"], `project "${project}" is in ${projects[project].region}, but the image is in ${region}`);
      }
      return;
    }
    if ((profile === "huaweicloud" || profile === "opentelekomcloud") && region !== undefined) {
      const inRegion = Object.keys(projects).filter((pk) => projects[pk].region === region);
      if (inRegion.length > 1) err(base, `the owner "${owner}" has several projects in ${region} (${inRegion.join(", ")}): name the one holding the image with project:`);
    }
  }

  // Paths are built only for an error: `at` is (base, key, index) of the member reference.
  const checkMember = (ref: MemberRef, base: PathSegment[], field: string, index: number | undefined, imageKey: string) => {
    const where = (...more: PathSegment[]): PathSegment[] => (index === undefined ? [...base, field, ...more] : [...base, field, index, ...more]);
    const account = typeof ref === "string" ? ref : ref.account;
    if (!isAccount(account)) {
      err(typeof ref === "string" ? where() : where("account"), unknownAccount(account));
      return;
    }
    if (typeof ref === "string" && t.profile !== "opentelekomcloud" && !anyImageProfile) return; // the common case: nothing more to check
    const img = imageExists(imageKey) ? infoOf(imageKey) : null;
    const profile = img?.profile ?? t.profile;
    const projects = accounts[account].projects ?? {};
    if (typeof ref !== "string" && ref.project !== undefined) {
      if (profile === "alicloud" || profile === "tencentcloud") {
        err(where("project"), `${profile} shares with accounts, not projects: write the member as ${account}`);
      } else if (!hasOwn(projects, ref.project)) {
        err(where("project"), `"${ref.project}" is not a project of account "${account}"${nearest(ref.project, Object.keys(projects))}`);
      }
      return;
    }
    // opentelekomcloud shares with a project: a bare account stands for its only project in the
    // image's region (none: cross-region-share reports it; several: the file must pick one).
    if (profile === "opentelekomcloud" && img?.region !== undefined) {
      let first: string | undefined;
      let several: string[] | undefined;
      for (const pk in projects) {
        if (!hasOwn(projects, pk) || projects[pk].region !== img.region) continue;
        if (first === undefined) first = pk;
        else (several ??= [first]).push(pk);
      }
      if (several) {
        err(where(), `account "${account}" has several projects in ${img.region} (${several.join(", ")}): opentelekomcloud shares with one project, write { account: ${account}, project: ${first} }`);
      }
    }
  };
  const anyImageProfile = Object.keys(images).some((k) => images[k].profile !== undefined && images[k].profile !== t.profile);

  // Resource names: violations are attributed by name, so one name is one resource.
  // name -> where first declared, as one number (section * 2^32 + index): no string per resource.
  const SECTIONS = ["shares", "acceptances", "copies"];
  const names = new Map<string, number>();
  const claim = (name: string, section: string, i: number) => {
    const earlier = names.get(name);
    if (earlier !== undefined) {
      err([section, i, "name"], `duplicate name "${name}" (also ${SECTIONS[Math.floor(earlier / 2 ** 32)]}[${earlier % 2 ** 32}])`);
    } else names.set(name, SECTIONS.indexOf(section) * 2 ** 32 + i);
  };

  for (let s = 0; s < shares.length; s++) {
    const share = shares[s];
    const base: PathSegment[] = ["shares", s];
    claim(share.name, "shares", s);
    if (!imageExists(share.image)) err([...base, "image"], unknownImage(share.image));
    if (share.by !== undefined && !isAccount(share.by)) err([...base, "by"], unknownAccount(share.by));
    const members = share.members;
    for (let m = 0; m < members.length; m++) checkMember(members[m], base, "members", m, share.image);
  }
  for (let a = 0; a < acceptances.length; a++) {
    const acc = acceptances[a];
    const base: PathSegment[] = ["acceptances", a];
    claim(acc.name, "acceptances", a);
    if (!imageExists(acc.image)) err([...base, "image"], unknownImage(acc.image));
    checkMember(acc.member, base, "member", undefined, acc.image);
  }
  for (const [c, copy] of copies.entries()) {
    const base: PathSegment[] = ["copies", c];
    claim(copy.name, "copies", c);
    if (!imageExists(copy.source)) err([...base, "source"], unknownImage(copy.source));
    else infoOf(copy.as);
    if (copy.by !== undefined && !hasOwn(accounts, copy.by)) err([...base, "by"], unknownAccount(copy.by));
    const src = imageExists(copy.source) ? infoOf(copy.source) : null;
    const regionErr = checkId(src?.profile ?? t.profile, "region", copy.region);
    if (regionErr) err([...base, "region"], regionErr);
  }
  // Cycles of copies: each copy points to at most one other (the producer of its source).
  const colour = new Uint8Array(copies.length); // 0 new, 1 on the current walk, 2 done
  for (let start = 0; start < copies.length; start++) {
    const walk: number[] = [];
    let c: number | undefined = start;
    while (c !== undefined && colour[c] === 0) {
      colour[c] = 1;
      walk.push(c);
      const next: number | undefined = producer.get(copies[c].source);
      c = next;
    }
    if (c !== undefined && colour[c] === 1) for (let i = walk.indexOf(c); i < walk.length; i++) cyclic.add(walk[i]);
    for (const w of walk) colour[w] = 2;
  }
  for (const c of [...cyclic].sort((x, y) => x - y)) {
    err(["copies", c, "source"], `copy "${copies[c].name}" copies ${copies[c].source}, which comes (through copies) from its own product ${copies[c].as}: a cycle of copies`);
  }
  return errors;
}

/** ` (did you mean "team-a"?)`. */
function nearest(k: string, candidates: string[]): string {
  if (candidates.length > 10000) return "";
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(k, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined ? ` (did you mean "${best}"?)` : "";
}

// ---------------------------------------------------------------------------------------------
// To the rules core's model

function toTopology(t: TopologyInput): Topology {
  const copies: Copy[] = (t.copies ?? []) as Copy[];
  const byAs = new Map<string, Copy>();
  for (const c of copies) if (!byAs.has(c.as)) byAs.set(c.as, c);
  const images: Record<string, Image> = {};
  for (const k of Object.keys(t.images)) {
    const img = t.images[k];
    if (img.id !== undefined) {
      images[k] = img as Image;
      continue;
    }
    // A declared product: the copy decides region, owner and kind (the rules core reads them from
    // the copy too); fill what the declaration leaves out so the model's required fields hold.
    const copy = byAs.get(k)!;
    const source = sourceImage(k, t, byAs);
    const filled: Image = {
      ...img,
      region: img.region ?? copy.region,
      owner: img.owner ?? copy.by ?? source?.owner ?? "",
      kind: img.kind ?? source?.kind ?? "system",
      name: img.name ?? copy.imageName ?? source?.name ?? k,
    };
    images[k] = filled;
  }
  const topology: Topology = {
    profile: t.profile,
    accounts: t.accounts,
    images,
    shares: (t.shares ?? []) as Share[],
    acceptances: (t.acceptances ?? []) as Acceptance[],
    copies,
  };
  if (t.limits !== undefined) topology.limits = t.limits;
  if (t.trust !== undefined) topology.trust = t.trust;
  if (t.strictTrust !== undefined) topology.strictTrust = t.strictTrust;
  return topology;
}

/** The image with an id that a product comes from, following copies (checked acyclic). */
function sourceImage(k: string, t: TopologyInput, byAs: Map<string, Copy>): TopologyInput["images"][string] | undefined {
  let key = k;
  for (let guard = 0; guard <= byAs.size; guard++) {
    const decl = hasOwn(t.images, key) ? t.images[key] : undefined;
    if (decl && decl.id !== undefined) return decl;
    const copy = byAs.get(key);
    if (!copy) return decl;
    key = copy.source;
  }
  return undefined;
}

/** The profile ids, for messages and the CLI. */
export const PROFILES_LIST = PROFILE_IDS;
