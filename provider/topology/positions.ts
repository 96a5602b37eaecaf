/**
 * Where a path of a topology file (`shares[2].members[0]`) sits in its text: line and column,
 * for input errors and for the violations the CLI annotates.
 */
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node as YamlNode } from "yaml";
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

/** 1-based line and column of a character offset. */
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
export function lazyPositions(file: string, text: string): TopologyPositions {
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
