/**
 * Writes schema/topology.schema.json from the zod schema (npm run schema). Run it after changing
 * provider/topology/schema.ts; test/topology/jsonschema.test.ts fails while the file is stale.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { topologyJsonSchemaText } from "../provider/topology/jsonschema";

const out = path.join(__dirname, "..", "schema", "topology.schema.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, topologyJsonSchemaText());
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
