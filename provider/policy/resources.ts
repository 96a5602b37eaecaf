/**
 * The resources of a stack that share, accept or copy images, read into one shape: who acts
 * (cloud, account, project, region) and what it does (share an image with members, accept a
 * share, copy an image to regions). This package's three resources, and the bridged Pulumi
 * providers' share and copy resources.
 *
 * Type tokens and input names, as checked in the providers' published sources:
 * - @pulumi/alicloud 3.108.0 (npm tarball: ecs/imageSharePermission.js, ecs/imageCopy.js,
 *   provider.js): `alicloud:ecs/imageSharePermission:ImageSharePermission` (imageId, accountId:
 *   one account per resource; "Each custom image can be shared with up to 50 Alibaba Cloud
 *   accounts"), `alicloud:ecs/imageCopy:ImageCopy` (sourceImageId, sourceRegionId, imageName,
 *   description; the copy is made in the provider's region). Provider: accountId, region.
 * - tencentcloudstack/pulumi-tencentcloud a8c3ff6 (2025-12-11), sdk/nodejs/cvm: the npm
 *   package @tencentcloud_iac/pulumi (404 on the registry reachable here).
 *   `tencentcloud:Cvm/imageSharePermission:ImageSharePermission` (imageId, accountIds[]),
 *   `tencentcloud:Cvm/syncImage:SyncImage` (imageId, destinationRegions[], imageName; from the
 *   provider's region). Provider: region (no account id).
 * - huaweicloud/pulumi-huaweicloud 6d73e96 (2025-03-29, terraform-provider-huaweicloud
 *   v1.73.3): its resources.go maps no IMS share resource, only huaweicloud_images_image
 *   (`huaweicloud:Ims/image:Image`). The Terraform resources huaweicloud_images_image_share
 *   (source_image_id, target_project_ids, region), ..._image_share_accepter (image_id, vault_id,
 *   region) and ..._image_copy (source_image_id, target_region, name, description, region) reach
 *   Pulumi as `huaweicloud:index/imagesImageShare:ImagesImageShare` (etc.) when bridged with
 *   `pulumi package add terraform-provider huaweicloud/huaweicloud` (pulumi-terraform-bridge
 *   dynamic/info.go: tokens.SingleModule(prefix, "index", MakeStandard)), and would be
 *   `huaweicloud:Ims/imageShare:ImageShare` (etc.) in the published provider's Ims module: both
 *   are read. Provider: domainId, projectId, region.
 * - opentelekomcloud/terraform-provider-opentelekomcloud 3df509c (docs/resources/
 *   images_image_access_v2.md, images_image_access_accept_v2.md): no Pulumi provider for Open
 *   Telekom Cloud exists; bridged with `pulumi package add terraform-provider
 *   opentelekomcloud/opentelekomcloud` its image_access_v2 (image_id, member_id: the member
 *   project, one per resource) and image_access_accept_v2 (image_id, member_id: by default the
 *   provider's project, status accepted / rejected / pending) reach Pulumi as
 *   `opentelekomcloud:index/imagesImageAccessV2:ImagesImageAccessV2` and
 *   `...ImagesImageAccessAcceptV2`. Provider: domainId, tenantId (the project), region.
 */
import type { ImageKind, ProfileId, Site } from "../rules";
import { IMAGE_KINDS, PROFILE_IDS } from "../rules";
import { UNKNOWN, list, plain, str, type Unknown, type UnknownRead } from "./plain";
import { TOPOLOGY_TYPE } from "./facts";
import { mergeSettings, parseSettings, SettingsError, type PolicySettings, type ProviderFacts, type ResolvedSettings } from "./settings";

/** A string as read from the stack: known, not known until apply, or not given. */
export type Value = string | Unknown | undefined;

/** The resource types this package's dynamic resources register (pulumi.dynamic.Resource: `pulumi-nodejs:dynamic/<module>:<type>`). */
export const OWN_TYPES = {
  share: "pulumi-nodejs:dynamic/image-share:ImageShare",
  acceptance: "pulumi-nodejs:dynamic/image-share:ShareAcceptance",
  copy: "pulumi-nodejs:dynamic/image-share:CrossRegionCopy",
} as const;

