/**
 * JSON topology files: JSON.parse (fast: a million share edges are tens of megabytes), then one
 * pass over the text that records where each node starts and ends, for positions (positions.ts),
 * and counts the keys written, to find what JSON.parse lets through silently: a duplicate key
 * (the parsed data then holds fewer keys than the text; a second pass finds which).
 */
import { fileError, formatPath, type PathSegment, type TopologyInputError } from "./errors";
import { KIND_MAPPING, KIND_SCALAR, KIND_SEQUENCE, NodeIndexBuilder, indexedPositions, lineColumn, type IndexSource, type TopologyPositions } from "./positions";

export type JsonResult = { data: unknown; positions: TopologyPositions } | { error: TopologyInputError };

export function readJson(file: string, text: string): JsonResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: jsonSyntaxError(file, text, e) };
  }
  // The root, the sections and their items: a million share edges make a few hundred thousand
  // nodes, not millions. Deeper places are found by indexing one item when asked.
  const index = new NodeIndexBuilder({ scalars: false, maxDepth: 3, capacity: text.length >> 7 });
  const written = scanJson(text, index, 0, text.length, false).keys;
  if (written !== keysIn(data)) {
    // JSON.parse kept the last of two keys of one object: find the first, with its place.
    const dup = scanJson(text, new NodeIndexBuilder({ scalars: false, maxDepth: 0 }), 0, text.length, true).duplicate;
    if (dup) return { error: { file, ...lineColumn(text, dup.offset), path: formatPath(dup.segments), segments: dup.segments, message: `duplicate key "${dup.key}"` } };
  }
  return { data, positions: indexedPositions(file, text, index, JSON_SOURCE) };
}

/** The keys of every object in parsed JSON (without recursion: nesting may be deep). */
function keysIn(root: unknown): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === "object" && x !== null) stack.push(x);
      }
    } else if (typeof v === "object" && v !== null) {
      for (const k in v) {
        n++;
        const x: unknown = (v as Record<string, unknown>)[k];
        if (typeof x === "object" && x !== null) stack.push(x);
      }
    }
  }
  return n;
}

const JSON_SOURCE: IndexSource = {
  keyAt: jsonKeyAt,
  indexNode(text, start, end) {
    const index = new NodeIndexBuilder({ scalars: false, capacity: (end - start) >> 3 });
    scanJson(text, index, start, end, false);
    return index;
  },
};

function jsonSyntaxError(file: string, text: string, e: unknown): TopologyInputError {
  const message = (e as Error)?.message ?? String(e);
  // Node's messages: "... in JSON at position 123 (line 4 column 5)" or "... at position 123".
  const lc = /line (\d+) column (\d+)/.exec(message);
  const pos = /position (\d+)/.exec(message);
  const where = lc ? { line: Number(lc[1]), column: Number(lc[2]) } : pos ? lineColumn(text, Number(pos[1])) : {};
  const clean = message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "").replace(/^JSON\.parse: /, "");
  return fileError(file, `not valid JSON: ${clean}`, where);
}

/** Offset just past the string that starts (with its quote) at `i`. */
function stringEnd(text: string, i: number): number {
  let j = text.indexOf('"', i + 1);
  // A quote preceded by an odd number of backslashes is escaped.
  for (;;) {
    if (j === -1) return text.length;
    let b = j - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((j - b) % 2 === 1) return j + 1;
    j = text.indexOf('"', j + 1);
  }
}

/** The key whose string starts at `start`, decoded. */
function jsonKeyAt(text: string, start: number): string | undefined {
  if (text.charCodeAt(start) !== 0x22) return undefined;
  const raw = text.slice(start, stringEnd(text, start));
  return raw.indexOf("\\") === -1 ? raw.slice(1, -1) : (JSON.parse(raw) as string);
}

/** Objects with more keys than this check a new key against a Set, not against each earlier key. */
const FEW_KEYS = 16;

interface Duplicate {
  key: string;
  offset: number;
  segments: PathSegment[];
}

/**
 * One pass over text that JSON.parse accepted: every node above the index's maxDepth into the
 * index (keys as scalar nodes before their values), the keys counted, and with `findDuplicate`
 * the first duplicate key of an object with its path. JSON.parse keeps the last of duplicate keys
 * silently; a topology file must not (two images of one key are a mistake). A new key is
 * compared with the text of the object's earlier keys: no string is made per key, and no Set per
 * small object.
 */
