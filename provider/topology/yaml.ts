/**
 * YAML topology files: js-yaml builds the data (yamlData.ts: fast, and scalars read as `yaml`'s
 * YAML 1.2 core schema reads them); a file with directives (`%YAML 1.1` changes what `yes`
 * means) is read by `yaml` alone, as it always was. Syntax errors come back placed.
 */
import type { Document } from "yaml";
import { fileError, firstLine, type TopologyInputError } from "./errors";
import type { LoadOptions } from "js-yaml";
import {
  KIND_ALIAS,
  KIND_EMPTY,
  KIND_MAPPING,
  KIND_SCALAR,
  KIND_SEQUENCE,
  NodeIndexBuilder,
  contentStart,
  indexedPositions,
  lineColumn,
  noPositions,
  nodePositions,
  type TopologyPositions,
} from "./positions";
import { readYamlData, type YamlDataResult } from "./yamlData";

export type YamlResult = { data: unknown; positions: TopologyPositions } | { errors: TopologyInputError[] };

export function readYaml(file: string, text: string): YamlResult {
  // Blank lines and comments only: no document (checked apart: js-yaml is slow on long comments).
  if (!hasYamlContent(text)) return { data: null, positions: noPositions(file) };
  if (text.charCodeAt(0) === 0x25 /* % */ || text.indexOf("\n%") !== -1) return readWithDirectives(file, text);
  // Every node: js-yaml cannot read one item again on its own (its indentation, anchors
  // defined elsewhere), and the index costs little beside the data (about 20 bytes a node).
  const index = new NodeIndexBuilder({ scalars: true, capacity: text.length >> 4 });
  const read = readYamlData(text, indexer(text, index));
  if ("error" in read) return { errors: [yamlSyntaxError(file, text, read.error)] };
  return { data: read.data, positions: indexedPositions(file, text, index, { keyAt: () => undefined }) };
}

/** js-yaml's parse events into the node index: where each node starts and ends, and its kind. */
function indexer(text: string, index: NodeIndexBuilder): LoadOptions["listener"] {
  return (event, state) => {
    if (event === "open") {
      index.openNode(state.position);
      return;
    }
    const kind = state.kind as string | null;
    if (kind === "scalar") index.closeNode(state.position, KIND_SCALAR, String(state.result));
    else if (kind === "mapping") index.closeNode(state.position, KIND_MAPPING);
    else if (kind === "sequence") index.closeNode(state.position, KIND_SEQUENCE, undefined, (state.result as unknown[]).length);
    else index.closeNode(state.position, text.charCodeAt(contentStart(text, index.openStart())) === 0x2a /* * */ ? KIND_ALIAS : KIND_EMPTY);
  };
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

/** Directives are rare, and `%YAML 1.1` changes the schema: `yaml` reads such a file, data and positions. */
function readWithDirectives(file: string, text: string): YamlResult {
  const { LineCounter, parseDocument } = require("yaml") as typeof import("yaml");
  const counter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true, strict: true });
  } catch (e) {
    return { errors: [fileError(file, `not valid YAML: ${(e as Error)?.message ?? String(e)}`)] };
  }
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((err) => {
        const p = counter.linePos(err.pos[0]);
        const message = err.code === "DUPLICATE_KEY" ? duplicateKeyMessage(text, err.pos[0]) : `not valid YAML: ${firstLine(err.message)}`;
        return fileError(file, message, { line: p.line, column: p.col });
      }),
    };
  }
  const positions = nodePositions(file, doc, counter);
  try {
    // maxAliasCount guards against alias bombs ("billion laughs").
    return { data: doc.toJS({ maxAliasCount: 1000 }), positions };
  } catch (e) {
    return { errors: [fileError(file, `not valid YAML: ${firstLine((e as Error)?.message ?? String(e))}`, { line: 1, column: 1 })] };
  }
}

/** The key as written at the duplicate's place, as the `yaml` path reports it. */
function duplicateKeyMessage(text: string, offset: number): string {
  return `duplicate key ${JSON.stringify(firstLine(text.slice(offset, offset + 80)).replace(/\s*:.*$/, ""))}`;
}

function yamlSyntaxError(file: string, text: string, e: Extract<YamlDataResult, { error: unknown }>["error"]): TopologyInputError {
  const where = e.line !== undefined ? { line: e.line, column: e.column ?? 1 } : e.offset !== undefined ? lineColumn(text, e.offset) : { line: 1, column: 1 };
  const message = e.duplicateKey && e.offset !== undefined ? duplicateKeyMessage(text, e.offset) : `not valid YAML: ${firstLine(e.message)}`;
  return fileError(file, message, where);
}