/** The ShareTopology component: its `policyFacts` output is what its file says that its children's inputs do not (facts.ts). */
export { TOPOLOGY_TYPE };

/** The bridged providers' resource types read, by what they do. */
export const BRIDGED_TYPES = {
  alicloudShare: "alicloud:ecs/imageSharePermission:ImageSharePermission",
  alicloudCopy: "alicloud:ecs/imageCopy:ImageCopy",
  tencentShare: "tencentcloud:Cvm/imageSharePermission:ImageSharePermission",
  tencentCopy: "tencentcloud:Cvm/syncImage:SyncImage",
  huaweiShare: ["huaweicloud:Ims/imageShare:ImageShare", "huaweicloud:index/imagesImageShare:ImagesImageShare"],
  huaweiAccepter: ["huaweicloud:Ims/imageShareAccepter:ImageShareAccepter", "huaweicloud:index/imagesImageShareAccepter:ImagesImageShareAccepter"],
  huaweiCopy: ["huaweicloud:Ims/imageCopy:ImageCopy", "huaweicloud:index/imagesImageCopy:ImagesImageCopy"],
  otcShare: "opentelekomcloud:index/imagesImageAccessV2:ImagesImageAccessV2",
  otcAccept: "opentelekomcloud:index/imagesImageAccessAcceptV2:ImagesImageAccessAcceptV2",
} as const;

/** A stack resource as CrossGuard gives it to validateStack (the parts read here). */
export interface StackResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  provider?: { type: string; name: string; urn: string; props: Record<string, unknown> };
  propertyDependencies?: Record<string, Array<{ urn: string }>>;
}

/** Who acts: the cloud (profile), the account, project and region, as far as the stack and the settings say. */
export interface Actor {
  profile: ProfileId;
  account: Value;
  project: Value;
  region: Value;
  site?: Site;
  /** Where the identity comes from, for notes: "provider default_3_108_0", "its inputs". */
  source: string;
  /** The settings key that would name the account, for notes: `providers["default_3_108_0"]`. */
  settingsKey?: string;
  /** Where the account was read (an unknown value there is what a note rests on). */
  accountPath?: string;
}

export interface MemberFact {
  type: "account" | "project";
  id: Value;
}

/** An image as a resource names it: by id, and/or by the copy resource its id comes from. */
export interface ImageRef {
  id: Value;
  /** URN of a copy resource of the stack that this property depends on (the image is its product). */
  from?: string;
  /** The property read, for notes. */
  property: string;
}

export type Act =
  | { kind: "share"; image: ImageRef; members: MemberFact[] | Unknown; imageKind?: ImageKind }
  | { kind: "acceptance"; image: ImageRef; member: MemberFact | Unknown | undefined; status: "accepted" | "rejected" | Unknown; owner?: Value }
  | { kind: "copy"; source: ImageRef; regions: Value[] | Unknown; product?: Value; imageName?: Value; description?: Value };

/** One resource of the stack that shares, accepts or copies, read. */
export interface StackItem {
  urn: string;
  name: string;
  type: string;
  actor: Actor;
  act: Act;
  /** This package's resources carry the rule settings they were declared with (`stack`). */
  declared?: { limits?: { member?: number; fullMember?: number }; trust?: string[] };
  /** Values of this resource not known until apply, with the SDK's errors for them. */
  unknowns: UnknownRead[];
}

/** Reads one resource's properties one by one (a value not known until apply becomes UNKNOWN). */
class Reader {
  readonly unknowns: UnknownRead[] = [];
  constructor(private readonly r: StackResource) {}

  get(key: string): unknown {
    return this.read(() => this.r.props[key], key);
  }

  /** Only `keys` of an object property (the rest of it is not read); undefined if it is no object. */
  pick(key: string, keys: readonly string[]): Record<string, unknown> | Unknown | undefined {
    const v = this.read(() => this.r.props[key], key, false);
    if (v === UNKNOWN) return UNKNOWN;
    if (v === null || typeof v !== "object") return undefined;
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = this.read(() => (v as Record<string, unknown>)[k], `${key}.${k}`);
    return out;
  }

  provider(key: string): unknown {
    const p = this.r.provider;
    return p ? this.read(() => p.props[key], `provider.${key}`) : undefined;
  }

