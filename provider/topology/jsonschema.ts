/**
 * The JSON Schema of topology files, generated from the zod schema (zod 4's z.toJSONSchema), for
 * editors: add `# yaml-language-server: $schema=<path>/topology.schema.json` to a YAML file, or
 * `"$schema"` to a JSON file. Shipped as schema/topology.schema.json (npm run schema writes it;
 * a test checks that the committed file is current).
 */
import { z } from "zod";
import { TopologySchema } from "./schema";

export const SCHEMA_ID = "https://image-share.dev/schema/topology.schema.json";

export function topologyJsonSchema(): Record<string, unknown> {
  // "input": what a file may contain (optional fields stay optional).
  const generated = z.toJSONSchema(TopologySchema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  // The schema's superRefine (an image with an id needs region, owner, kind and name) is code,
  // which z.toJSONSchema cannot carry: say it in JSON Schema's own words.
  const images = (generated.properties as Record<string, { additionalProperties?: Record<string, unknown> }> | undefined)?.images;
  if (images?.additionalProperties) {
    images.additionalProperties.if = { required: ["id"] };
    images.additionalProperties.then = { required: ["region", "owner", "kind", "name"] };
  }
  return { ...generated, $id: SCHEMA_ID, title: "image-share topology" };
}

/** The file's text: stable key order, two-space indent, trailing newline. */
export function topologyJsonSchemaText(): string {
  return JSON.stringify(topologyJsonSchema(), null, 2) + "\n";
}
