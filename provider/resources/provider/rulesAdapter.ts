/**
 * From one resource's inputs, what the rest of the stack declares (`stack`) and what the cloud
 * holds, to a topology the rules core validates; and from its violations back to check
 * failures on the resource's own properties.
 *
 * Keys are the clouds' ids: an account's key is its id, a project's key its id, an image's key
 * its id. The provider knows a project's region only for the projects it acts in or reads (the
 * acting identity's, the image owner's); a member project of another account is given the
 * image's region, so cross-region-share is never reported on a guess (the cloud refuses it at
 * apply time with its own error). Anything unknown (Pulumi's unknown marker, the stack's
 * "(unknown)") is left out, or assumed harmless, so it never produces a violation.
 */
import type { Account, Acceptance, Copy, Image, ImageKind, MemberRef, ObservedImage, ObservedMember, ProfileId, Share, Topology, Observed } from "../../rules/model";
import type { Violation } from "../../rules/rule";
import type { ImageInfo, Member, MemberTarget } from "../../backends/types";
import { UNKNOWN_IN_STACK, isUnknown, type StackDeclarations } from "../wire";
import type { CheckFailure } from "./inputs";

/** The name this resource goes by in the rules' messages (check does not receive the resource's name). */
export const SELF = "this resource";

const known = (v: unknown): v is string => typeof v === "string" && v !== "" && !isUnknown(v);
export const knownMember = (m: unknown): m is MemberTarget =>
  !!m && typeof m === "object" && !isUnknown(m) && ((m as MemberTarget).type === "account" || (m as MemberTarget).type === "project") && known((m as MemberTarget).id);

export class TopologyBuilder {
  readonly accounts: Record<string, Account> = {};
  readonly images: Record<string, Image> = {};
  readonly shares: Share[] = [];
  readonly acceptances: Acceptance[] = [];
  readonly copies: Copy[] = [];
  readonly observed: Required<Pick<Observed, "images">> = { images: {} };
  private readonly projectOwner = new Map<string, string>();

  /** What the rest of the stack declares, malformed parts left out (see stackOf). */
  readonly stack: StackDeclarations | undefined;

  constructor(
    readonly profile: ProfileId,
    stack: unknown,
  ) {
    this.stack = stackOf(stack);
  }

  account(id: string): string {
    if (!this.accounts[id]) this.accounts[id] = { id };
    return id;
  }

  project(accountId: string, projectId: string, region: string): void {
    const a = this.accounts[this.account(accountId)];
    a.projects ??= {};
    if (!a.projects[projectId]) a.projects[projectId] = { id: projectId, region };
    this.projectOwner.set(projectId, accountId);
  }

  /** A member target as a reference of this topology; a project of an account not known here gets a stand-in account in `region`. */
  ref(m: MemberTarget, region: string): MemberRef {
    if (m.type === "account") return this.account(m.id);
    let owner = this.projectOwner.get(m.id);
    if (owner === undefined) {
      owner = `(account of ${m.id})`;
      this.accounts[owner] = { id: owner };
      this.project(owner, m.id, region);
    }
    return { account: owner, project: m.id };
  }

  /** Whether a cloud member is named by this topology (an account or project it knows). */
  names(m: MemberTarget): boolean {
    return m.type === "account" ? this.accounts[m.id] !== undefined : this.projectOwner.has(m.id);
  }

  /** The image as the cloud reports it; `kind` and owner where read. */
  image(info: Pick<ImageInfo, "id" | "region" | "owner" | "kind" | "name"> & { ownerProject?: string }): string {
    const owner = this.account(info.owner);
    if (info.ownerProject) this.project(info.owner, info.ownerProject, info.region);
    const img: Image = { id: info.id, region: info.region, owner, kind: info.kind, name: info.name || info.id, profile: this.profile };
    if (info.ownerProject) img.project = info.ownerProject;
    this.images[info.id] = img;
    return info.id;
  }

  /** What the cloud holds for an image: members the topology names, and the count of the others. */
  observe(imageId: string, members: Member[], region: string, exclude: (m: MemberTarget) => boolean = () => false): void {
    const o: ObservedImage = { members: [], otherMembers: [] };
    for (const m of members) {
      if (exclude(m)) continue;
      if (this.names(m)) o.members!.push({ member: this.ref(m, region), status: m.status });
      else o.otherMembers!.push({ member: m.id, status: m.status });
    }
    this.observed.images[imageId] = o;
  }