  /** The value `get` reads; `deep`: as plain data (plain.ts), else as the SDK gives it. */
  private read(get: () => unknown, path: string, deep = true): unknown {
    let v: unknown;
    try {
      v = get();
    } catch (error) {
      // The SDK's unknown-value check (see plain.ts).
      this.unknowns.push({ path, error });
      return UNKNOWN;
    }
    return deep ? plain(v, this.unknowns, path) : v;
  }

  /** The URNs of the copy resources a property's value comes from. */
  dependsOn(key: string): string[] {
    return (this.r.propertyDependencies?.[key] ?? []).map((d) => d.urn);
  }
}

function memberFact(v: unknown): MemberFact | Unknown | undefined {
  if (v === UNKNOWN) return UNKNOWN;
  if (typeof v === "string") return v === "" ? undefined : { type: "account", id: v };
  if (v && typeof v === "object") {
    const { type, id } = v as Record<string, unknown>;
    if (type === UNKNOWN) return UNKNOWN;
    if (type === "account" || type === "project") return { type, id: str(id) };
  }
  return undefined;
}

function members(v: unknown, type?: "account" | "project"): MemberFact[] | Unknown {
  const l = list(v);
  if (l === UNKNOWN) return UNKNOWN;
  const out: MemberFact[] = [];
  for (const m of l ?? []) {
    if (type !== undefined) {
      const id = str(m);
      if (id !== undefined) out.push({ type, id });
      continue;
    }
    const f = memberFact(m);
    if (f === UNKNOWN) out.push({ type: "account", id: UNKNOWN });
    else if (f) out.push(f);
  }
  return out;
}

function regions(v: unknown): Value[] | Unknown {
  const l = list(v);
  if (l === UNKNOWN) return UNKNOWN;
  return (l ?? []).map(str).filter((r) => r !== undefined);
}

function isProfile(v: unknown): v is ProfileId {
  return typeof v === "string" && (PROFILE_IDS as readonly string[]).includes(v);
}

/** A copy resource this property depends on, if any (by its type). */
function copyDependency(reader: Reader, key: string, copyUrns: ReadonlySet<string>): string | undefined {
  return reader.dependsOn(key).find((u) => copyUrns.has(u));
}

function imageRef(reader: Reader, key: string, copyUrns: ReadonlySet<string>): ImageRef {
  const ref: ImageRef = { id: str(reader.get(key)), property: key };
  const from = copyDependency(reader, key, copyUrns);
  if (from !== undefined) ref.from = from;
  return ref;
}

/** The package name of a bridged resource type: `alicloud` of `alicloud:ecs/...`. */
function packageOf(type: string): string {
  return type.slice(0, type.indexOf(":"));
}

/** The settings of a resource's provider: by URN, by name, by package (most specific first). */
function providerSettings(r: StackResource, settings: ResolvedSettings): { facts: ProviderFacts; key: string } {
  const p = r.provider;
  const pkg = packageOf(r.type);
  const keys = p ? [p.urn, p.name, pkg] : [pkg];
  const facts: ProviderFacts = {};
  for (const k of [...keys].reverse()) Object.assign(facts, settings.providers[k] ?? {});
  return { facts, key: p ? p.name : pkg };
}

/** The identity of a bridged resource: its provider's settings over its provider's configuration. */
function bridgedActor(r: StackResource, reader: Reader, settings: ResolvedSettings, fields: { profile: ProfileId; account?: string; project?: string }): Actor {
  const { facts, key } = providerSettings(r, settings);
  const given = <T>(fact: T | undefined, field: string | undefined): T | Value =>
    fact !== undefined ? fact : field !== undefined ? str(reader.provider(field)) : undefined;
  const actor: Actor = {
    profile: facts.profile ?? fields.profile,
    account: given(facts.account, fields.account) as Value,
    project: given(facts.project, fields.project) as Value,
    region: given(facts.region, "region") as Value,
    source: r.provider ? `provider ${r.provider.name}` : `the default ${packageOf(r.type)} provider`,
    settingsKey: `providers["${key}"]`,
  };
  if (facts.account === undefined && fields.account !== undefined) actor.accountPath = `provider.${fields.account}`;
  if (facts.site) actor.site = facts.site;
  return actor;
}

