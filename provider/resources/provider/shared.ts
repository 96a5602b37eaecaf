/**
 * Pieces the three provider implementations share: identity checks, member keys, the rules run
 * and warning output.
 */
import { isImageServiceError } from "../../backends/errors";
import type { ImageService, MemberTarget } from "../../backends/types";
import type { Violation } from "../../rules/rule";
import type { IdentityInputs } from "../wire";
import { isUnknown } from "../wire";
import { resolveConnection, type Connection } from "./credentials";
import { serviceFor } from "./cache";
import { log, ProviderError } from "./errors";
import { quoteId, type CheckFailure } from "./inputs";

export const PROVIDER_KEY = "__provider";

export const memberKey = (m: MemberTarget): string => `${m.type}:${m.id}`;

/** Distinct members, first occurrence kept. */
export function distinct(members: MemberTarget[]): MemberTarget[] {
  const seen = new Set<string>();
  return members.filter((m) => {
    const k = memberKey(m);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** An id as messages show it: quoted, so that a stray space or an invisible character shows. */
export function q(id: unknown): string {
  return quoteId(String(id));
}

export function describeMember(m: MemberTarget): string {
  return `${m.type} ${q(m.id)}`;
}

/** Whether anything in a value is Pulumi's (or the stack's) unknown marker. */
export function hasUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (v && typeof v === "object") return Object.values(v as Record<string, unknown>).some(hasUnknown);
  return false;
}

/** Whether the acting identity is fully known (during preview it may not be). */
export function identityKnown(i: IdentityInputs): boolean {
  return !hasUnknown([i.profile, i.region, i.account, i.project ?? null, i.connection ?? null]);
}

/** Connection and service for an identity; a credential that cannot be read becomes a check failure. */
export async function connect(identity: IdentityInputs): Promise<{ connection: Connection; service: ImageService }> {
  const connection = resolveConnection(identity);
  const service = await serviceFor(connection);
  return { connection, service };
}

export async function connectForCheck(identity: IdentityInputs): Promise<{ connection: Connection; service: ImageService } | CheckFailure> {
  try {
    return await connect(identity);
  } catch (e) {
    return { property: "connection", reason: e instanceof Error ? e.message : String(e) };
  }
}

export const isNotFound = (e: unknown): boolean => isImageServiceError(e, "not-found");

/** Warnings of the rules: printed (the engine shows a provider's stderr), never failing. */
export function warn(kind: string, warnings: Violation[]): void {
  for (const w of warnings) log(`warning: ${kind}: [${w.rule}] ${w.message}${w.fix ? ` Fix: ${w.fix}` : ""}`);
}

/** The rules core, loaded on first use (check only). */
export function validate(...args: Parameters<typeof import("../../rules/engine").validate>): Violation[] {
  const engine = require("../../rules/engine") as typeof import("../../rules/engine");
  return engine.validate(...args);
}

/** Inputs without the unknowns an output must not carry; `__provider` put back for partial state. */
export function withProvider<T extends object>(props: T, inputs: Record<string, unknown>): T & { [PROVIDER_KEY]?: unknown } {
  const out = { ...props } as Record<string, unknown>;
  if (inputs[PROVIDER_KEY] !== undefined) out[PROVIDER_KEY] = inputs[PROVIDER_KEY];
  return out as T & { [PROVIDER_KEY]?: unknown };
}

export function assertKnown(what: string, v: unknown): void {
  if (hasUnknown(v)) throw new ProviderError(`${what} is not known: it must be known before the resource is applied`);
}

/**
 * What every diff compares the same way: the `keys` whose change means a new resource, and the
 * connection. A different backend or emulator state file is another cloud (replace); any other
 * connection change (endpoint, credential references) is an in-place update.
 */
export function identityDiff<T extends IdentityInputs>(
  olds: T,
  news: T,
  keys: readonly (keyof T)[],
): { replaces: string[]; connectionChanged: boolean } {
  const replaces: string[] = [];
  for (const k of keys) if ((olds[k] ?? null) !== (news[k] ?? null)) replaces.push(String(k));
  const oc = olds.connection ?? { backend: "emulator" };
  const nc = news.connection ?? { backend: "emulator" };
  if (isUnknown(nc) || oc.backend !== nc.backend || (oc.emulatorPath ?? null) !== (nc.emulatorPath ?? null)) replaces.push("connection");
  return { replaces, connectionChanged: JSON.stringify(oc) !== JSON.stringify(nc) };
}
