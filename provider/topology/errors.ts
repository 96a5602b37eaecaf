/**
 * Input errors of topology files: what is wrong and where (file, line:column, path), and how
 * they read on a terminal. Shared by every part of the loader.
 */

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

/** An error about the whole file (no path), placed where known. */
export function fileError(file: string, message: string, where: Partial<Position> = {}): TopologyInputError {
  return { file, ...where, path: "", segments: [], message };
}

/** Errors in the order of the file (those without a place first, in the order found). */
export function byPosition(errors: TopologyInputError[]): TopologyInputError[] {
  return errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.line ?? 0) - (b.e.line ?? 0) || (a.e.column ?? 0) - (b.e.column ?? 0) || a.i - b.i)
    .map((x) => x.e);
}

/** The first line of a message, trimmed (parsers' messages may carry a code frame below). */
export function firstLine(s: string): string {
  const i = s.indexOf("\n");
  return (i === -1 ? s : s.slice(0, i)).trim();
}