/** The identity of one of this package's resources: its own inputs. */
function ownActor(reader: Reader): Actor | undefined {
  const profile = reader.get("profile");
  if (!isProfile(profile)) return undefined;
  return { profile, account: str(reader.get("account")), project: str(reader.get("project")), region: str(reader.get("region")), source: "its inputs", accountPath: "account" };
}

function ownDeclared(reader: Reader): StackItem["declared"] {
  // Only the settings: `stack` also holds every other declaration of the stack, and reading all of
  // it for each resource made a pack's run quadratic in the stack's size.
  const s = reader.pick("stack", ["limits", "trust"]);
  if (s === undefined || s === UNKNOWN) return undefined;
  const out: NonNullable<StackItem["declared"]> = {};
  const l = s.limits;
  if (l && typeof l === "object") {
    const { member, fullMember } = l as Record<string, unknown>;
    out.limits = {};
    if (typeof member === "number") out.limits.member = member;
    if (typeof fullMember === "number") out.limits.fullMember = fullMember;
  }
  if (Array.isArray(s.trust)) out.trust = s.trust.filter((t): t is string => typeof t === "string" && t !== "");
  return out;
}

/**
 * The facts of the stack's ShareTopology components (their `policyFacts` outputs), merged in the
 * order of the stack: what the policy settings do not say.
 */
export function stackFacts(resources: readonly StackResource[]): PolicySettings {
  let facts: PolicySettings = {};
  for (const r of resources) {
    if (r.type !== TOPOLOGY_TYPE) continue;
    const value = (plain(r.props, []) as Record<string, unknown>).policyFacts;
    // An older image-share's component registers none; a value not known yet says nothing.
    if (value === undefined || value === UNKNOWN) continue;
    try {
      facts = mergeSettings(facts, parseSettings(value, `the policyFacts output of the ShareTopology ${r.name}`));
    } catch (e) {
      // Another version's shape (the stack's image-share is not the pack's): the settings still hold.
      if (!(e instanceof SettingsError)) throw e;
    }
  }
  return facts;
}

const HUAWEI_FIELDS = { profile: "huaweicloud" as const, account: "domainId", project: "projectId" };
const OTC_FIELDS = { profile: "opentelekomcloud" as const, account: "domainId", project: "tenantId" };

/** Whether resources of this type copy images (their products are what later shares may name). */
export function isCopyType(type: string): boolean {
  return type === OWN_TYPES.copy || type === BRIDGED_TYPES.alicloudCopy || type === BRIDGED_TYPES.tencentCopy || (BRIDGED_TYPES.huaweiCopy as readonly string[]).includes(type);
}

