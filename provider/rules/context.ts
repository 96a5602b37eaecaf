/**
 * One pass over a topology (and what the cloud holds, when given) that builds the indexes every
 * rule reads, so that validating costs O(accounts + projects + images + share edges +
 * acceptances + copies + observed members) whatever the number of rules.
 *
 * Members are interned: every account and every project of the topology gets one small integer
 * (a "member id") up front, and the per-edge data lives in typed arrays indexed by edge, so the
 * hot loops allocate nothing per edge. Per-(image, member) questions (is it declared twice? was
 * it accepted? what does the cloud say?) are answered with stamp arrays over member ids while
 * the edges of one image are visited, never with string keys.
 *
 * Copies produce images. A copy's product (its `as` key) may be declared under `images` (without
 * `id`: it gives the product's name, description, project, profile and existingMembers), or only
 * appear as `as`. Either way the copy decides what the cloud will make of it: the product is
 * owned by the copy's `by` (default: the source's owner), lives in the copy's region, has the
 * source's kind, and remembers the source and whether that source belonged to another account
 * (i.e. was shared with the copier).
 *
 * The loader has checked references before this runs; this is defensive anyway: a dangling
 * key (unknown image, account or project) is skipped, never a crash.
 */
import type { Acceptance, Account, Copy, ImageKind, MemberRef, MemberStatus, Observed, ObservedMember, ProfileId, Share, Site, Topology } from "./model";
import { IMAGE_KINDS, PROFILE_IDS } from "./model";
import { PROFILES, memberLimit } from "./profiles";
import type { RuleDefinition } from "./rule";

/** Member status codes in the typed arrays. */
export const STATUS_NONE = 0;
export const STATUS_PENDING = 1;
export const STATUS_ACCEPTED = 2;
export const STATUS_REJECTED = 3;
export type StatusCode = 0 | 1 | 2 | 3;

/** Member ids below 0: a member reference that names no member. */
/** An unknown account or project key. */
export const MEMBER_DANGLING = -1;
/** opentelekomcloud: a bare account member with no project in the image's region. */
export const MEMBER_NO_PROJECT = -2;
/** opentelekomcloud: a bare account member with several projects in the image's region (the file must name one). */
export const MEMBER_AMBIGUOUS = -3;

export interface ResolvedAccount {
  index: number;
  key: string;
  id: string;
  site?: Site;
  /** Member id of the account itself. */
  member: number;
  /** Project key -> member id. */
  projects: Map<string, number>;
  /** Region -> member id of the account's only project there, or MEMBER_AMBIGUOUS. */
  projectByRegion: Map<string, number>;
}

export interface ResolvedImage {
  index: number;
  key: string;
  profile: ProfileId;
  region: string;
  kind: ImageKind;
  /** Owner's account key, and its index (-1 when the key is unknown). */
  ownerKey: string;
  owner: number;
  /** huaweicloud / opentelekomcloud: the owner's project holding the image (declared, else its only project in the region). */
  projectKey?: string;
  /** Member id of that project, or -1. */
  projectMember: number;
  id?: string;
  name?: string;
  description?: string;
  existingMembers: number;
  /** Has an entry under `images`. */
  declared: boolean;
  /** The copy producing it, or -1. */
  copy: number;
  /** The copy's source image, or -1. */
  source: number;
  /** A copy of an image the copier does not own (it was shared with the copier). */
  sharedWithCopier: boolean;
  /** sharedWithCopier here or anywhere up the chain of copies. */
  derivedFromShared: boolean;
  /** For violations: `images.<key>`, or the producing copy's name when the product is not declared. */
  resource: string;
  path: (string | number)[];
}

export interface RuleContext {
  topology: Topology;
  /** The topology's lists, [] where absent. */
  shares: Share[];
  acceptances: Acceptance[];
  copies: Copy[];
  observed?: Observed;
  /** Profiles of the images present (a rule whose profiles are all absent is not run). */
  profilesPresent: Set<ProfileId>;

