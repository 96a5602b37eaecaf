/**
 * Where a path of a topology file (`shares[2].members[0]`) sits in its text: line and column,
 * for input errors and for the violations the CLI annotates.
 *
 * The parse that reads the data also records where each node starts and ends (a NodeIndex:
 * typed arrays, a few tens of bytes a node), so that a position costs a walk down the index,
 * never a second parse of the file: JSON's single pass (json.ts) and js-yaml's parse events
 * (yaml.ts) feed it. `yaml`'s document model (slow and large on big files) is used only for a
 * file with directives, which `yaml` reads anyway, and as the fallback should an index not fit
 * the data it was built beside (see NodeIndexBuilder.unreliable).
 */
import type { Document, LineCounter, Node as YamlNode } from "yaml";
import type { PathSegment, Position } from "./errors";

/** Finds the line and column of a path in the file (e.g. a violation's `path`). */
export interface TopologyPositions {
  file: string;
  /** The position of the deepest node of the path that exists in the file, or undefined. */
  locate(segments: readonly PathSegment[]): Position | undefined;
}

/** Positions of a text that has none to give (no document, or not read from a file). */
export function noPositions(file: string): TopologyPositions {
  return { file, locate: () => undefined };
}

/** 1-based line and column of a character offset (a scan from the start: for one-off errors). */
export function lineColumn(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Positions in a document that `yaml` parsed (with a line counter). */
export function nodePositions(file: string, doc: Document, counter: LineCounter): TopologyPositions {
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

/** `yaml`, loaded when a document model is needed (a JSON file never needs one). */
function yamlLib(): typeof import("yaml") {
  return require("yaml") as typeof import("yaml");
}

/** Offset of the deepest node of the path present in the document. */
function offsetOf(doc: Document, segments: readonly PathSegment[]): number | undefined {
  const { isMap, isSeq, isPair, isScalar } = yamlLib();
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
export function lazyPositions(file: string, text: string): TopologyPositions {
  let inner: TopologyPositions | null | undefined;
  return {
    file,
    locate(segments) {
      if (inner === undefined) {
        try {
          const { LineCounter, parseDocument } = yamlLib();
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
// The node index

export const KIND_EMPTY = 0;
export const KIND_SCALAR = 1;
export const KIND_MAPPING = 2;
export const KIND_SEQUENCE = 3;
export const KIND_ALIAS = 4;
export type NodeKind = 0 | 1 | 2 | 3 | 4;

/**
 * Builds a node index from a parser's open / close events, in document order: a node's children
 * are the nodes opened while it is open; a mapping's children alternate key and value. Nodes
 * deeper than `maxDepth` are left out (their parent can be indexed on its own when asked).
 */
export class NodeIndexBuilder {
  count = 0;
  start: Int32Array;
  end: Int32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  kind: Uint8Array;
  /** For scalar nodes where the parser hands the value over (YAML): its text, to match keys. */
  scalar: Array<string | undefined> | undefined;
  /** Set when the events cannot describe the data (an empty sequence item): positions then come from `yaml`. */
  unreliable = false;
  private readonly open: number[] = [];
  private readonly lastChild: number[] = [];
  /** Open nodes below maxDepth, not recorded. */
  private skipped = 0;
  readonly maxDepth: number;

  constructor(options: { scalars: boolean; maxDepth?: number; capacity?: number }) {
    if (options.scalars) this.scalar = [];
    this.maxDepth = options.maxDepth ?? Infinity;
    const n = Math.max(64, options.capacity ?? 1024);
    this.start = new Int32Array(n);
    this.end = new Int32Array(n);
    this.firstChild = new Int32Array(n);
    this.nextSibling = new Int32Array(n);
    this.kind = new Uint8Array(n);
  }

  openNode(start: number): void {
    const depth = this.open.length;
    if (this.skipped > 0 || depth >= this.maxDepth) {
      this.skipped++;
      return;
    }
    const id = this.count++;
    if (id === this.start.length) this.grow();
    this.start[id] = start;
    this.firstChild[id] = -1;
    this.nextSibling[id] = -1;
    if (depth > 0) {
      const prev = this.lastChild[depth - 1];
      if (prev === -1) this.firstChild[this.open[depth - 1]] = id;
      else this.nextSibling[prev] = id;
      this.lastChild[depth - 1] = id;
    }
    this.open.push(id);
    this.lastChild.push(-1);
  }

  /** Where the innermost open node began (recorded or not: only asked of recorded ones). */
  openStart(): number {
    return this.start[this.open[this.open.length - 1]];
  }

  /** Closes the innermost open node; `items` is the data's length for a sequence (a check). */
  closeNode(end: number, kind: NodeKind, scalar?: string, items?: number): void {
    if (this.skipped > 0) {
      this.skipped--;
      return;
    }
    const id = this.open.pop()!;
    const last = this.lastChild.pop()!;
    this.end[id] = end;
    this.kind[id] = kind;
    if (this.scalar) this.scalar[id] = scalar;
    const child = this.firstChild[id];
    // js-yaml composes a flow collection or a scalar where a block mapping could start (a
    // sequence item, the document) once more inside: one child spanning its parent is the parent.
    if (child !== -1 && child === last && this.start[child] === this.start[id] && this.end[child] === end) {
      this.firstChild[id] = this.firstChild[child];
      if (this.scalar) this.scalar[id] = this.scalar[child];
      this.kind[id] = this.kind[child];
      return;
    }
    // Children left out are not counted: nothing to check.
    if (this.open.length + 1 >= this.maxDepth) return;
    if (kind === KIND_SEQUENCE && items !== undefined && items !== this.children(id)) this.unreliable = true;
    if (kind === KIND_MAPPING && this.children(id) % 2 !== 0) this.unreliable = true;
  }

  private children(id: number): number {
    let n = 0;
    for (let c = this.firstChild[id]; c !== -1; c = this.nextSibling[c]) n++;
    return n;
  }

  private grow(): void {
    const size = this.start.length * 2;
    const more = <T extends Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.start = more(this.start);
    this.end = more(this.end);
    this.firstChild = more(this.firstChild);
    this.nextSibling = more(this.nextSibling);
    this.kind = more(this.kind);
  }
}

/** How a format reads its own keys and indexes a node's insides on demand. */
export interface IndexSource {
  /** A key's text at `start` where the index holds no scalar texts (JSON). */
  keyAt(text: string, start: number): string | undefined;
  /** The index of one node's insides, where the whole-file index stopped at maxDepth (JSON). */
  indexNode?(text: string, start: number, end: number): NodeIndexBuilder;
}

/**
 * Positions from a node index: walks down from the root, a key by its text, an item by its
 * place. The place of a path is the key for its last segment in a mapping (where a person looks
 * for `shares[2].by`), else the node's first character, as `yaml`'s positions were.
 */
export function indexedPositions(file: string, text: string, index: NodeIndexBuilder, source: IndexSource): TopologyPositions {
  if (index.unreliable || index.count === 0) return lazyPositions(file, text);
  const lines = new LineIndex(text);
  const root = new IndexWalker(text, index, source);
  // The insides of nodes indexed on demand, the last few kept (findings cluster).
  const inner = new Map<number, IndexWalker>();
  return {
    file,
    locate(segments) {
      let walker = root;
      let step = walker.walk(0, segments, 0, contentStart(text, index.start[0]));
      while (step.rest < segments.length && source.indexNode && walker === root && index.firstChild[step.node] === -1 && isContainer(index.kind[step.node])) {
        let sub = inner.get(step.node);
        if (!sub) {
          sub = new IndexWalker(text, source.indexNode(text, index.start[step.node], index.end[step.node]), source);
          if (inner.size >= 64) inner.delete(inner.keys().next().value!);
          inner.set(step.node, sub);
        }
        walker = sub;
        step = sub.walk(0, segments, step.rest, step.at);
      }
      return lines.position(step.at);
    },
  };
}

function isContainer(kind: number): boolean {
  return kind === KIND_MAPPING || kind === KIND_SEQUENCE;
}

class IndexWalker {
  // Children of large nodes as arrays, made on first use (a section's items are looked up often).
  private readonly lists = new Map<number, Int32Array>();
  constructor(
    private readonly text: string,
    private readonly index: NodeIndexBuilder,
    private readonly source: IndexSource,
  ) {}

  /** Follows segments[from..] down from `node`: the deepest node reached, its place, and the first segment not followed. */
  walk(node: number, segments: readonly PathSegment[], from: number, at: number): { node: number; at: number; rest: number } {
    const { start, kind } = this.index;
    let i = from;
    for (; i < segments.length; i++) {
      const seg = segments[i];
      if (kind[node] === KIND_MAPPING) {
        const pair = this.pairOf(node, String(seg));
        if (pair === undefined) break;
        // An empty value is placed where it would be: just after its key's colon.
        if (i === segments.length - 1) at = contentStart(this.text, start[pair.key]);
        else at = kind[pair.value] === KIND_EMPTY ? start[pair.value] : contentStart(this.text, start[pair.value]);
        node = pair.value;
      } else if (kind[node] === KIND_SEQUENCE && typeof seg === "number") {
        const item = this.nthChild(node, seg);
        if (item === -1) break;
        at = contentStart(this.text, start[item]);
        node = item;
      } else break;
    }
    return { node, at, rest: i };
  }

  private nthChild(id: number, n: number): number {
    const { firstChild, nextSibling } = this.index;
    let list = this.lists.get(id);
    if (list === undefined) {
      let count = 0;
      for (let c = firstChild[id]; c !== -1 && count < 32; c = nextSibling[c]) count++;
      if (count < 32) {
        let c = firstChild[id];
        for (let k = 0; k < n && c !== -1; k++) c = nextSibling[c];
        return c;
      }
      count = 0;
      for (let c = firstChild[id]; c !== -1; c = nextSibling[c]) count++;
      list = new Int32Array(count);
      count = 0;
      for (let c = firstChild[id]; c !== -1; c = nextSibling[c]) list[count++] = c;
      this.lists.set(id, list);
    }
    return n < list.length ? list[n] : -1;
  }

  /** The key node and value node of `key` in mapping `id`. */
  private pairOf(id: number, key: string): { key: number; value: number } | undefined {
    const { firstChild, nextSibling, kind, scalar, start } = this.index;
    for (let k = firstChild[id]; k !== -1; ) {
      const v = nextSibling[k];
      if (v === -1) return undefined;
      if (kind[k] === KIND_SCALAR && (scalar ? scalar[k] : this.source.keyAt(this.text, start[k])) === key) return { key: k, value: v };
      k = nextSibling[v];
    }
    return undefined;
  }
}

/**
 * The first character of a node's content from where its parser began it: YAML's parser opens a
 * value before the spaces, line breaks and comments that lead to it, and a node's anchor (`&a`)
 * and tag (`!!str`) are not its content.
 */
export function contentStart(text: string, offset: number): number {
  let i = offset;
  for (;;) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) i++;
    else if (c === 0x23 /* # */ && (i === 0 || isSpace(text.charCodeAt(i - 1)))) {
      const nl = text.indexOf("\n", i);
      if (nl === -1) return i;
      i = nl + 1;
    } else if (c === 0x26 /* & */ || c === 0x21 /* ! */) {
      while (i < text.length && !isSpace(text.charCodeAt(i)) && !isFlowIndicator(text.charCodeAt(i))) i++;
    } else return i;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isFlowIndicator(c: number): boolean {
  return c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

/** Line starts of a text, found once, for any number of offset -> line:column lookups. */
class LineIndex {
  private starts: Int32Array | undefined;
  constructor(private readonly text: string) {}

  position(offset: number): Position {
    const starts = (this.starts ??= lineStarts(this.text));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1 };
  }
}

function lineStarts(text: string): Int32Array {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  const starts = new Int32Array(n);
  n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts[n++] = i + 1;
  return starts;
}