/** The resource read as a share, acceptance or copy; undefined for a resource of another type. */
export function readResource(r: StackResource, settings: ResolvedSettings, copyUrns: ReadonlySet<string>): StackItem | undefined {
  const reader = new Reader(r);
  const item = (actor: Actor | undefined, act: Act, declared?: StackItem["declared"]): StackItem | undefined => {
    if (!actor) return undefined;
    const out: StackItem = { urn: r.urn, name: r.name, type: r.type, actor, act, unknowns: reader.unknowns };
    if (declared) out.declared = declared;
    return out;
  };
  const has = (types: readonly string[]) => types.includes(r.type);
  // A resource's own region input (huaweicloud's optional `region`) comes before its provider's.
  const withRegion = (actor: Actor): Actor => {
    const own = str(reader.get("region"));
    return own === undefined ? actor : { ...actor, region: own };
  };

  switch (r.type) {
    case OWN_TYPES.share: {
      const kind = reader.get("imageKind");
      const act: Act = { kind: "share", image: imageRef(reader, "imageId", copyUrns), members: members(reader.get("members")) };
      if (typeof kind === "string" && (IMAGE_KINDS as readonly string[]).includes(kind)) act.imageKind = kind as ImageKind;
      return item(ownActor(reader), act, ownDeclared(reader));
    }
    case OWN_TYPES.acceptance: {
      const status = reader.get("status");
      return item(
        ownActor(reader),
        {
          kind: "acceptance",
          image: imageRef(reader, "imageId", copyUrns),
          member: memberFact(reader.get("member")),
          status: status === UNKNOWN ? UNKNOWN : status === "rejected" ? "rejected" : "accepted",
          owner: str(reader.get("owner")),
        },
        ownDeclared(reader),
      );
    }
    case OWN_TYPES.copy:
      return item(
        ownActor(reader),
        {
          kind: "copy",
          source: imageRef(reader, "sourceImageId", copyUrns),
          regions: [str(reader.get("targetRegion"))],
          product: str(reader.get("imageId")),
          imageName: str(reader.get("name")),
          description: str(reader.get("description")),
        },
        ownDeclared(reader),
      );
    case BRIDGED_TYPES.alicloudShare:
      return item(bridgedActor(r, reader, settings, { profile: "alicloud", account: "accountId" }), {
        kind: "share",
        image: imageRef(reader, "imageId", copyUrns),
        members: members([reader.get("accountId")], "account"),
      });
    case BRIDGED_TYPES.alicloudCopy: {
      // The copy is made in the provider's region, from sourceRegionId.
      const actor = bridgedActor(r, reader, settings, { profile: "alicloud", account: "accountId" });
      const destination = actor.region;
      return item(
        { ...actor, region: str(reader.get("sourceRegionId")) },
        { kind: "copy", source: imageRef(reader, "sourceImageId", copyUrns), regions: [destination], imageName: str(reader.get("imageName")), description: str(reader.get("description")) },
      );
    }
    case BRIDGED_TYPES.tencentShare:
      return item(bridgedActor(r, reader, settings, { profile: "tencentcloud" }), {
        kind: "share",
        image: imageRef(reader, "imageId", copyUrns),
        members: members(reader.get("accountIds"), "account"),
      });
    case BRIDGED_TYPES.otcShare:
      return item(bridgedActor(r, reader, settings, OTC_FIELDS), {
        kind: "share",
        image: imageRef(reader, "imageId", copyUrns),
        members: members([reader.get("memberId")], "project"),
      });
    case BRIDGED_TYPES.otcAccept: {
      const status = reader.get("status");
      // "pending" leaves the proposal as it is: neither accepted nor rejected.
      if (status === "pending") return undefined;
      const actor = bridgedActor(r, reader, settings, OTC_FIELDS);
      // The member is member_id, else the provider's project.
      const id = str(reader.get("memberId")) ?? actor.project;
      return item(actor, {
        kind: "acceptance",
        image: imageRef(reader, "imageId", copyUrns),
        member: id === UNKNOWN ? UNKNOWN : id !== undefined ? { type: "project", id } : undefined,
        status: status === UNKNOWN ? UNKNOWN : status === "rejected" ? "rejected" : "accepted",
      });
    }
    case BRIDGED_TYPES.tencentCopy:
      return item(bridgedActor(r, reader, settings, { profile: "tencentcloud" }), {
        kind: "copy",
        source: imageRef(reader, "imageId", copyUrns),
        regions: regions(reader.get("destinationRegions")),
        imageName: str(reader.get("imageName")),
      });
  }
  if (has(BRIDGED_TYPES.huaweiShare)) {
    return item(withRegion(bridgedActor(r, reader, settings, HUAWEI_FIELDS)), {
      kind: "share",
      image: imageRef(reader, "sourceImageId", copyUrns),
      members: members(reader.get("targetProjectIds"), "project"),
    });
  }
  if (has(BRIDGED_TYPES.huaweiAccepter)) {
    // The accepter acts as its provider's project (or, without one, its account).
    const actor = withRegion(bridgedActor(r, reader, settings, HUAWEI_FIELDS));
    const member: MemberFact | Unknown | undefined =
      actor.project === UNKNOWN ? UNKNOWN : actor.project !== undefined ? { type: "project", id: actor.project } : actor.account === UNKNOWN ? UNKNOWN : actor.account !== undefined ? { type: "account", id: actor.account } : undefined;
    return item(actor, { kind: "acceptance", image: imageRef(reader, "imageId", copyUrns), member, status: "accepted" });
  }
  if (has(BRIDGED_TYPES.huaweiCopy)) {
    return item(withRegion(bridgedActor(r, reader, settings, HUAWEI_FIELDS)), {
      kind: "copy",
      source: imageRef(reader, "sourceImageId", copyUrns),
      regions: [str(reader.get("targetRegion"))],
      imageName: str(reader.get("name")),
      description: str(reader.get("description")),
    });
  }
  return undefined;
}