  accounts: ResolvedAccount[];
  accountIndex: Map<string, number>;
  /** Per member id: its account index, and its project key (undefined for an account member). */
  memberAccount: Int32Array;
  memberProject: (string | undefined)[];
  memberRegion: (string | undefined)[];

  images: ResolvedImage[];
  imageIndex: Map<string, number>;

  /** Per share: image index (-1 dangling), sharing account index (-1 dangling) and key. */
  shareImage: Int32Array;
  shareBy: Int32Array;
  shareByKey: string[];
  /** Edges of share s: [shareEdgeStart[s], shareEdgeStart[s + 1]), in file order. */
  shareEdgeStart: Int32Array;

  /** Per edge (one member of one share), in file order. */
  edgeCount: number;
  edgeShare: Int32Array;
  /** Position in the share's members array. */
  edgePos: Int32Array;
  edgeImage: Int32Array;
  /** Member id, or MEMBER_DANGLING / MEMBER_NO_PROJECT / MEMBER_AMBIGUOUS. */
  edgeMember: Int32Array;
  /** -1 for the first declaration of its (image, member), else the first declaring edge. */
  edgeFirst: Int32Array;
  /** The acceptance of the topology for the (image, member), or -1. */
  edgeAcceptance: Int32Array;
  /** What the cloud reports for the (image, member), or STATUS_NONE. */
  edgeObserved: Uint8Array;
  /** Effective status: the topology's acceptance, else the cloud's, else pending (accepted on clouds without acceptance). */
  edgeStatus: Uint8Array;

  /** Edges grouped by image (file order within an image): imageEdges[imageEdgeStart[i] .. imageEdgeStart[i + 1]). */
  imageEdgeStart: Int32Array;
  imageEdges: Int32Array;

  /** Per image: distinct declared members, those of them that count (not rejected). */
  declaredMembers: Int32Array;
  declaredCounting: Int32Array;
  /** Per image: the cloud was read for it. */
  imageObserved: Uint8Array;
  /** Per image: members in the cloud that no share declares and that count (pending / accepted). */
  observedUndeclared: Int32Array;
  /** Per image: members present that no share declares, as counted (see `existingCount`). */
  existing: Int32Array;
  /** Per image: declaredCounting + existing. */
  memberTotal: Int32Array;

  /** Per acceptance: image, member id, accepting account (-1 when dangling). */
  accImage: Int32Array;
  accMember: Int32Array;
  accAccount: Int32Array;
  /** 1 when a share of the topology grants the (image, member), 2 when only the cloud does, 0 when nothing does. */
  accGranted: Uint8Array;
  /** What the cloud reports for the (image, member), or STATUS_NONE. */
  accObserved: Uint8Array;
  /** An earlier acceptance of the same (image, member), or -1. */
  accDuplicateOf: Int32Array;

  /** Per copy: source image, copying account, product image (-1 when any is dangling). */
  copySource: Int32Array;
  copyBy: Int32Array;
  copyByKey: string[];
  copyProduct: Int32Array;
  /** Per copy: the copier accepted the source (in the topology or in the cloud). */
  copyAccepted: Uint8Array;
  /** Per copy: the source is shared with the copier (in the topology or in the cloud). */
  copyGranted: Uint8Array;

  /** Per account: on the topology's trust list; the stack acts as it (it shares or copies as it). */
  trustListed: Uint8Array;
  actsAs: Uint8Array;
  hasTrustList: boolean;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function statusCode(s: MemberStatus | undefined): StatusCode {
  return s === "pending" ? STATUS_PENDING : s === "accepted" ? STATUS_ACCEPTED : s === "rejected" ? STATUS_REJECTED : STATUS_NONE;
}

function isProfile(p: unknown): p is ProfileId {
  return typeof p === "string" && (PROFILE_IDS as readonly string[]).includes(p);
}

function isKind(k: unknown): k is ImageKind {
  return typeof k === "string" && (IMAGE_KINDS as readonly string[]).includes(k);
}

/** Counting sort of items 0..n-1 by a key in 0..buckets-1 (keys < 0 left out); stable. */
function group(n: number, buckets: number, keyOf: (i: number) => number): { start: Int32Array; items: Int32Array } {
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (k >= 0) start[k + 1]++;
  }
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const fill = start.slice(0, buckets);
  const items = new Int32Array(start[buckets]);
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (k >= 0) items[fill[k]++] = i;
  }
  return { start, items };
}

