/**
 * Property-based fuzzing of topology files: mutations of the examples (dropped keys, wrong
 * types, unknown keys, dangling references, huge numbers, unicode, deep nesting) and random
 * documents, as YAML and JSON, through the loader and through `image-share validate` in-process.
 * Never a throw; every input error is an Error-free record that names its place (a path, or a
 * line for text that does not parse); the CLI exits 0, 1 or 2 and never prints a stack trace.
 *
 * Seeded: RELIABILITY_SEED=n reproduces a run.
 */
import assert = require("node:assert/strict");
import fc = require("fast-check");
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { formatInputError, formatPath, loadTopologyText, type LoadResult } from "../../provider/topology/load";
import { runValidate } from "../../provider/cli/validate";
import { seedFrom } from "./engine";
import { runs } from "../harness/soak";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");
const examples = fs
  .readdirSync(EXAMPLES)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => ({ name: f, data: parse(fs.readFileSync(path.join(EXAMPLES, f), "utf8")) as unknown }));

type Json = unknown;
type Path = (string | number)[];

/** Every path to a value in a document. */
function paths(v: Json, base: Path = [], out: Path[] = []): Path[] {
  out.push(base);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...base, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...base, k], out);
  return out;
}

function getAt(v: Json, p: Path): Json {
  return p.reduce<Json>((o, k) => (o as Record<string | number, Json>)?.[k], v);
}

function setAt(v: Json, p: Path, value: Json | typeof DROP): Json {
  if (p.length === 0) return value === DROP ? undefined : value;
  const [head, ...rest] = p;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (rest.length === 0 && value === DROP) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(v as Record<string, Json>) };
  if (rest.length === 0 && value === DROP) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string], rest, value);
  return copy;
}

const DROP = Symbol("drop");

const weird: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER * 1024, 2 ** 53 + 1, 0.5, "", " ", "\u0000", "🙂", "é\u0301", "\u202e", "a".repeat(5000), [], {}),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
  // Deep nesting.
  fc.integer({ min: 50, max: 400 }).map((d) => {
    let x: Json = "deep";
    for (let i = 0; i < d; i++) x = i % 2 ? [x] : { k: x };
    return x;
  }),
);

/** One mutation at a random path of the document. */
const mutation = (doc: Json): fc.Arbitrary<Json> => {
  const all = paths(doc);
  const strings = all.filter((p) => typeof getAt(doc, p) === "string");
  const objects = all.filter((p) => { const v = getAt(doc, p); return v !== null && typeof v === "object" && !Array.isArray(v); });
  const inner = all.filter((p) => p.length > 0);
  const arbs: fc.Arbitrary<Json>[] = [
    // Wrong type / odd value anywhere.
    fc.tuple(fc.constantFrom(...all), weird).map(([p, v]) => setAt(doc, p, v)),
  ];
  // Drop a key or list item.
  if (inner.length) arbs.push(fc.constantFrom(...inner).map((p) => setAt(doc, p, DROP)));
  // Unknown key in an object.
  if (objects.length) arbs.push(fc.tuple(fc.constantFrom(...objects), fc.string({ minLength: 1, maxLength: 12 }), weird).map(([p, k, v]) => setAt(doc, [...p, k], v)));
  // A reference (any string) pointed at nothing, or at unicode.
  if (strings.length) arbs.push(fc.tuple(fc.constantFrom(...strings), fc.constantFrom("no-such-key", "ghost", "テスト", "👻", "x".repeat(300))).map(([p, v]) => setAt(doc, p, v)));
  return fc.oneof(...arbs);
};

/** Mutations of an example, one to four at a time, written as YAML or JSON. */
const mutatedText: fc.Arbitrary<{ text: string; file: string }> = fc
  .tuple(fc.constantFrom(...examples), fc.integer({ min: 1, max: 4 }), fc.boolean(), fc.integer({ min: 0, max: 2 ** 31 - 1 }))
  .chain(([ex, n, json, s]) => {
    let arb: fc.Arbitrary<Json> = fc.constant(ex.data);
    for (let i = 0; i < n; i++) arb = arb.chain((d) => mutation(d));
    return arb.map((d) => ({
      text: json ? (JSON.stringify(d, null, s % 2 ? 2 : 0) ?? "null") : safeYaml(d),
      file: `${ex.name.replace(/\.yaml$/, "")}-${s}.${json ? "json" : "yaml"}`,
    }));
  });

