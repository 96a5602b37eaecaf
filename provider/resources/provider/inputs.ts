/**
 * Shape checks of the wire inputs (wire.ts), as check failures `{property, reason}`. Any value
 * may be Pulumi's unknown marker during preview: it passes here, and the rules wait for it.
 */
import type { z as Z } from "zod";
import { PROFILE_IDS, type ProfileId } from "../../rules/model";
import { PROFILES } from "../../rules/profiles";
import { REGION_TABLES, knownRegion } from "../../rules/regions";
import { didYouMean } from "../../topology/suggest";
import { PULUMI_UNKNOWN } from "../wire";

export interface CheckFailure {
  property: string;
  reason: string;
}

type Kind = "ImageShare" | "ShareAcceptance" | "CrossRegionCopy";

const schemas = new Map<Kind, Z.ZodType>();

function schemaFor(kind: Kind): Z.ZodType {
  let s = schemas.get(kind);
  if (s) return s;
  const { z } = require("zod") as typeof import("zod");
  const U = z.literal(PULUMI_UNKNOWN);
  const u = <T extends Z.ZodType>(t: T) => z.union([U, t]);
  const id = (what: string) => z.string({ error: `${what} must be a string` }).min(1, { error: `${what} must not be empty` });
  // A cloud's id (image, account, project, region): what the cloud issues is printable ASCII, so a
  // space, an invisible character or another Unicode form of an id (pasted from a console or a
  // document) is an input error here, not a not-found at apply time.
  const cloudId = (what: string) =>
    id(what).check((ctx) => {
      const problem = idProblem(ctx.value);
      if (problem) ctx.issues.push({ code: "custom", input: ctx.value, message: `${what} ${quoteId(ctx.value)} ${problem}` });
    });
  const secretRef = u(
    z
      .strictObject({ env: u(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "env must be an environment variable's name" })).optional(), config: u(z.string().min(1)).optional() })
      .refine((r) => r.env !== undefined || r.config !== undefined, { error: "names neither env nor config" }),
  );
  const connection = u(
    z.strictObject({
      backend: u(z.enum(["emulator", "cloud"], { error: 'backend must be "emulator" or "cloud"' })),
      emulatorPath: u(id("emulatorPath")).optional(),
      endpoint: u(id("endpoint")).optional(),
      credentials: u(z.strictObject({ accessKey: secretRef.optional(), secretKey: secretRef.optional() })).optional(),
      agencyName: u(id("agencyName")).optional(),
      retryDeadlineMs: u(z.number({ error: "retryDeadlineMs must be a number of milliseconds" }).int({ error: "retryDeadlineMs must be whole milliseconds" }).min(0, { error: "retryDeadlineMs must not be negative" })).optional(),
      projectAccounts: u(z.record(cloudId("a project id"), cloudId("account id"), { error: "projectAccounts must map project ids to account ids" })).optional(),
    }),
  );
  // Any part of a member may be unknown during preview (an output of a resource not created yet).
  const member = u(z.strictObject({ type: u(z.enum(["account", "project"], { error: 'type must be "account" or "project"' })), id: u(cloudId("member id")) }));
  const identity = {
    profile: u(z.enum(PROFILE_IDS, { error: `profile must be one of ${PROFILE_IDS.join(", ")}` })),
    region: u(cloudId("region")),
    account: u(cloudId("account")),
    project: u(cloudId("project")).optional(),
    connection: connection.optional(),
    // Filled in by the resource classes (ledger.ts); checked loosely, read defensively.
    stack: z.any().optional(),
  };
  if (kind === "ImageShare") {
    s = z.looseObject({ ...identity, imageId: u(cloudId("imageId")), members: u(z.array(member, { error: "members must be a list" })) });
  } else if (kind === "ShareAcceptance") {
    s = z.looseObject({ ...identity, imageId: u(cloudId("imageId")), member: member, status: u(z.enum(["accepted", "rejected"], { error: 'status must be "accepted" or "rejected"' })), vaultId: u(cloudId("vaultId")).optional() });
  } else {
    s = z.looseObject({
      ...identity,
      sourceImageId: u(cloudId("sourceImageId")),
      targetRegion: u(cloudId("targetRegion")),
      targetProject: u(cloudId("targetProject")).optional(),
      name: u(z.string()).optional(),
      description: u(z.string()).optional(),
      timeoutMinutes: u(z.number().positive({ error: "timeoutMinutes must be a positive number" })).optional(),
      vaultId: u(cloudId("vaultId")).optional(),
    });
  }
  schemas.set(kind, s);
  return s;
}

