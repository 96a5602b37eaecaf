/**
 * What the stack does not say and the policies need: which cloud account (and project, region,
 * site) a provider acts as, facts about images and accounts, raised limits, the trust list.
 * One shape, given in code (`imageSharePolicies(settings)`, for every rule) and in each policy's
 * CrossGuard config (JSON-schema'd from the same definition; it overrides the code's for that
 * rule). Everything here is ids and plain facts, never a credential.
 */
import { z } from "zod";
import { IMAGE_KINDS, PROFILE_IDS, type ImageKind, type Limits, type ProfileId, type Site } from "../rules";

const id = z.string().min(1);
const site = z.enum(["cn", "intl"]).describe("huaweicloud: the China site (cn) or the international site (intl)");
const profile = z.enum(PROFILE_IDS);
const limits = z
  .object({
    member: z.number().int().positive().optional().describe("member limit of system and data-disk images (a raised quota)"),
    fullMember: z.number().int().positive().optional().describe("member limit of full-ECS images"),
  })
  .strict();

const providerFacts = z
  .object({
    profile: profile.optional().describe("the rules profile of the provider's cloud (default: from the provider's package)"),
    account: id.optional().describe("the account id the provider acts as (alicloud: account id, tencentcloud: UIN, huaweicloud: domain id)"),
    project: id.optional().describe("huaweicloud: the project id the provider acts in"),
    region: id.optional().describe("the provider's region, when its configuration does not say it"),
    site: site.optional(),
  })
  .strict();

const accountFacts = z
  .object({
    site: site.optional(),
    projects: z.record(id, id).optional().describe("huaweicloud / opentelekomcloud: project id -> its region"),
  })
  .strict();

const imageFacts = z
  .object({
    kind: z.enum(IMAGE_KINDS).optional().describe("system | data | full (full-ECS); default: defaultImageKind"),
    owner: id.optional().describe("the account id that owns the image"),
    region: id.optional(),
    name: z.string().optional(),
    existingMembers: z.number().int().nonnegative().optional().describe("members the image already has that no resource of the stack declares"),
  })
  .strict();

const settingsShape = z
  .object({
    providers: z
      .record(id, providerFacts)
      .optional()
      .describe("per provider: by the provider resource's URN, its name (e.g. default_3_108_0, or your explicit provider's name), or its package (alicloud, tencentcloud, huaweicloud) for all of that package's providers"),
    accounts: z.record(id, accountFacts).optional().describe("per account id: its site and projects"),
    images: z.record(id, imageFacts).optional().describe("per image id: what the stack does not say about it"),
    limits: z.partialRecord(profile, limits).optional().describe("per profile: raised member limits (the cloud raised your quota)"),
    trust: z.array(id).optional().describe("account ids whose images may be accepted or copied (untrusted-source)"),
    strictTrust: z.boolean().optional().describe("untrusted-source findings are errors; in CrossGuard config give untrusted-source enforcementLevel mandatory too"),
    defaultImageKind: z
      .enum(IMAGE_KINDS)
      .optional()
      .describe("the kind assumed for an image whose kind neither the stack nor `images` says; default system (the highest limits: no false member-limit)"),
  })
  .strict();

/** What a provider acts as, where the stack does not say it. */
export interface ProviderFacts {
  /** The rules profile of the provider's cloud (default: from the provider's package). */
  profile?: ProfileId;
  /** The account id the provider acts as (alicloud: account id, tencentcloud: UIN, huaweicloud: domain id). */
  account?: string;
  /** huaweicloud: the project id the provider acts in. */
  project?: string;
  /** The provider's region, when its configuration does not say it. */
  region?: string;
  site?: Site;
}

export interface ImageFacts {
  kind?: ImageKind;
  /** The account id that owns the image. */
  owner?: string;
  region?: string;
  name?: string;
  /** Members the image already has that no resource of the stack declares. */
  existingMembers?: number;
}

/**
 * The policies' settings: in code for every rule, and in each policy's CrossGuard config (the
 * JSON Schema of `configSchema()`) for that rule.
 */
export interface PolicySettings {
  /** Per provider: by the provider resource's URN, its name, or its package (alicloud, tencentcloud, huaweicloud). */
  providers?: Record<string, ProviderFacts>;
  /** Per account id: its site, and its projects (project id -> region). */
  accounts?: Record<string, { site?: Site; projects?: Record<string, string> }>;
  /** Per image id: what the stack does not say about it. */
  images?: Record<string, ImageFacts>;
  /** Per profile: raised member limits. */
  limits?: Partial<Record<ProfileId, Limits>>;
  /** Account ids whose images may be accepted or copied. */
  trust?: string[];
  /** untrusted-source findings are errors (in CrossGuard config: give untrusted-source enforcementLevel mandatory too). */
  strictTrust?: boolean;
  /** The kind assumed for an image whose kind nothing says; default system (the highest limits: no false member-limit). */
  defaultImageKind?: ImageKind;
}

// The interface above is the schema's type, checked both ways.
type Parsed = z.infer<typeof settingsShape>;
const _parsedIsSettings = (p: Parsed): PolicySettings => p;
const _settingsIsParsed = (p: PolicySettings): Parsed => p;
void _parsedIsSettings;
void _settingsIsParsed;

/** The kind assumed when nothing says it: the one with the highest member limits, so no false member-limit. */
export const DEFAULT_IMAGE_KIND: ImageKind = "system";

/** The CrossGuard configSchema of every policy (JSON Schema draft-07, as the Pulumi CLI validates it). */
export function configSchema(): { properties: Record<string, object> } {
  const schema = z.toJSONSchema(settingsShape, { target: "draft-7" }) as { properties: Record<string, object> };
  return { properties: schema.properties };
}

export class SettingsError extends Error {}

/** Settings checked against the shape, or an error naming each wrong key and where it is. */
export function parseSettings(value: unknown, where: string): PolicySettings {
  const r = settingsShape.safeParse(value ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top)"}: ${i.message}`);
  throw new SettingsError(`image-share policy: ${where} is not valid: ${problems.join("; ")}`);
}

/** `over` on top of `base`: per-entry for the maps (providers, accounts, images, limits), replaced otherwise. */
export function mergeSettings(base: PolicySettings, over: PolicySettings): PolicySettings {
  const out: PolicySettings = { ...base, ...over };
  for (const key of ["providers", "accounts", "images", "limits"] as const) {
    const a = base[key] as Record<string, object> | undefined;
    const b = over[key] as Record<string, object> | undefined;
    if (!a || !b) continue;
    const merged: Record<string, object> = { ...a };
    for (const [k, v] of Object.entries(b)) merged[k] = { ...(a[k] ?? {}), ...v };
    (out as Record<string, unknown>)[key] = merged;
  }
  return out;
}

/** Settings read by the mapping, with defaults applied. */
export interface ResolvedSettings {
  providers: Record<string, ProviderFacts>;
  accounts: Record<string, { site?: Site; projects?: Record<string, string> }>;
  images: Record<string, ImageFacts>;
  limits: Partial<Record<ProfileId, Limits>>;
  trust?: string[];
  strictTrust: boolean;
  defaultImageKind: ImageKind;
}

export function resolveSettings(s: PolicySettings): ResolvedSettings {
  const out: ResolvedSettings = {
    providers: s.providers ?? {},
    accounts: s.accounts ?? {},
    images: s.images ?? {},
    limits: s.limits ?? {},
    strictTrust: s.strictTrust === true,
    defaultImageKind: s.defaultImageKind ?? DEFAULT_IMAGE_KIND,
  };
  if (s.trust) out.trust = s.trust;
  return out;
}
