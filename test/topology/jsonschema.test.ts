import assert = require("node:assert/strict");
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { topologyJsonSchema, topologyJsonSchemaText } from "../../provider/topology/jsonschema";

describe("schema/topology.schema.json", () => {
  it("is the current generation from the zod schema (run `npm run schema` after changing provider/topology/schema.ts)", () => {
    const committed = readFileSync(path.join(__dirname, "..", "..", "schema", "topology.schema.json"), "utf8");
    assert.equal(committed, topologyJsonSchemaText());
  });

  it("is strict and names every section of the topology file", () => {
    const s = topologyJsonSchema() as { additionalProperties?: unknown; required?: string[]; properties: Record<string, unknown> };
    assert.equal(s.additionalProperties, false);
    assert.deepEqual([...(s.required ?? [])].sort(), ["accounts", "images", "profile"]);
    for (const k of ["profile", "limits", "trust", "strictTrust", "accounts", "images", "shares", "acceptances", "copies"]) assert.ok(k in s.properties, k);
  });
});