/** An id in a message: quoted, with anything outside printable ASCII escaped, so that it shows. */
export function quoteId(value: string): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (c) => [...c].map((x) => `\\u${x.codePointAt(0)!.toString(16).padStart(4, "0")}`).join(""));
}

/**
 * Why a string is not an id a cloud issues, or undefined when it may be one: whitespace, a control
 * or invisible character, a character outside ASCII (named with its code point, and the ASCII form
 * Unicode normalisation gives it when there is one).
 */
export function idProblem(value: string): string | undefined {
  for (let i = 0; i < value.length; i++) {
    const code = value.codePointAt(i)!;
    if (code >= 0x21 && code <= 0x7e) continue;
    const u = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
    const at = i === 0 ? "at its start" : i >= value.length - 1 ? "at its end" : `at position ${i + 1}`;
    if (/\s/u.test(String.fromCodePoint(code))) return `holds whitespace (${u}) ${at}: ids have none (a copy-paste leftover?)`;
    if (code < 0x20 || code === 0x7f) return `holds a control character (${u}) ${at}: ids are printable ASCII`;
    const nfkc = value.normalize("NFKC");
    const variant = nfkc !== value && /^[\x21-\x7e]+$/.test(nfkc) ? `: a Unicode variant of ${JSON.stringify(nfkc)}` : "";
    return `holds ${u} ${at}, outside ASCII${variant}; ids are ASCII letters, digits and punctuation`;
  }
  return undefined;
}

/**
 * `region` (and a copy's `targetRegion`) must be a region of the profile's table (docs/sources.md,
 * "Region tables") or one the stack adds (`regions`, a topology file's `regions:`), as the
 * topology loader checks a file's regions.
 */
function regionFailures(kind: Kind, news: Record<string, unknown>): CheckFailure[] {
  const profile = news.profile;
  if (typeof profile !== "string" || profile === PULUMI_UNKNOWN) return [];
  const stack = news.stack as { regions?: unknown } | undefined;
  const added = Array.isArray(stack?.regions) ? stack.regions.filter((r): r is string => typeof r === "string") : [];
  const out: CheckFailure[] = [];
  for (const property of kind === "CrossRegionCopy" ? ["region", "targetRegion"] : ["region"]) {
    const region = news[property];
    if (typeof region !== "string" || region === PULUMI_UNKNOWN || knownRegion(profile as ProfileId, region, added)) continue;
    const table = PROFILES[profile as ProfileId];
    out.push({
      property,
      reason: `${kind}: ${property}: unknown ${profile} region ${quoteId(region)}${didYouMean(region, table.regions)}: not in ${table.cloud}'s region table (docs/sources.md, ${REGION_TABLES[profile as ProfileId].source}); if it is a region newer than the table, add it to the resource's regions`,
    });
  }
  return out;
}

/** Pulumi's property path: members[2].id */
function propertyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

/**
 * Leaf issues with full paths. A union with the unknown marker (u() puts the marker first)
 * reports both branches: the last branch holds the real reason.
 */
function leaves(issue: Issue, base: PropertyKey[]): Array<{ path: PropertyKey[]; message: string }> {
  const path = [...base, ...(issue.path ?? [])];
  if (issue.code === "invalid_union" && issue.errors && issue.errors.length > 0) {
    const branch = issue.errors[issue.errors.length - 1];
    if (branch.length > 0) return branch.flatMap((i) => leaves(i, path));
  }
  return [{ path, message: issue.message }];
}

/** Shape failures of a resource's inputs (empty when the shape is right), then its regions against the profile's region table. */
export function shapeFailures(kind: Kind, news: unknown): CheckFailure[] {
  const r = schemaFor(kind).safeParse(news);
  if (r.success) return regionFailures(kind, news as Record<string, unknown>);
  const out: CheckFailure[] = [];
  const seen = new Set<string>();
  for (const issue of r.error.issues as unknown as Issue[]) {
    for (const leaf of leaves(issue, [])) {
      const property = propertyPath(leaf.path) || "(inputs)";
      if (seen.has(property + leaf.message)) continue;
      seen.add(property + leaf.message);
      out.push({ property, reason: `${kind}: ${property}: ${leaf.message}` });
    }
  }
  return out;
}