  /** The stack's other shares and acceptances of `imageId` (known parts only). */
  addStack(imageId: string, region: string): void {
    const s = this.stack;
    if (!s) return;
    for (const share of s.shares ?? []) {
      if (share.imageId !== imageId || share.membersUnknown) continue;
      const members = (share.members ?? []).filter(knownMember).map((m) => this.ref(m, region));
      this.shares.push({ name: share.resource, image: imageId, members });
    }
    for (const acc of s.acceptances ?? []) {
      if (acc.imageId !== imageId || !knownMember(acc.member) || (acc.status !== "accepted" && acc.status !== "rejected")) continue;
      this.acceptances.push({ name: acc.resource, image: imageId, member: this.ref(acc.member, region), status: acc.status });
    }
  }

  /** Whether the stack declares something for `imageId` that is not known yet (a share whose image or members are unknown). */
  stackHasUnknownShares(): boolean {
    return (this.stack?.shares ?? []).some((s) => isUnknown(s.imageId) || s.membersUnknown || (s.members ?? []).some((m) => !knownMember(m)));
  }

  topology(): Topology {
    const t: Topology = { profile: this.profile, accounts: this.accounts, images: this.images, shares: this.shares, acceptances: this.acceptances, copies: this.copies };
    const s = this.stack;
    if (s?.limits && typeof s.limits === "object") t.limits = s.limits;
    if (Array.isArray(s?.trust)) t.trust = s!.trust.filter(known);
    if (s?.strictTrust === true) t.strictTrust = true;
    return t;
  }
}

const str = (v: unknown): string => (typeof v === "string" && v !== "" ? v : UNKNOWN_IN_STACK);
const entries = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter((e): e is Record<string, unknown> => !!e && typeof e === "object" && !Array.isArray(e)) : []);
const memberOf = (m: unknown): MemberTarget => (knownMember(m) ? { type: m.type, id: m.id } : { type: "account", id: UNKNOWN_IN_STACK });

/**
 * The `stack` input as the rules may read it. It is data the resource classes build, but a
 * provider also meets what older versions or a hand-edited state hold, so anything malformed (a
 * null entry, a member that is no member, a list that is no list) becomes unknown here, never an
 * exception: unknown values never produce a violation.
 */
export function stackOf(v: unknown): StackDeclarations | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const s = v as Record<string, unknown>;
  const out: StackDeclarations = {
    shares: entries(s.shares).map((e) => ({
      resource: str(e.resource),
      imageId: str(e.imageId),
      members: Array.isArray(e.members) ? e.members.map(memberOf) : [],
      ...(e.membersUnknown === true || !Array.isArray(e.members) ? { membersUnknown: true } : {}),
    })),
    acceptances: entries(s.acceptances).map((e) => ({
      resource: str(e.resource),
      imageId: str(e.imageId),
      member: memberOf(e.member),
      status: (e.status === "accepted" || e.status === "rejected" ? e.status : UNKNOWN_IN_STACK) as "accepted" | "rejected",
    })),
    copies: entries(s.copies).map((e) => ({
      resource: str(e.resource),
      sourceImageId: str(e.sourceImageId),
      region: str(e.region),
      account: str(e.account),
      ...(e.imageId !== undefined ? { imageId: str(e.imageId) } : {}),
    })),
  };
  if (s.limits && typeof s.limits === "object" && !Array.isArray(s.limits)) {
    const limits: Record<string, number | "unknown"> = {};
    for (const [k, x] of Object.entries(s.limits as Record<string, unknown>)) {
      if ((k === "member" || k === "fullMember") && ((typeof x === "number" && Number.isInteger(x) && x > 0) || x === "unknown")) limits[k] = x;
    }
    if (Object.keys(limits).length) out.limits = limits as StackDeclarations["limits"];
  }
  if (Array.isArray(s.trust)) out.trust = s.trust.filter(known);
  if (s.strictTrust === true) out.strictTrust = true;
  if (Array.isArray(s.regions)) out.regions = s.regions.filter(known);
  return out;
}

/** The kind to assume for an image not read (not created yet): the one with the highest limit, so no false member-limit. */
export const ASSUMED_KIND: ImageKind = "system";

/**
 * Violations of this resource (named SELF, or concerning its image as a whole) as check
 * failures; warnings are returned apart. `property` maps a violation to the input it blames.
 */
export function toFailures(
  violations: Violation[],
  selfImages: string[],
  property: (v: Violation) => string,
): { failures: CheckFailure[]; warnings: Violation[] } {
  const failures: CheckFailure[] = [];
  const warnings: Violation[] = [];
  const seen = new Set<string>();
  for (const v of violations) {
    const mine = v.resource === SELF || selfImages.some((i) => v.resource === `images.${i}`);
    if (!mine) continue;
    if (v.severity !== "error") {
      warnings.push(v);
      continue;
    }
    const reason = `[${v.rule}] ${v.message}${v.fix ? ` Fix: ${v.fix}` : ""}`;
    const prop = property(v);
    if (seen.has(prop + reason)) continue;
    seen.add(prop + reason);
    failures.push({ property: prop, reason });
  }
  return { failures, warnings };
}

export type { ObservedMember };