function scanJson(text: string, index: NodeIndexBuilder, from: number, to: number, findDuplicate: boolean): { keys: number; duplicate?: Duplicate } {
  let keys = 0;
  const record = index.maxDepth;
  // Per open container: whether it is an object, its items so far (arrays), where its keys begin in keyRanges.
  const isObject: boolean[] = [];
  const items: number[] = [];
  const keyBase: number[] = [];
  const bigKeys: Array<Set<string> | undefined> = [];
  // Start and end offsets of the keys of the open objects, innermost last.
  let keyRanges = new Int32Array(256);
  let keyTop = 0;
  let depth = 0;
  let expectKey = false;
  // Whether the innermost container holds a value yet (an empty one closes with 0 items).
  let hasValue = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 0x20:
      case 0x0a:
      case 0x0d:
      case 0x09:
      case 0x3a /* : */:
        break;
      case 0x22 /* " */: {
        const end = stringEnd(text, i);
        if (expectKey && !findDuplicate) {
          keys++;
          expectKey = false;
        } else if (expectKey) {
          keys++;
          const base = keyBase[depth - 1];
          let big = bigKeys[depth - 1];
          if (big === undefined && keyTop - base >= 2 * FEW_KEYS) {
            big = new Set();
            for (let k = base; k < keyTop; k += 2) big.add(jsonKeyAt(text, keyRanges[k])!);
            bigKeys[depth - 1] = big;
          }
          if (big !== undefined) {
            const key = jsonKeyAt(text, i)!;
            if (big.has(key)) return { keys, duplicate: duplicateAt(text, i) };
            big.add(key);
          } else {
            for (let k = base; k < keyTop; k += 2) if (sameKey(text, keyRanges[k], keyRanges[k + 1], i, end)) return { keys, duplicate: duplicateAt(text, i) };
          }
          if (keyTop + 2 > keyRanges.length) {
            const more = new Int32Array(keyRanges.length * 2);
            more.set(keyRanges);
            keyRanges = more;
          }
          keyRanges[keyTop++] = i;
          keyRanges[keyTop++] = end;
          expectKey = false;
        } else hasValue = true;
        if (depth < record) {
          index.openNode(i);
          index.closeNode(end, KIND_SCALAR);
        }
        i = end - 1;
        break;
      }
      case 0x7b /* { */:
      case 0x5b /* [ */: {
        hasValue = true;
        // A list of strings below the index (a share's members: most of a big file) holds no
        // key and no node to record: skipped in one go, to its closing bracket.
        if (c === 0x5b && depth >= record) {
          const close = stringListEnd(text, i, to);
          if (close !== -1) {
            i = close;
            break;
          }
        }
        if (depth < record) index.openNode(i);
        const object = c === 0x7b;
        isObject.push(object);
        items.push(0);
        bigKeys.push(undefined);
        if (object) keyBase.push(keyTop);
        depth++;
        expectKey = object;
        hasValue = false;
        break;
      }
      case 0x7d /* } */:
      case 0x5d /* ] */: {
        const count = hasValue ? items[depth - 1] + 1 : 0;
        if (isObject.pop()) keyTop = keyBase.pop()!;
        items.pop();
        bigKeys.pop();
        depth--;
        if (depth < record) index.closeNode(i + 1, c === 0x7d ? KIND_MAPPING : KIND_SEQUENCE, undefined, c === 0x5d ? count : undefined);
        expectKey = false;
        hasValue = true;
        break;
      }
      case 0x2c /* , */:
        if (isObject[depth - 1]) expectKey = true;
        else items[depth - 1]++;
        break;
      default: {
        // A number, true, false or null.
        hasValue = true;
        let end = i + 1;
        while (end < to && !isLiteralEnd(text.charCodeAt(end))) end++;
        if (depth < record) {
          index.openNode(i);
          index.closeNode(end, KIND_SCALAR);
        }
        i = end - 1;
      }
    }
  }
  return { keys };
}

/** The offset of the `]` closing the list that opens at `open`, if it holds strings only; else -1. */
function stringListEnd(text: string, open: number, to: number): number {
  let j = open + 1;
  while (j < to && isJsonSpace(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) === 0x5d) return j;
  for (;;) {
    if (text.charCodeAt(j) !== 0x22) return -1;
    j = stringEnd(text, j);
    while (j < to && isJsonSpace(text.charCodeAt(j))) j++;
    const c = text.charCodeAt(j);
    if (c === 0x5d) return j;
    if (c !== 0x2c) return -1;
    j++;
    while (j < to && isJsonSpace(text.charCodeAt(j))) j++;
  }
}

function isLiteralEnd(c: number): boolean {
  return c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether two keys (string tokens with their quotes) are the same key. */
function sameKey(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a === bEnd - b) {
    let same = true;
    for (let k = 1; k < aEnd - a - 1; k++) {
      if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  // Escapes can spell one key two ways ("a" and "\u0061"): compare them decoded.
  return (hasEscape(text, a, aEnd) || hasEscape(text, b, bEnd)) && jsonKeyAt(text, a) === jsonKeyAt(text, b);
}

function hasEscape(text: string, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (text.charCodeAt(k) === 0x5c) return true;
  return false;
}

/** The duplicate key at `offset` with the path of its object (found again: this is the rare case). */
function duplicateAt(text: string, offset: number): Duplicate {
  const segments: PathSegment[] = [];
  const frames: Array<{ object: boolean; index: number }> = [];
  let key: string | undefined;
  for (let i = 0; i < offset; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      // A string followed by a colon is a key.
      let j = end;
      while (isJsonSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 0x3a) key = jsonKeyAt(text, i);
      i = end;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      const top = frames[frames.length - 1];
      if (top) segments.push(top.object ? key! : top.index);
      frames.push({ object: c === 0x7b, index: 0 });
    } else if (c === 0x7d || c === 0x5d) {
      frames.pop();
      if (frames.length > 0) segments.pop();
    } else if (c === 0x2c) {
      const top = frames[frames.length - 1];
      if (top && !top.object) top.index++;
    }
    i++;
  }
  return { key: jsonKeyAt(text, offset)!, offset, segments };
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