export function buildContext(topology: Topology, observed?: Observed): RuleContext {
  const defaultProfile: ProfileId = isProfile(topology.profile) ? topology.profile : "huaweicloud";
  const accountsIn: Record<string, Account> = topology.accounts ?? {};
  const imagesIn = topology.images ?? {};
  const sharesIn = topology.shares ?? [];
  const acceptancesIn = topology.acceptances ?? [];
  const copiesIn = topology.copies ?? [];

  // Accounts and the member table: one id per account, one per project.
  const accounts: ResolvedAccount[] = [];
  const accountIndex = new Map<string, number>();
  const memberAccountList: number[] = [];
  const memberProject: (string | undefined)[] = [];
  const memberRegion: (string | undefined)[] = [];
  for (const key of Object.keys(accountsIn)) {
    const a = accountsIn[key];
    if (!a || typeof a !== "object") continue;
    const index = accounts.length;
    const member = memberAccountList.length;
    memberAccountList.push(index);
    memberProject.push(undefined);
    memberRegion.push(undefined);
    const projects = new Map<string, number>();
    const projectByRegion = new Map<string, number>();
    for (const pk of Object.keys(a.projects ?? {})) {
      const p = a.projects![pk];
      if (!p || typeof p !== "object") continue;
      const id = memberAccountList.length;
      memberAccountList.push(index);
      memberProject.push(pk);
      memberRegion.push(p.region);
      projects.set(pk, id);
      projectByRegion.set(p.region, projectByRegion.has(p.region) ? MEMBER_AMBIGUOUS : id);
    }
    const resolved: ResolvedAccount = { index, key, id: a.id, member, projects, projectByRegion };
    if (a.site !== undefined) resolved.site = a.site;
    accounts.push(resolved);
    accountIndex.set(key, index);
  }
  const memberAccount = Int32Array.from(memberAccountList);

  const onlyProjectIn = (account: number, region: string): string | undefined => {
    if (account < 0) return undefined;
    const m = accounts[account].projectByRegion.get(region);
    return m === undefined || m < 0 ? undefined : memberProject[m];
  };
  const setProject = (img: ResolvedImage, declaredProject: string | undefined): void => {
    img.projectKey = undefined;
    img.projectMember = -1;
    if (PROFILES[img.profile].shareTarget === "account") return;
    const pk = declaredProject ?? onlyProjectIn(img.owner, img.region);
    if (pk === undefined) return;
    img.projectKey = pk;
    img.projectMember = img.owner >= 0 ? (accounts[img.owner].projects.get(pk) ?? -1) : -1;
  };

  // Declared images.
  const images: ResolvedImage[] = [];
  const imageIndex = new Map<string, number>();
  for (const key of Object.keys(imagesIn)) {
    const d = imagesIn[key];
    if (!d || typeof d !== "object") continue;
    const owner = accountIndex.get(d.owner) ?? -1;
    const img: ResolvedImage = {
      index: images.length,
      key,
      profile: isProfile(d.profile) ? d.profile : defaultProfile,
      region: d.region,
      kind: isKind(d.kind) ? d.kind : "system",
      ownerKey: d.owner,
      owner,
      projectMember: -1,
      existingMembers: typeof d.existingMembers === "number" && d.existingMembers > 0 ? Math.floor(d.existingMembers) : 0,
      declared: true,
      copy: -1,
      source: -1,
      sharedWithCopier: false,
      derivedFromShared: false,
      resource: `images.${key}`,
      path: ["images", key],
    };
    if (d.id !== undefined) img.id = d.id;
    if (d.name !== undefined) img.name = d.name;
    if (d.description !== undefined) img.description = d.description;
    setProject(img, d.project);
    images.push(img);
    imageIndex.set(key, img.index);
  }

  // Copies, resolved in dependency order (a copy of a copy's product after that copy).
  const nc = copiesIn.length;
  const copySource = new Int32Array(nc).fill(-1);
  const copyBy = new Int32Array(nc).fill(-1);
  const copyByKey: string[] = new Array(nc);
  const copyProduct = new Int32Array(nc).fill(-1);
  const producer = new Map<string, number>();
  for (let c = 0; c < nc; c++) {
    const copy = copiesIn[c];
    if (copy && typeof copy.as === "string" && !producer.has(copy.as)) producer.set(copy.as, c);
  }
  const copyState = new Uint8Array(nc); // 0 new, 1 resolving, 2 done
  const resolveKey = (key: string): number => {
    const c = producer.get(key);
    if (c !== undefined) resolveCopy(c);
    return imageIndex.get(key) ?? -1;
  };
  const resolveCopy = (c: number): void => {
    if (copyState[c] !== 0) return; // done, or a cycle: leave it unresolved
    copyState[c] = 1;
    const copy = copiesIn[c];
    const src = typeof copy.source === "string" ? resolveKey(copy.source) : -1;
    const byKey = copy.by ?? (src >= 0 ? images[src].ownerKey : "");
    copyByKey[c] = byKey;
    copyBy[c] = accountIndex.get(byKey) ?? -1;
    copySource[c] = src;
    if (src >= 0 && producer.get(copy.as) === c) {
      const source = images[src];
      const declared = imageIndex.get(copy.as);
      const decl = hasOwn(imagesIn, copy.as) ? imagesIn[copy.as] : undefined;
      const img: ResolvedImage =
        declared !== undefined
          ? images[declared]
          : {
              index: images.length,
              key: copy.as,
              profile: source.profile,
              region: copy.region,
              kind: source.kind,
              ownerKey: byKey,
              owner: copyBy[c],
              projectMember: -1,
              existingMembers: 0,
              declared: false,
              copy: c,
              source: src,
              sharedWithCopier: false,
              derivedFromShared: false,
              resource: copy.name,
              path: ["copies", c],
            };
      img.profile = decl && isProfile(decl.profile) ? decl.profile : source.profile;
      img.region = copy.region;
      img.kind = source.kind;
      img.ownerKey = byKey;
      img.owner = copyBy[c];
      img.copy = c;
      img.source = src;
      img.sharedWithCopier = copyBy[c] !== source.owner || byKey !== source.ownerKey;
      img.derivedFromShared = img.sharedWithCopier || source.derivedFromShared;
      const name = copy.imageName ?? decl?.name;
      if (name !== undefined) img.name = name;
      const description = copy.description ?? decl?.description;
      if (description !== undefined) img.description = description;
      setProject(img, decl?.project);
      if (declared === undefined) {
        images.push(img);
        imageIndex.set(copy.as, img.index);
      }
      copyProduct[c] = img.index;
    }
    copyState[c] = 2;
  };
  for (let c = 0; c < nc; c++) if (copiesIn[c] && typeof copiesIn[c] === "object") resolveCopy(c);

  const ni = images.length;
  const profilesPresent = new Set<ProfileId>();
  for (const img of images) profilesPresent.add(img.profile);

  // Resolves a member reference on an image's cloud and in its region to a member id.
  const resolveMember = (ref: MemberRef, projectOnly: boolean, accountOnly: boolean, region: string): number => {
    let accountKey: string;
    let projectKey: string | undefined;
    if (typeof ref === "string") {
      accountKey = ref;
    } else if (ref !== null && typeof ref === "object") {
      accountKey = ref.account;
      projectKey = ref.project;
    } else {
      return MEMBER_DANGLING;
    }
    const a = accountIndex.get(accountKey);
    if (a === undefined) return MEMBER_DANGLING;
    const account = accounts[a];
    if (accountOnly) return account.member; // alicloud / tencentcloud: members are accounts
    if (projectKey !== undefined) return account.projects.get(projectKey) ?? MEMBER_DANGLING;
    if (!projectOnly) return account.member;
    return account.projectByRegion.get(region) ?? MEMBER_NO_PROJECT;
  };

  // Shares and their edges.
  const ns = sharesIn.length;
  const shareImage = new Int32Array(ns).fill(-1);
  const shareBy = new Int32Array(ns).fill(-1);
  const shareByKey: string[] = new Array(ns);
  const shareEdgeStart = new Int32Array(ns + 1);
  for (let s = 0; s < ns; s++) {
    const share = sharesIn[s];
    const members = share && Array.isArray(share.members) ? share.members.length : 0;
    shareEdgeStart[s + 1] = shareEdgeStart[s] + members;
  }
  const edgeCount = shareEdgeStart[ns];
  const edgeShare = new Int32Array(edgeCount);
  const edgePos = new Int32Array(edgeCount);
  const edgeImage = new Int32Array(edgeCount);
  const edgeMember = new Int32Array(edgeCount);
  for (let s = 0; s < ns; s++) {
    const share = sharesIn[s];
    const start = shareEdgeStart[s];
    const end = shareEdgeStart[s + 1];
    const i = share && typeof share.image === "string" ? (imageIndex.get(share.image) ?? -1) : -1;
    shareImage[s] = i;
    const byKey = share?.by ?? (i >= 0 ? images[i].ownerKey : "");
    shareByKey[s] = byKey;
    shareBy[s] = accountIndex.get(byKey) ?? -1;
    const target = i >= 0 ? PROFILES[images[i].profile].shareTarget : "account";
    const region = i >= 0 ? images[i].region : "";
    for (let e = start; e < end; e++) {
      edgeShare[e] = s;
      edgePos[e] = e - start;
      edgeImage[e] = i;
      edgeMember[e] = i >= 0 ? resolveMember(share.members[e - start], target === "project", target === "account", region) : MEMBER_DANGLING;
    }
  }
  const byImage = group(edgeCount, ni, (e) => edgeImage[e]);
  const imageEdgeStart = byImage.start;
  const imageEdges = byImage.items;

  // Acceptances.
  const na = acceptancesIn.length;
  const accImage = new Int32Array(na).fill(-1);
  const accMember = new Int32Array(na).fill(MEMBER_DANGLING);
  const accAccount = new Int32Array(na).fill(-1);
  for (let a = 0; a < na; a++) {
    const acc = acceptancesIn[a];
    if (!acc || typeof acc !== "object") continue;
    const i = typeof acc.image === "string" ? (imageIndex.get(acc.image) ?? -1) : -1;
    accImage[a] = i;
    const ref = acc.member;
    const accountKey = typeof ref === "string" ? ref : ref && typeof ref === "object" ? ref.account : undefined;
    accAccount[a] = accountKey === undefined ? -1 : (accountIndex.get(accountKey) ?? -1);
    if (i >= 0) {
      const target = PROFILES[images[i].profile].shareTarget;
      accMember[a] = resolveMember(ref, target === "project", target === "account", images[i].region);
    }
  }
  const accByImage = group(na, ni, (a) => accImage[a]);

  // What the cloud holds, per image.
  const observedImages = observed?.images ?? {};
  const imageObserved = new Uint8Array(ni);
  const otherCounting = new Int32Array(ni);
  const obsImage: number[] = [];
  const obsMember: number[] = [];
  const obsStatus: number[] = [];
  for (const key of Object.keys(observedImages)) {
    const i = imageIndex.get(key);
    const o = observedImages[key];
    if (i === undefined || !o || typeof o !== "object") continue;
    if (o.members === undefined && o.otherMembers === undefined) continue; // only name / description read
    imageObserved[i] = 1;
    const img = images[i];
    const target = PROFILES[img.profile].shareTarget;
    for (const m of (o.members ?? []) as ObservedMember[]) {
      if (!m) continue;
      const id = resolveMember(m.member, target === "project", target === "account", img.region);
      const st = statusCode(m.status);
      if (id < 0) {
        // Named in the cloud but not resolvable here: it still holds a place on the image.
        if (st !== STATUS_REJECTED) otherCounting[i]++;
        continue;
      }
      obsImage.push(i);
      obsMember.push(id);
      obsStatus.push(st);
    }
    for (const m of (o.otherMembers ?? []) as ObservedMember[]) if (m && statusCode(m.status) !== STATUS_REJECTED) otherCounting[i]++;
  }
  const obsByImage = group(obsImage.length, ni, (k) => obsImage[k]);

  // Copies grouped by source, to stamp what the copier holds of the source.
  const copiesBySource = group(nc, ni, (c) => copySource[c]);

  // The per-image pass: stamps over member ids (and account indexes) answer per-(image, member) questions.
  const nm = memberAccount.length;
  const nAcc = accounts.length;
  const seenStamp = new Int32Array(nm);
  const seenEdge = new Int32Array(nm);
  const accStamp = new Int32Array(nm);
  const accIdx = new Int32Array(nm);
  const obsStamp = new Int32Array(nm);
  const obsSt = new Uint8Array(nm);
  const acceptedAccountStamp = new Int32Array(nAcc);
  const grantedAccountStamp = new Int32Array(nAcc);

  const edgeFirst = new Int32Array(edgeCount).fill(-1);
  const edgeAcceptance = new Int32Array(edgeCount).fill(-1);
  const edgeObserved = new Uint8Array(edgeCount);
  const edgeStatus = new Uint8Array(edgeCount);
  const declaredMembers = new Int32Array(ni);
  const declaredCounting = new Int32Array(ni);
  const observedUndeclared = new Int32Array(ni);
  const existing = new Int32Array(ni);
  const memberTotal = new Int32Array(ni);
  const accGranted = new Uint8Array(na);
  const accObserved = new Uint8Array(na);
  const accDuplicateOf = new Int32Array(na).fill(-1);
  const copyAccepted = new Uint8Array(nc);
  const copyGranted = new Uint8Array(nc);

  for (let i = 0; i < ni; i++) {
    const stamp = i + 1;
    const withAcceptance = PROFILES[images[i].profile].acceptance;
    for (let k = accByImage.start[i]; k < accByImage.start[i + 1]; k++) {
      const a = accByImage.items[k];
      const m = accMember[a];
      if (m < 0) continue;
      if (accStamp[m] === stamp) {
        accDuplicateOf[a] = accIdx[m];
      } else {
        accStamp[m] = stamp;
        accIdx[m] = a;
      }
      if (acceptancesIn[a].status === "accepted" && accAccount[a] >= 0) acceptedAccountStamp[accAccount[a]] = stamp;
    }
    for (let k = obsByImage.start[i]; k < obsByImage.start[i + 1]; k++) {
      const o = obsByImage.items[k];
      const m = obsMember[o];
      obsStamp[m] = stamp;
      obsSt[m] = obsStatus[o];
      grantedAccountStamp[memberAccount[m]] = stamp;
      if (obsStatus[o] === STATUS_ACCEPTED) acceptedAccountStamp[memberAccount[m]] = stamp;
    }
    let unique = 0;
    let counting = 0;
    for (let k = imageEdgeStart[i]; k < imageEdgeStart[i + 1]; k++) {
      const e = imageEdges[k];
      const m = edgeMember[e];
      if (m < 0) continue;
      const acceptance = accStamp[m] === stamp ? accIdx[m] : -1;
      const seen = obsStamp[m] === stamp ? obsSt[m] : STATUS_NONE;
      edgeAcceptance[e] = acceptance;
      edgeObserved[e] = seen;
      let status: number;
      if (!withAcceptance) status = STATUS_ACCEPTED;
      else if (acceptance >= 0) status = acceptancesIn[acceptance].status === "rejected" ? STATUS_REJECTED : STATUS_ACCEPTED;
      else if (seen !== STATUS_NONE) status = seen;
      else status = STATUS_PENDING;
      edgeStatus[e] = status;
      if (seenStamp[m] === stamp) {
        edgeFirst[e] = seenEdge[m];
        continue;
      }
      seenStamp[m] = stamp;
      seenEdge[m] = e;
      grantedAccountStamp[memberAccount[m]] = stamp;
      unique++;
      if (status !== STATUS_REJECTED) counting++;
    }
    declaredMembers[i] = unique;
    declaredCounting[i] = counting;
    for (let k = accByImage.start[i]; k < accByImage.start[i + 1]; k++) {
      const a = accByImage.items[k];
      const m = accMember[a];
      if (m < 0) continue;
      accGranted[a] = seenStamp[m] === stamp ? 1 : obsStamp[m] === stamp ? 2 : 0;
      accObserved[a] = obsStamp[m] === stamp ? obsSt[m] : STATUS_NONE;
    }
    let undeclared = 0;
    for (let k = obsByImage.start[i]; k < obsByImage.start[i + 1]; k++) {
      const o = obsByImage.items[k];
      const m = obsMember[o];
      if (seenStamp[m] !== stamp && obsStatus[o] !== STATUS_REJECTED) {
        undeclared++;
        seenStamp[m] = stamp; // a member listed twice by the cloud counts once
      }
    }
    observedUndeclared[i] = undeclared;
    // existingMembers and the cloud's undeclared members describe the same members (those present
    // that no share declares): with a reading, count the larger of the two, never their sum.
    const fromCloud = undeclared + otherCounting[i];
    existing[i] = imageObserved[i] ? Math.max(images[i].existingMembers, fromCloud) : images[i].existingMembers;
    memberTotal[i] = counting + existing[i];
    for (let k = copiesBySource.start[i]; k < copiesBySource.start[i + 1]; k++) {
      const c = copiesBySource.items[k];
      const by = copyBy[c];
      if (by < 0) continue;
      copyAccepted[c] = acceptedAccountStamp[by] === stamp ? 1 : 0;
      copyGranted[c] = grantedAccountStamp[by] === stamp ? 1 : 0;
    }
  }

  // Trust: the topology's list, and the accounts the stack acts as (it shares or copies as them).
  const trustListed = new Uint8Array(nAcc);
  const actsAs = new Uint8Array(nAcc);
  const hasTrustList = Array.isArray(topology.trust);
  for (const key of topology.trust ?? []) {
    const a = accountIndex.get(key);
    if (a !== undefined) trustListed[a] = 1;
  }
  for (let s = 0; s < ns; s++) if (shareBy[s] >= 0) actsAs[shareBy[s]] = 1;
  for (let c = 0; c < nc; c++) if (copyBy[c] >= 0) actsAs[copyBy[c]] = 1;

  return {
    topology,
    shares: sharesIn,
    acceptances: acceptancesIn,
    copies: copiesIn,
    observed,
    profilesPresent,
    accounts,
    accountIndex,
    memberAccount,
    memberProject,
    memberRegion,
    images,
    imageIndex,
    shareImage,
    shareBy,
    shareByKey,
    shareEdgeStart,
    edgeCount,
    edgeShare,
    edgePos,
    edgeImage,
    edgeMember,
    edgeFirst,
    edgeAcceptance,
    edgeObserved,
    edgeStatus,
    imageEdgeStart,
    imageEdges,
    declaredMembers,
    declaredCounting,
    imageObserved,
    observedUndeclared,
    existing,
    memberTotal,
    accImage,
    accMember,
    accAccount,
    accGranted,
    accObserved,
    accDuplicateOf,
    copySource,
    copyBy,
    copyByKey,
    copyProduct,
    copyAccepted,
    copyGranted,
    trustListed,
    actsAs,
    hasTrustList,
  };
}

/** The member limit in force for an image ("unknown" skips the limit rules). */
export function limitOf(ctx: RuleContext, i: number): number | "unknown" {
  const img = ctx.images[i];
  const limit = memberLimit(img.profile, img.kind, ctx.topology.limits);
  return typeof limit === "number" && Number.isFinite(limit) ? limit : "unknown";
}

/** A rule of this core: its check reads the context built once per validate(). */
export type ContextRule = RuleDefinition<RuleContext>;

/** Whether a profile is one of a rule's. */
export function applies(profiles: readonly ProfileId[], profile: ProfileId): boolean {
  return profiles.includes(profile);
}
