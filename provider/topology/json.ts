/**
 * JSON topology files: JSON.parse (fast: a million share edges are tens of megabytes), plus one
 * pass over the text for what JSON.parse lets through silently (a duplicate key).
 */
import { fileError, formatPath, type PathSegment, type TopologyInputError } from "./errors";
import { lineColumn } from "./positions";

export type JsonResult = { data: unknown } | { error: TopologyInputError };

export function readJson(file: string, text: string): JsonResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: jsonSyntaxError(file, text, e) };
  }
  const dup = findDuplicateJsonKey(text);
  if (dup) return { error: { file, ...lineColumn(text, dup.offset), path: formatPath(dup.segments), segments: dup.segments, message: `duplicate key "${dup.key}"` } };
  return { data };
}

function jsonSyntaxError(file: string, text: string, e: unknown): TopologyInputError {
  const message = (e as Error)?.message ?? String(e);
  // Node's messages: "... in JSON at position 123 (line 4 column 5)" or "... at position 123".
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  const where = lc ? { line: Number(lc[1]), column: Number(lc[2]) } : pos ? lineColumn(text, Number(pos[1])) : {};
  const clean = message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "").replace(/^JSON\.parse: /, "");
  return fileError(file, `not valid JSON: ${clean}`, where);
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
