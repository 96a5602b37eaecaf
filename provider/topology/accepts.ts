/**
 * A fast "does the data certainly pass?" check, compiled from the topology's JSON Schema
 * (schema/topology.schema.json, which is generated from the zod schema and kept current by a
 * test), so that a valid file is neither walked by zod's general machinery (about a second for a
 * million share edges) nor waits for zod to load (a fifth of a second: `validate` on a valid file
 * never loads it). Data it refuses goes to zod (load.ts), which says why.
 *
 * Conservative: it knows the keywords the generated schema uses (type, properties, required,
 * additionalProperties, propertyNames, items, anyOf, enum, minLength, minimum, maximum,
 * exclusiveMinimum, if/then on required keys) and answers "no" (ask zod) wherever it meets
 * anything else; the tests hold it to zod's answer on the examples and on random mutations.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

type Accepts = (value: unknown) => boolean;
type JsonSchema = Record<string, unknown>;

const refuse: Accepts = () => false;
/** Keywords that say nothing about validity. */
const ANNOTATIONS = new Set(["description", "title", "$schema", "$id", "$comment", "examples", "default"]);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Compiles a JSON Schema into a check that never says yes where the schema says no. */
export function compileSchema(schema: unknown): Accepts {
  if (!isPlainObject(schema)) return refuse;
  const known = new Set(["type", "properties", "required", "additionalProperties", "propertyNames", "items", "anyOf", "enum", "minLength", "minimum", "maximum", "exclusiveMinimum", "if", "then"]);
  for (const k of Object.keys(schema)) if (!known.has(k) && !ANNOTATIONS.has(k)) return refuse;
  if (schema.anyOf !== undefined) {
    const others = Object.keys(schema).filter((k) => k !== "anyOf" && !ANNOTATIONS.has(k));
    if (others.length > 0 || !Array.isArray(schema.anyOf)) return refuse;
    const options = schema.anyOf.map(compileSchema);
    return (v) => {
      for (let i = 0; i < options.length; i++) if (options[i](v)) return true;
      return false;
    };
  }
  const enumSet = Array.isArray(schema.enum) ? new Set(schema.enum) : undefined;
  if (schema.enum !== undefined && !enumSet) return refuse;
  switch (schema.type) {
    case "string": {
      const min = schema.minLength ?? 0;
      if (typeof min !== "number" || !only(schema, ["minLength", "enum"])) return refuse;
      if (enumSet) return (v) => typeof v === "string" && v.length >= min && enumSet.has(v);
      return (v) => typeof v === "string" && v.length >= min;
    }
    case "boolean":
      return only(schema, []) ? (v) => typeof v === "boolean" : refuse;
    case "integer": {
      if (enumSet || !only(schema, ["minimum", "maximum", "exclusiveMinimum"])) return refuse;
      const min = num(schema.minimum, -Infinity);
      const max = num(schema.maximum, Infinity);
      const above = num(schema.exclusiveMinimum, -Infinity);
      if (min === undefined || max === undefined || above === undefined) return refuse;
      return (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max && v > above;
    }
    case "array": {
      if (enumSet || !only(schema, ["items"]) || schema.items === undefined) return refuse;
      const item = compileSchema(schema.items);
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!item(v[i])) return false;
        return true;
      };
    }
    case "object":
      return enumSet ? refuse : compileObject(schema);
    default:
      return refuse;
  }
}

function only(schema: JsonSchema, allowed: string[]): boolean {
  for (const k of Object.keys(schema)) if (k !== "type" && !ANNOTATIONS.has(k) && !allowed.includes(k)) return false;
  return true;
}

function num(v: unknown, otherwise: number): number | undefined {
  return v === undefined ? otherwise : typeof v === "number" ? v : undefined;
}

function requiredList(v: unknown): string[] | undefined {
  return v === undefined ? [] : Array.isArray(v) && v.every((k) => typeof k === "string") ? (v as string[]) : undefined;
}

function compileObject(schema: JsonSchema): Accepts {
  if (!only(schema, ["properties", "required", "additionalProperties", "propertyNames", "if", "then"])) return refuse;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  if (!isPlainObject(properties)) return refuse;
  const keys = Object.keys(properties);
  const fields = keys.map((k) => compileSchema(properties[k]));
  const required = requiredList(schema.required);
  if (!required) return refuse;
  const extra = schema.additionalProperties;
  // additionalProperties: false (strict), or a schema for every other key (a record).
  const other: Accepts | false | undefined = extra === false ? false : extra === undefined ? undefined : compileSchema(extra);
  if (other === undefined) return refuse; // unknown keys allowed: zod's strict objects never say so
  const keyCheck = schema.propertyNames === undefined ? undefined : compileSchema(schema.propertyNames);
  // if: { required: [...] } then: { required: [...] }, and nothing else.
  let ifKeys: string[] | undefined;
  let thenKeys: string[] | undefined;
  if (schema.if !== undefined || schema.then !== undefined) {
    const cond = schema.if;
    const then = schema.then;
    if (!isPlainObject(cond) || !isPlainObject(then) || !only({ type: 1, ...cond }, ["required"]) || !only({ type: 1, ...then }, ["required"])) return refuse;
    ifKeys = requiredList(cond.required);
    thenKeys = requiredList(then.required);
    if (!ifKeys || !thenKeys) return refuse;
  }
  const declared = new Set(keys);
  const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
  // As zod reads data (not only parsed text): a key set to undefined is an optional key left out.
  const given = (o: Record<string, unknown>, k: string) => o[k] !== undefined;
  return (v) => {
    if (!isPlainObject(v)) return false;
    for (let i = 0; i < required.length; i++) if (!given(v, required[i])) return false;
    for (let i = 0; i < keys.length; i++) {
      const x = v[keys[i]];
      if (x !== undefined && !fields[i](x)) return false;
    }
    for (const k in v) {
      if (!hasOwn(v, k)) continue;
      if (keyCheck && !keyCheck(k)) return false;
      if (declared.has(k)) continue;
      if (other === false || !other(v[k])) return false;
    }
    if (ifKeys && thenKeys && ifKeys.every((k) => given(v, k)) && !thenKeys.every((k) => given(v, k))) return false;
    return true;
  };
}

/** schema/topology.schema.json, found upward from here (the sources and bin/ sit at different depths). */
function readTopologySchema(): unknown {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      return JSON.parse(readFileSync(path.join(dir, "schema", "topology.schema.json"), "utf8"));
    } catch {
      dir = path.dirname(dir);
    }
  }
  return undefined;
}

let topologyCheck: Accepts | undefined;

/** Whether the topology schema (zod's TopologySchema) certainly accepts the data. */
export function acceptsTopology(data: unknown): boolean {
  topologyCheck ??= compileSchema(readTopologySchema());
  return topologyCheck(data);
}
