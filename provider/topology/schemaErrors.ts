/**
 * zod's issues in a topology file's words: each at its path, saying what was expected and what
 * the file holds (`expected a string, got number 42 (write it in quotes ...)`), with a "did you
 * mean" for an unknown key among the keys the schema allows at that place.
 */
import { z, type ZodError } from "zod";
import type { PathSegment, TopologyInputError } from "./errors";
import { didYouMean } from "./suggest";
import { TopologySchema } from "./schema";

type At = (segments: PathSegment[], message: string) => TopologyInputError;

/** `root`: the schema the data was checked against (for the keys a place allows). */
export function schemaErrors(error: ZodError, data: unknown, at: At, root: z.core.$ZodType = TopologySchema): TopologyInputError[] {
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
        for (const k of issue.keys ?? []) push(at([...segments, k], `unknown key "${k}"${didYouMean(k, keysAt(segments, root), { ignoreCase: true })}`));
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
        // Member references (a string or { account, project }) and existingMembers (a count or a
        // list): report the branch the value meant, a mapping or a list.
        if (value !== null && typeof value === "object" && issue.errors) {
          const branch = issue.errors.find((b) => b.some((i) => i.path.length > 0 || i.code === "unrecognized_keys")) ?? issue.errors[issue.errors.length - 1];
          for (const i of branch) visit(i, segments);
          return;
        }
        const expected = segments[segments.length - 1] === "existingMembers" ? "a number of members, or a list of { account, project, status }" : "an account key or { account, project }";
        push(at(segments, `expected ${expected}, got ${describeValue(value)}`));
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

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  values?: unknown[];
  keys?: string[];
  errors?: ZodIssueLike[][];
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

/** `null`, `a list`, `the string "abc"`, `number 42`: a value as an error message names it. */
export function describeValue(v: unknown): string {
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

/** The keys the schema allows in the mapping at `segments` (none where it is not a mapping). */
export function keysAt(segments: readonly PathSegment[], root: z.core.$ZodType = TopologySchema): string[] {
  let schema: z.core.$ZodType | undefined = root;
  for (const seg of segments) {
    schema = schema && childSchema(schema, seg);
  }
  const object = schema && objectIn(schema);
  return object ? Object.keys(object._zod.def.shape) : [];
}

/** The schema of the value under `seg` (a key of a mapping, an index of a list). */
function childSchema(schema: z.core.$ZodType, seg: PathSegment): z.core.$ZodType | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return typeof seg === "string" ? (s.shape as Record<string, z.core.$ZodType>)[seg] : undefined;
  if (s instanceof z.ZodRecord) return typeof seg === "string" ? s._zod.def.valueType : undefined;
  if (s instanceof z.ZodArray) return typeof seg === "number" ? s._zod.def.element : undefined;
  if (s instanceof z.ZodUnion) {
    // A member reference (the mapping branch has keys), existingMembers (the list branch has items).
    for (const option of s._zod.def.options) {
      const child = childSchema(option, seg);
      if (child) return child;
    }
  }
  return undefined;
}

function objectIn(schema: z.core.$ZodType): z.ZodObject | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodObject) return s;
  if (s instanceof z.ZodUnion) for (const o of s._zod.def.options) if (unwrap(o) instanceof z.ZodObject) return unwrap(o) as z.ZodObject;
  return undefined;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s._zod.def.innerType;
  return s;
}