function safeYaml(d: Json): string {
  try {
    return stringify(d, { aliasDuplicateObjects: false }) ?? "";
  } catch {
    return JSON.stringify(d) ?? "";
  }
}

/** Random text: YAML-ish fragments, JSON-ish fragments, garbage. */
const randomText: fc.Arbitrary<{ text: string; file: string }> = fc.oneof(
  fc.json({ depthSize: "medium" }).map((t) => ({ text: t, file: "random.json" })),
  fc.anything({ maxDepth: 4 }).map((v) => ({ text: safeYaml(v), file: "random.yaml" })),
  fc.array(fc.constantFrom("profile: ", "accounts:", "  a:", "    id: ", "- ", "images:", "shares:", "{", "}", "[", "]", ": ", "\n", "  ", "&a ", "*a", "<<: *a", "!!binary ", "'", '"', "#", "\t", "🙂", "huaweicloud", "---\n", "%YAML 1.2\n"), { maxLength: 40 }).map((xs) => ({ text: xs.join(""), file: "frag.yaml" })),
  fc.string({ unit: "binary", maxLength: 200 }).map((t) => ({ text: t, file: "bytes.yaml" })),
);

/** What every load result must satisfy. */
function checkResult(r: LoadResult, file: string, text: string): void {
  if ("topology" in r) return;
  assert.ok(Array.isArray(r.errors) && r.errors.length > 0, "a failed load lists its errors");
  for (const e of r.errors) {
    const where = `${file}: ${JSON.stringify(e).slice(0, 300)}\n--- input:\n${text.slice(0, 600)}`;
    assert.equal(typeof e.message, "string", where);
    assert.ok(e.message.length > 0, where);
    assert.equal(e.file, file, where);
    // Its place: a path in the document ("" is the document as a whole), and its text form.
    assert.ok(Array.isArray(e.segments), where);
    assert.equal(e.path, formatPath(e.segments), where);
    if (e.line !== undefined) assert.ok(Number.isInteger(e.line) && e.line >= 1 && e.line <= text.split(/\r\n?|\n/).length + 1, `line out of range: ${where}`);
    assert.doesNotMatch(e.message, /\n\s+at /, `a stack trace in: ${where}`);
    formatInputError(e);
  }
}

describe("reliability: fuzzing topology files", function () {
  this.timeout(120_000);
  const seed = seedFrom(20261123);
  const fail = (e: Error) => {
    e.message = `RELIABILITY_SEED=${seed} reproduces this\n${e.message}`;
    throw e;
  };

  it("mutations of every example (YAML and JSON) load without a throw; every error names its place", () => {
    try {
      fc.assert(
        fc.property(mutatedText, ({ text, file }) => checkResult(loadTopologyText(text, file), file, text)),
        { numRuns: runs(250, 2500), seed },
      );
    } catch (e) {
      fail(e as Error);
    }
  });

  it("random documents and fragments load without a throw; every error names its place", () => {
    try {
      fc.assert(
        fc.property(randomText, ({ text, file }) => checkResult(loadTopologyText(text, file), file, text)),
        { numRuns: runs(160, 1600), seed },
      );
    } catch (e) {
      fail(e as Error);
    }
  });

  it("`image-share validate` in-process on mutated files: exit 0/1/2, never a throw or a stack trace, every format", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-fuzz-"));
    try {
      await fc.assert(
        fc.asyncProperty(mutatedText, fc.constantFrom("text", "json", "sarif", "github"), async ({ text, file }, format) => {
          const f = path.join(dir, file);
          fs.writeFileSync(f, text);
          let out = "";
          let err = "";
          const code = await runValidate([f, "--format", format], { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} });
          assert.ok(code === 0 || code === 1 || code === 2, `exit ${code}`);
          assert.doesNotMatch(out + err, /\n\s+at .*\.(ts|js):\d+/, "a stack trace");
          if (format === "json") JSON.parse(out);
          if (format === "sarif") JSON.parse(out);
          if (code === 2) assert.ok((out + err).includes(file), "bad input names the file");
        }),
        { numRuns: runs(40, 400), seed },
      );
    } catch (e) {
      fail(e as Error);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
