// Parses mermaid diagrams with mermaid's own parser (what GitHub renders with), in a process of
// its own: mermaid needs a DOM, which linkedom stands in for here, and the test process keeps none.
// stdin: a JSON list of diagram texts; stdout: a JSON list of { ok, type?, error? }.
import { parseHTML } from "linkedom";

const { window } = parseHTML("<!doctype html><html><head></head><body></body></html>");
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import("mermaid");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const text of JSON.parse(input)) {
  try {
    const r = await mermaid.parse(text);
    out.push({ ok: true, type: r.diagramType });
  } catch (e) {
    out.push({ ok: false, error: String(e?.message ?? e).split("\n").slice(0, 4).join(" ") });
  }
}
process.stdout.write(JSON.stringify(out));
