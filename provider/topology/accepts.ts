/**
 * A fast "does the data certainly pass?" check compiled from the zod schema itself (its
 * definitions: objects, records, arrays, unions, strings, integers, enums), so that a large
 * valid file is not walked by zod's general machinery (about a second for a million share
 * edges). Conservative: where it meets a construct it does not know (a refinement, a check it
 * cannot read), it asks zod about that value. Data it accepts is what zod would return (the
 * schema has no transforms or defaults); data it refuses goes to zod, which says why.
 */
import { z } from "zod";

type Accepts = (value: unknown) => boolean;

const compiled = new WeakMap<z.core.$ZodType, Accepts>();

/** Whether `schema.safeParse(value)` would succeed (never a false "yes"). */
export function accepts(schema: z.core.$ZodType, value: unknown): boolean {
  let check = compiled.get(schema);
  if (!check) {
    check = compile(schema);
    compiled.set(schema, check);
  }
  return check(value);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function compile(schema: z.core.$ZodType): Accepts {
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const checks = (def.checks ?? []) as z.core.$ZodCheck[];
  // Ask zod about this node wherever a part of it is not understood here.
  const byZod: Accepts = (v) => z.safeParse(schema, v).success;
  switch (def.type) {
    case "optional": {
      const inner = compile(def.innerType as z.core.$ZodType);
      return checks.length === 0 ? (v) => v === undefined || inner(v) : byZod;
    }
    case "string": {
      let min = 0;
      for (const c of checks) {
        const cd = c._zod.def as { check: string; minimum?: number };
        if (cd.check === "min_length" && typeof cd.minimum === "number") min = Math.max(min, cd.minimum);
        else return byZod;
      }
      return (v) => typeof v === "string" && v.length >= min;
    }
    case "boolean":
      return checks.length === 0 ? (v) => typeof v === "boolean" : byZod;
    case "number": {
      if (def.format !== undefined && def.format !== "safeint") return byZod;
      const integer = def.format === "safeint";
      let lower = -Infinity;
      let inclusive = true;
      for (const c of checks) {
        const cd = c._zod.def as { check: string; value?: unknown; inclusive?: boolean };
        if (cd.check === "greater_than" && typeof cd.value === "number" && cd.value >= lower) {
          lower = cd.value;
          inclusive = cd.inclusive === true;
        } else return byZod;
      }
      return (v) => typeof v === "number" && (integer ? Number.isSafeInteger(v) : Number.isFinite(v)) && (inclusive ? v >= lower : v > lower);
    }
    case "enum": {
      if (checks.length > 0) return byZod;
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return (v) => values.has(v as never);
    }
    case "array": {
      if (checks.length > 0) return byZod;
      const element = compile(def.element as z.core.$ZodType);
      return (v) => {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!element(v[i])) return false;
        return true;
      };
    }
    case "record": {
      if (checks.length > 0) return byZod;
      const key = compile(def.keyType as z.core.$ZodType);
      const value = compile(def.valueType as z.core.$ZodType);
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (const k of Object.keys(v)) if (!key(k) || !value(v[k])) return false;
        return true;
      };
    }
    case "union": {
      if (checks.length > 0) return byZod;
      const options = (def.options as z.core.$ZodType[]).map(compile);
      return (v) => {
        for (const o of options) if (o(v)) return true;
        return false;
      };
    }
    case "object": {
      const catchall = def.catchall as z.core.$ZodType | undefined;
      // Strict objects only (unknown keys refused); a refinement is zod's to run.
      if (!catchall || catchall._zod.def.type !== "never" || checks.length > 0) return checks.length > 0 ? objectThenZod(schema) : byZod;
      const shape = def.shape as Record<string, z.core.$ZodType>;
      const keys = Object.keys(shape);
      const fields = keys.map((k) => compile(shape[k]));
      const known = new Set(keys);
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (let i = 0; i < keys.length; i++) if (!fields[i](v[keys[i]])) return false;
        for (const k in v) if (!known.has(k)) return false;
        return true;
      };
    }
    default:
      return byZod;
  }
}

/** An object with refinements: zod checks it (its fields are small), once it is a mapping at all. */
function objectThenZod(schema: z.core.$ZodType): Accepts {
  return (v) => isPlainObject(v) && z.safeParse(schema, v).success;
}
