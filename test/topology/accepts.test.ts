/**
 * The fast acceptance check (accepts.ts, compiled from schema/topology.schema.json) must never
 * say yes where zod says no: held to zod on the examples, on generated topologies, and on many
 * random mutations of them.
 */
import * as assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import * as fc from "fast-check";
import { parse } from "yaml";
import { acceptsTopology, compileSchema } from "../../provider/topology/accepts";
import { TopologySchema } from "../../provider/topology/schema";
import { generate, generateAlicloud } from "../../bench/validate";
import { runs } from "../harness/soak";

const EXAMPLES = path.join(__dirname, "..", "..", "examples");

/** A copy of `data` with the value at a random place replaced. */
function mutate(data: unknown, pick: number[], replacement: unknown, mode: number): unknown {
  const copy = structuredClone(data) as Record<string, unknown>;
  let node: unknown = copy;
  let parent: Record<string, unknown> | unknown[] | undefined;
  let key: string | number | undefined;
  for (const p of pick) {
    if (Array.isArray(node) && node.length > 0) {
      parent = node;
      key = p % node.length;
      node = node[key];
    } else if (node !== null && typeof node === "object" && Object.keys(node).length > 0) {
      const keys = Object.keys(node);
      parent = node as Record<string, unknown>;
      key = keys[p % keys.length];
      node = parent[key];
    } else break;
  }
  if (parent === undefined || key === undefined) return replacement;
  if (mode === 0) (parent as Record<string | number, unknown>)[key] = replacement;
  else if (mode === 1 && !Array.isArray(parent)) delete parent[key as string];
  else if (mode === 2 && node !== null && typeof node === "object" && !Array.isArray(node)) (node as Record<string, unknown>)["extra"] = replacement;
  else if (Array.isArray(parent)) parent.push(replacement);
  else (parent as Record<string, unknown>)[`k${String(replacement).length}`] = replacement;
  return copy;
}

describe("fast schema acceptance", () => {
  it("agrees with zod on every example and on generated topologies", () => {
    for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith(".yaml"))) {
      const data = parse(readFileSync(path.join(EXAMPLES, f), "utf8"));
      assert.equal(acceptsTopology(data), true, f);
      assert.equal(TopologySchema.safeParse(data).success, true, f);
    }
    assert.equal(acceptsTopology(generate(2000)), true);
    assert.equal(acceptsTopology(generateAlicloud(2000, 3)), true);
    for (const v of [null, undefined, 1, "x", [], {}, { profile: "huaweicloud" }]) assert.equal(acceptsTopology(v), TopologySchema.safeParse(v).success, JSON.stringify(v));
  });

  it("never accepts what zod refuses, over random mutations (property)", function () {
    this.timeout(60000);
    const bases = [generate(60), generateAlicloud(200, 1), ...readdirSync(EXAMPLES).filter((x) => x.endsWith(".yaml")).map((f) => parse(readFileSync(path.join(EXAMPLES, f), "utf8")))];
    const value = fc.oneof(
      fc.constantFrom(null, undefined, "", "x", "system", "accepted", "huaweicloud", "cn", 0, -1, 1, 1.5, 2 ** 60, Number.NaN, true, false, [], {}, ["x"], [{}], { account: "x" }, { account: "" }, { id: "x" }),
      fc.string(),
      fc.integer(),
      fc.bigInt(),
    );
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), value, fc.nat(3), (b, pick, replacement, mode) => {
        const data = mutate(bases[b], pick, replacement, mode);
        const zod = TopologySchema.safeParse(data).success;
        const fast = acceptsTopology(data);
        if (fast) assert.equal(zod, true, `accepted what zod refuses: ${JSON.stringify(pick)} ${String(replacement)} mode ${mode}`);
        // And it is not merely cautious: a valid mutation is accepted as zod accepts it.
        assert.equal(fast, zod, `disagrees with zod: ${JSON.stringify(pick)} ${String(replacement)} mode ${mode}`);
      }),
      { numRuns: runs(300, 3000) },
    );
  });

  it("asks zod (answers no) where the JSON Schema says what it does not know", () => {
    const base = { type: "object", properties: { a: { type: "string" } }, additionalProperties: false };
    assert.equal(compileSchema(base)({ a: "x" }), true);
    assert.equal(compileSchema(base)({ a: "x", b: 1 }), false);
    // A keyword it does not know, an empty schema (anything), unknown keys allowed: no.
    assert.equal(compileSchema({ ...base, properties: { a: { type: "string", pattern: "^x$" } } })({ a: "x" }), false);
    assert.equal(compileSchema({ ...base, properties: { a: {} } })({ a: "x" }), false);
    assert.equal(compileSchema({ type: "object", properties: { a: { type: "string" } } })({ a: "x" }), false);
    assert.equal(compileSchema({ ...base, if: { required: ["a"], properties: {} }, then: { required: ["b"] } })({ a: "x" }), false);
    assert.equal(compileSchema(undefined)({}), false);
  });
});
