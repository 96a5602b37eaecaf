/**
 * Fast YAML reading for topology files: js-yaml builds the data (seconds faster than `yaml`'s
 * document model on a large file), with a schema that reads plain scalars exactly as `yaml`'s
 * YAML 1.2 core schema does (the loader's positions and older behaviour come from `yaml`):
 * `yes`/`on` stay strings, `1e3` and `0o17` are numbers, `0b101`, `-0x10` and dates are strings.
 * One deliberate difference: an integer too long for a JavaScript number is read as a BigInt,
 * exact, so the schema's error names its real digits (an unquoted 19-digit account id).
 */
import { load, FAILSAFE_SCHEMA, Type, type LoadOptions, type YAMLException } from "js-yaml";

/** The regular expressions and conversions of `yaml` 2's core schema (schema/core, common/null). */
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

function toInt(s: string): number | bigint {
  const n = INT_OCT.test(s) ? parseInt(s.slice(2), 8) : INT_HEX.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10);
  if (Number.isSafeInteger(n)) return n;
  // Beyond 2^53 a number loses digits: keep them (BigInt understands 0o, 0x and a sign).
  return BigInt(s.startsWith("+") ? s.slice(1) : s);
}

function toFloat(s: string): number {
  if (FLOAT_NAN.test(s)) return s.slice(-3).toLowerCase() === "nan" ? NaN : s[0] === "-" ? -Infinity : Infinity;
  return parseFloat(s);
}

const isString = (d: unknown): d is string => typeof d === "string";

const nullType = new Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (d: unknown) => d === null || (isString(d) && NULL.test(d)),
  construct: () => null,
  predicate: (o: unknown) => o === null,
});
const boolType = new Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (d: unknown) => isString(d) && BOOL.test(d),
  construct: (d: string) => d[0] === "t" || d[0] === "T",
  predicate: (o: unknown) => typeof o === "boolean",
});
const intType = new Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (d: unknown) => isString(d) && (INT_DEC.test(d) || INT_OCT.test(d) || INT_HEX.test(d)),
  construct: toInt,
  predicate: (o: unknown) => (typeof o === "number" && Number.isInteger(o)) || typeof o === "bigint",
});
const floatType = new Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (d: unknown) => isString(d) && (FLOAT_NAN.test(d) || FLOAT_EXP.test(d) || FLOAT.test(d)),
  construct: toFloat,
  predicate: (o: unknown) => typeof o === "number",
});

/** str, seq, map, plus `yaml`'s core null, bool, int and float; no timestamps, no merge keys. */
export const CORE_SCHEMA_AS_YAML = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/** Aliases may repeat nodes; beyond this many repeated nodes the file is refused (an alias bomb). */
export const MAX_ALIAS_NODES = 1_000_000;

export type YamlDataResult =
  | { data: unknown }
  /** offset/line/column (1-based) when the place is known. */
  | { error: { message: string; offset?: number; line?: number; column?: number; duplicateKey?: boolean } };

/** Parses one YAML document to data; never throws. `listener` sees js-yaml's node events (positions.ts). */
export function readYamlData(text: string, listener?: LoadOptions["listener"]): YamlDataResult {
  let data: unknown;
  try {
    data = load(text, { schema: CORE_SCHEMA_AS_YAML, ...(listener ? { listener } : {}) });
  } catch (e) {
    const ex = e as YAMLException & { reason?: string; mark?: { position: number; line: number; column: number } };
    if (ex?.name !== "YAMLException") return { error: { message: (e as Error)?.message ?? String(e) } };
    const reason = ex.reason ?? ex.message;
    if (/single document/.test(reason)) {
      const offset = secondDocumentOffset(text);
      return { error: { message: "the file holds several YAML documents; a topology is one", ...(offset !== undefined ? { offset } : {}) } };
    }
    const mark = ex.mark;
    const where = mark && mark.line >= 0 ? { offset: mark.position, line: mark.line + 1, column: mark.column + 1 } : {};
    return { error: { message: reason, duplicateKey: /duplicated mapping key/.test(reason), ...where } };
  }
  if (text.indexOf("*") !== -1) {
    const problem = aliasProblem(data);
    if (problem) return { error: { message: problem } };
  }
  return { data };
}

/** Where a second document starts: a `---` line after content, or content after a `...` line. */
function secondDocumentOffset(text: string): number | undefined {
  let content = false;
  let ended = false;
  for (let offset = 0; offset < text.length; ) {
    const nl = text.indexOf("\n", offset);
    const end = nl === -1 ? text.length : nl;
    const line = text.slice(offset, end);
    const marker = /^(---|\.\.\.)(?=\s|$)/.exec(line)?.[1];
    if (marker === "---") {
      if (content || ended) return offset;
      content = /^---\s+[^\s#]/.test(line);
    } else if (marker === "...") {
      ended = content;
    } else if (/^\s*[^\s#%]/.test(line)) {
      if (ended) return offset;
      content = true;
    }
    offset = end + 1;
  }
  return undefined;
}

/**
 * js-yaml shares an aliased node instead of copying it: a cycle (`a: &a [*a]`) or an alias bomb
 * would make the schema check walk forever or for a very long time. Counted once per node.
 */
function aliasProblem(data: unknown): string | undefined {
  const size = new Map<object, number>();
  const open = new Set<object>();
  let repeated = 0;
  const visit = (v: unknown): number => {
    if (v === null || typeof v !== "object") return 1;
    const known = size.get(v);
    if (known !== undefined) {
      repeated += known;
      if (repeated > MAX_ALIAS_NODES) throw new AliasError(`aliases repeat more than ${MAX_ALIAS_NODES.toLocaleString("en")} nodes (an alias bomb?)`);
      return known;
    }
    if (open.has(v)) throw new AliasError("an alias refers to a node that contains it (a recursive structure)");
    open.add(v);
    let n = 1;
    for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) n += visit((v as Record<string, unknown>)[k]);
    open.delete(v);
    size.set(v, n);
    return n;
  };
  try {
    visit(data);
  } catch (e) {
    if (e instanceof AliasError) return e.message;
    throw e;
  }
  return undefined;
}

class AliasError extends Error {}
