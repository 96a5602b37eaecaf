/**
 * From a topology file's keys to the clouds' ids: who acts for each share, acceptance and copy,
 * in which region and project, and which member ids a share grants. Pure (no Pulumi, no I/O):
 * ShareTopology declares resources from it, and `image-share plan` compares it with the cloud.
 */
import type { MemberRef, ProfileId, Topology } from "../rules/model";
import type { MemberTarget } from "../backends/types";
import { PROFILES, usesProjects } from "../rules/profiles";

/** Who acts, where: an account (key and id) and on huaweicloud / opentelekomcloud one of its projects. */
export interface Actor {
  accountKey: string;
  account: string;
  projectKey?: string;
  project?: string;
  region: string;
  profile: ProfileId;
}

/** Where an image comes from: an id in the file, or the product of a copy (by copy name). */
export type ImageSource = { kind: "id"; id: string } | { kind: "copy"; copy: string };

export interface ShareMapping {
  name: string;
  image: string;
  source: ImageSource;
  actor: Actor;
  /** Members with their cloud ids; `ref` as the file writes it. A member the cloud cannot target (e.g. no project in the region) is left out: validate reports it. */
  members: Array<{ ref: MemberRef; target: MemberTarget }>;
}

export interface AcceptanceMapping {
  name: string;
  image: string;
  source: ImageSource;
  /** The recipient. */
  actor: Actor;
  member: MemberTarget;
  status: "accepted" | "rejected";
  /** Shares of the file that grant this member the image (dependencies). */
  grantedBy: string[];
}

export interface CopyMapping {
  name: string;
  /** Source image key, and its source. */
  image: string;
  source: ImageSource;
  /** The copying account, acting in the source's region. */
  actor: Actor;
  targetRegion: string;
  /** The product's image key. */
  as: string;
  /** The copying account acting in the target region: who owns the product there. */
  productOwner: Actor;
  imageName: string;
  description?: string;
  /** Acceptances of the source by the copying account (a recipient copies only what it accepted). */
  after: string[];
}

export interface TopologyMapping {
  shares: ShareMapping[];
  acceptances: AcceptanceMapping[];
  /** In an order where a copy of a copy's product comes after that copy. */
  copies: CopyMapping[];
  /** Image key -> its source. */
  images: Record<string, ImageSource>;
  /** Account key of each image's owner (a copy's product: the copying account). */
  owners: Record<string, string>;
  /** Region of each image (a copy's product: the destination). */
  regions: Record<string, string>;
}

export class MappingError extends Error {}

function profileOf(t: Topology, imageKey: string): ProfileId {
  return t.images[imageKey]?.profile ?? t.profile;
}

/** The one project an account has in a region, if exactly one (the clouds' project is per region). */
export function projectIn(t: Topology, accountKey: string, region: string): { key: string; id: string } | undefined {
  const projects = Object.entries(t.accounts[accountKey]?.projects ?? {}).filter(([, p]) => p.region === region);
  return projects.length === 1 ? { key: projects[0][0], id: projects[0][1].id } : undefined;
}

function accountId(t: Topology, key: string): string {
  const a = t.accounts[key];
  if (!a) throw new MappingError(`unknown account "${key}"`);
  return a.id;
}

/** The cloud member a file's member reference stands for, on the image's cloud and in its region. */
export function memberTarget(t: Topology, profile: ProfileId, region: string, ref: MemberRef): MemberTarget | undefined {
  const accountKey = typeof ref === "string" ? ref : ref.account;
  const projectKey = typeof ref === "string" ? undefined : ref.project;
  const account = t.accounts[accountKey];
  if (!account) return undefined;
  if (projectKey !== undefined) {
    const project = account.projects?.[projectKey];
    return project ? { type: "project", id: project.id } : undefined;
  }
  if (PROFILES[profile].shareTarget === "project") {
    // A cloud that shares with projects only (Open Telekom Cloud): the account's project in the image's region.
    const p = projectIn(t, accountKey, region);
    return p ? { type: "project", id: p.id } : undefined;
  }
  return { type: "account", id: account.id };
}

function actor(t: Topology, accountKey: string, region: string, profile: ProfileId, projectKey?: string): Actor {
  const out: Actor = { accountKey, account: accountId(t, accountKey), region, profile };
  if (usesProjects(profile)) {
    const key = projectKey ?? projectIn(t, accountKey, region)?.key;
    const project = key === undefined ? undefined : t.accounts[accountKey]?.projects?.[key];
    if (key !== undefined && project) {
      out.projectKey = key;
      out.project = project.id;
    }
  }
  return out;
}

