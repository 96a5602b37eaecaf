/**
 * A resource's properties as plain data. CrossGuard hands a policy its resources' properties
 * behind a proxy that throws as soon as a policy reads a value not known until apply (preview);
 * the SDK then skips the whole policy with an advisory note. Reading each value on its own here
 * keeps the rest of the stack checked: an unknown value becomes UNKNOWN, and the error the SDK
 * threw is kept, so that a policy whose check depended on it can end with that very error (the
 * SDK's own advisory note, "can't run policy ... during preview: ...") after reporting what it
 * could check.
 */

/** A value not known until apply. */
export const UNKNOWN: unique symbol = Symbol("image-share.policy.unknown");
export type Unknown = typeof UNKNOWN;

/** An unknown value: where it was read, and the error the SDK threw for it. */
export interface UnknownRead {
  /** e.g. "imageId", "members.3.id", "provider.region". */
  path: string;
  error: unknown;
}

/** `value` (a proxied property bag, or anything) as plain data, with UNKNOWN where a read threw. */
export function plain(value: unknown, unknowns: UnknownRead[], path = ""): unknown {
  if (value === null || typeof value !== "object") return value;
  const isArray = Array.isArray(value);
  const keys = isArray ? Array.from({ length: (value as unknown[]).length }, (_, i) => String(i)) : Object.keys(value);
  const out: Record<string, unknown> | unknown[] = isArray ? [] : {};
  for (const key of keys) {
    const at = path === "" ? key : `${path}.${key}`;
    let v: unknown;
    try {
      v = (value as Record<string, unknown>)[key];
    } catch (error) {
      // The only getter that throws on this data is the SDK's unknown-value check.
      unknowns.push({ path: at, error });
      (out as Record<string, unknown>)[key] = UNKNOWN;
      continue;
    }
    (out as Record<string, unknown>)[key] = plain(v, unknowns, at);
  }
  return out;
}

/** A non-empty string, UNKNOWN, or undefined (absent or of another type). */
export function str(v: unknown): string | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A list as read: its elements, UNKNOWN for the whole list, or undefined. */
export function list(v: unknown): unknown[] | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  return Array.isArray(v) ? v : undefined;
}