function sameMember(a: MemberTarget, b: MemberTarget): boolean {
  return a.type === b.type && a.id === b.id;
}

/** Maps a topology (already validated by the loader) to what acts where. */
export function mapTopology(t: Topology): TopologyMapping {
  const images: Record<string, ImageSource> = {};
  const owners: Record<string, string> = {};
  const regions: Record<string, string> = {};
  const projects: Record<string, string | undefined> = {};
  for (const [key, image] of Object.entries(t.images)) {
    if (image.id !== undefined) images[key] = { kind: "id", id: image.id };
    owners[key] = image.owner;
    regions[key] = image.region;
    projects[key] = image.project;
  }

  // Copies in dependency order: a copy whose source is another copy's product comes after it.
  const copies: CopyMapping[] = [];
  const pending = [...t.copies];
  while (pending.length > 0) {
    const ready = pending.findIndex((c) => images[c.source] !== undefined);
    if (ready < 0) {
      const names = pending.map((c) => `${c.name} (source "${c.source}")`).join(", ");
      throw new MappingError(`copies whose source image has neither an id nor a copy producing it: ${names}`);
    }
    const [c] = pending.splice(ready, 1);
    const sourceRegion = regions[c.source] ?? t.images[c.source]?.region;
    const owner = owners[c.source];
    const by = c.by ?? owner;
    const profile = profileOf(t, c.source);
    const source = images[c.source];
    const projectKey = by === owner ? projects[c.source] : undefined;
    const sourceName = t.images[c.source]?.name ?? c.source;
    copies.push({
      name: c.name,
      image: c.source,
      source,
      actor: actor(t, by, sourceRegion, profile, projectKey),
      targetRegion: c.region,
      as: c.as,
      productOwner: actor(t, by, c.region, profile, t.images[c.as]?.project),
      imageName: c.imageName ?? t.images[c.as]?.name ?? `${sourceName}-${c.region}`,
      description: c.description ?? t.images[c.as]?.description,
      after: [],
    });
    images[c.as] = { kind: "copy", copy: c.name };
    owners[c.as] = by;
    regions[c.as] = c.region;
    projects[c.as] = t.images[c.as]?.project;
  }

  const shares: ShareMapping[] = t.shares.map((s) => {
    const region = regions[s.image];
    const profile = profileOf(t, s.image);
    const by = s.by ?? owners[s.image];
    const projectKey = by === owners[s.image] ? projects[s.image] : undefined;
    const members: ShareMapping["members"] = [];
    for (const ref of s.members) {
      const target = memberTarget(t, profile, region, ref);
      if (target) members.push({ ref, target });
    }
    return { name: s.name, image: s.image, source: sourceOf(images, s.image, s.name), actor: actor(t, by, region, profile, projectKey), members };
  });

  const acceptances: AcceptanceMapping[] = [];
  for (const a of t.acceptances) {
    const region = regions[a.image];
    const profile = profileOf(t, a.image);
    const member = memberTarget(t, profile, region, a.member);
    if (!member) continue; // validate reports a member the image's region cannot reach
    const accountKey = typeof a.member === "string" ? a.member : a.member.account;
    const projectKey = typeof a.member === "string" ? undefined : a.member.project;
    const grantedBy = shares.filter((s) => s.image === a.image && s.members.some((m) => sameMember(m.target, member))).map((s) => s.name);
    acceptances.push({
      name: a.name,
      image: a.image,
      source: sourceOf(images, a.image, a.name),
      actor: actor(t, accountKey, region, profile, projectKey),
      member,
      status: a.status,
      grantedBy,
    });
  }

  for (const c of copies) {
    c.after = acceptances
      .filter((a) => a.image === c.image && a.actor.accountKey === c.actor.accountKey && a.status === "accepted")
      .map((a) => a.name);
  }
  return { shares, acceptances, copies, images, owners, regions };
}

function sourceOf(images: Record<string, ImageSource>, key: string, user: string): ImageSource {
  const s = images[key];
  if (!s) throw new MappingError(`${user}: image "${key}" has no id and no copy produces it`);
  return s;
}

/** A member in the file's words, for messages: "team-a" or "team-b/team-b-bj". */
export function refLabel(ref: MemberRef): string {
  return typeof ref === "string" ? ref : ref.project ? `${ref.account}/${ref.project}` : ref.account;
}
