/**
 * The compact index behind the rules' views (context.ts): one pass over a topology (and what the
 * cloud holds, when given) so that validating costs O(accounts + projects + images + share edges
 * + acceptances + copies + observed members) whatever the number of rules. Private to the rules
 * core: rules read the views of context.ts, never these arrays.
 *
 * Members are interned: every account and every project of the topology gets one small integer
 * (a "member id") up front, and the per-edge data (an edge is one member of one share) lives in
 * typed arrays indexed by edge, so the hot loops allocate nothing per edge. Per-(image, member)
 * questions (is it declared twice? was it accepted? what does the cloud say?) are answered with
 * stamp arrays over member ids while the edges of one image are visited, never with string keys.
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
import type { Acceptance, Account, Copy, ExistingMember, ImageKind, MemberRef, MemberStatus, Observed, ObservedMember, ProfileId, Share, Site, Topology } from "./model";
import { IMAGE_KINDS, PROFILE_IDS } from "./model";
import { PROFILES } from "./profiles";

/** Member status codes in the typed arrays. */
export const STATUS_NONE = 0;
export const STATUS_PENDING = 1;
export const STATUS_ACCEPTED = 2;
export const STATUS_REJECTED = 3;
/** edgeStatus flag: the topology declares an acceptance for the edge's (image, member). */
export const EDGE_ACCEPTANCE = 4;
/** Mask of the status bits of edgeStatus. */
export const STATUS_MASK = 3;
/** edgeStatus flag: the (image, member) was declared by an earlier edge (see `duplicates`). */
export const EDGE_DUPLICATE = 8;

/** Member ids below 0: a member reference that names no member. */
/** An unknown account or project key. */
export const MEMBER_DANGLING = -1;
/** opentelekomcloud: a bare account member with no project in the image's region. */
export const MEMBER_NO_PROJECT = -2;
/** opentelekomcloud: a bare account member with several projects in the image's region (the file must name one). */
export const MEMBER_AMBIGUOUS = -3;

export interface AccountRecord {
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

export interface ImageRecord {
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
  /** existingMembers when it is a count (0 for a list). */
  existingMembers: number;
  /** existingMembers when it is a list of members by name. */
  existingList?: ExistingMember[];
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
}

/** Items 0..n-1 grouped by a key (a counting sort): the items of group g are items[start[g] .. start[g + 1]). */
export interface Groups {
  start: Int32Array;
  items: Int32Array;
}

export interface Tables {
  topology: Topology;
  /** The topology's lists, [] where absent. */
  shares: Share[];
  acceptances: Acceptance[];
  copies: Copy[];
  observed?: Observed;
  /** Profiles of the images present (a rule whose profiles are all absent is not run). */
  profilesPresent: Set<ProfileId>;

  accounts: AccountRecord[];
  /** Per member id: its account index, its project key and region (undefined for an account member). */
  memberAccount: Int32Array;
  memberProject: (string | undefined)[];
  memberRegion: (string | undefined)[];

  images: ImageRecord[];
  imageIndex: Map<string, number>;

  /** Per share: image index (-1 dangling), sharing account index (-1 dangling) and key. */
  shareImage: Int32Array;
  shareBy: Int32Array;
  shareByKey: string[];
  /** Edges of share s: [shareEdgeStart[s], shareEdgeStart[s + 1]), in file order; edge e is member e - shareEdgeStart[s] of it. */
  shareEdgeStart: Int32Array;
  /** Per edge: member id, or MEMBER_DANGLING / MEMBER_NO_PROJECT / MEMBER_AMBIGUOUS. */
  edgeMember: Int32Array;
  /** Edge -> the edge that declared its (image, member) first, for the edges flagged EDGE_DUPLICATE only. */
  duplicates: Map<number, number>;
  /**
   * Per edge: effective status of the (image, member) in the low two bits (STATUS_*: the
   * topology's acceptance, else the cloud's, else pending; accepted on clouds without
   * acceptance), and EDGE_ACCEPTANCE when the topology declares an acceptance for it,
   * EDGE_DUPLICATE when an earlier edge declares the same (image, member).
   */
  edgeStatus: Uint8Array;
  /** Edges grouped by image (file order within an image). */
  imageEdges: Groups;

  /** Per image: distinct declared members that count (not rejected). */
  declaredCounting: Int32Array;
  /** Per image: members present that no share declares: existingMembers, or with a reading of the cloud the larger of that and the cloud's undeclared members (they are the same members). */
  existing: Int32Array;
  /** Per image: declaredCounting + existing. */
  memberTotal: Int32Array;

  /** Per acceptance: image and member id (negative when dangling), status (STATUS_ACCEPTED / STATUS_REJECTED). */
  accImage: Int32Array;
  accMember: Int32Array;
  accStatus: Uint8Array;
  /** 1 when a share of the topology grants the (image, member), 2 when only the cloud does, 0 when nothing does. */
  accGranted: Uint8Array;
  /** Acceptance -> an earlier acceptance of the same (image, member), for those that have one. */
  accDuplicates: Map<number, number>;

  /** Per copy: source image, copying account, product image (-1 when any is dangling). */
  copySource: Int32Array;
  copyBy: Int32Array;
  copyByKey: string[];
  copyProduct: Int32Array;
  /** Per copy: the copier accepted the source (in the topology or in the cloud). */
  copyAccepted: Uint8Array;
  /** Per copy: the source is shared with the copier (in the topology or in the cloud). */
  copyGranted: Uint8Array;

  /**
   * Members an image's existingMembers list names twice, or that a share of the image also
   * declares (the list says no share does): the entry, and the earlier entry or the edge.
   */
  existingConflicts: Array<{ image: number; entry: number; earlierEntry?: number; edge?: number }>;

  /** Per account: on the topology's trust list; the stack acts as it (it shares or copies as it). */
  trustListed: Uint8Array;
  actsAs: Uint8Array;
  hasTrustList: boolean;
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function statusCode(s: MemberStatus | undefined): number {
  return s === "pending" ? STATUS_PENDING : s === "accepted" ? STATUS_ACCEPTED : s === "rejected" ? STATUS_REJECTED : STATUS_NONE;
}

function isProfile(p: unknown): p is ProfileId {
  return typeof p === "string" && (PROFILE_IDS as readonly string[]).includes(p);
}

function isKind(k: unknown): k is ImageKind {
  return typeof k === "string" && (IMAGE_KINDS as readonly string[]).includes(k);
}

/** Counting sort of 0..n-1 by keys[i] in 0..buckets-1 (keys < 0 left out); stable. */
function group(n: number, buckets: number, keys: ArrayLike<number>, items0?: (n: number) => Int32Array): Groups {
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < n; i++) if (keys[i] >= 0) start[keys[i] + 1]++;
  for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
  const next = start.slice(0, buckets);
  const items = items0 ? items0(start[buckets]) : new Int32Array(start[buckets]);
  for (let i = 0; i < n; i++) if (keys[i] >= 0) items[next[keys[i]]++] = i;
  return { start, items };
}

/**
 * Reusable typed arrays for `validate`: the per-edge and per-acceptance arrays of one run are
 * garbage after it, and allocating tens of megabytes of them on every run makes V8 collect the
 * whole heap (the topology included) again and again. `validate` keeps one Scratch and hands out
 * views of it; `buildTables` without one allocates fresh arrays (its tables may be kept).
 */
export class Scratch {
  private readonly int32 = new Map<string, Int32Array>();
  private readonly uint8 = new Map<string, Uint8Array>();
  i32(role: string, n: number, zero: boolean): Int32Array {
    return Scratch.take(this.int32, role, n, zero, (k) => new Int32Array(k));
  }
  u8(role: string, n: number, zero: boolean): Uint8Array {
    return Scratch.take(this.uint8, role, n, zero, (k) => new Uint8Array(k));
  }
  private static take<A extends Int32Array | Uint8Array>(pool: Map<string, A>, role: string, n: number, zero: boolean, make: (n: number) => A): A {
    let buf = pool.get(role);
    if (!buf || buf.length < n) {
      buf = make(Math.max(n, 16));
      pool.set(role, buf);
      return buf.subarray(0, n) as A;
    }
    const view = buf.subarray(0, n) as A;
    if (zero) view.fill(0);
    return view;
  }
}

const TARGET_ACCOUNT = 0; // alicloud / tencentcloud: members are accounts (a project is ignored)
const TARGET_EITHER = 1; // huaweicloud: the account, or one of its projects
const TARGET_PROJECT = 2; // opentelekomcloud: a project; a bare account means its project in the region
function targetOf(profile: ProfileId): number {
  const t = PROFILES[profile].shareTarget;
  return t === "account" ? TARGET_ACCOUNT : t === "project" ? TARGET_PROJECT : TARGET_EITHER;
}

export function buildTables(topology: Topology, observed?: Observed, scratch?: Scratch): Tables {
  const i32 = (role: string, n: number, zero: boolean): Int32Array => (scratch ? scratch.i32(role, n, zero) : new Int32Array(n));
  const u8 = (role: string, n: number, zero: boolean): Uint8Array => (scratch ? scratch.u8(role, n, zero) : new Uint8Array(n));
  const defaultProfile: ProfileId = isProfile(topology.profile) ? topology.profile : "huaweicloud";
  const accountsIn: Record<string, Account> = topology.accounts ?? {};
  const imagesIn = topology.images ?? {};
  const sharesIn = topology.shares ?? [];
  const acceptancesIn = topology.acceptances ?? [];
  const copiesIn = topology.copies ?? [];

  // Accounts and the member table: one id per account, one per project.
  const accounts: AccountRecord[] = [];
  // A Map: with fresh key strings (as parsed input has) V8 hashes each once, where a plain
  // object's keyed lookups go through the string table and are slower on a cold run.
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
    accounts.push({ key, id: a.id, site: a.site, member, projects, projectByRegion });
    accountIndex.set(key, index);
  }
  const memberAccount = Int32Array.from(memberAccountList);

  const onlyProjectIn = (account: number, region: string): string | undefined => {
    if (account < 0) return undefined;
    const m = accounts[account].projectByRegion.get(region);
    return m === undefined || m < 0 ? undefined : memberProject[m];
  };
  const setProject = (img: ImageRecord, declaredProject: string | undefined): void => {
    img.projectKey = undefined;
    img.projectMember = -1;
    if (PROFILES[img.profile].shareTarget === "account") return;
    const pk = declaredProject ?? onlyProjectIn(img.owner, img.region);
    if (pk === undefined) return;
    img.projectKey = pk;
    img.projectMember = img.owner >= 0 ? (accounts[img.owner].projects.get(pk) ?? -1) : -1;
  };

  // Declared images.
  const images: ImageRecord[] = [];
  const imageIndex = new Map<string, number>();
  for (const key of Object.keys(imagesIn)) {
    const d = imagesIn[key];
    if (!d || typeof d !== "object") continue;
    const owner = accountIndex.get(d.owner) ?? -1;
    const img: ImageRecord = {
      index: images.length,
      key,
      profile: isProfile(d.profile) ? d.profile : defaultProfile,
      region: d.region,
      kind: isKind(d.kind) ? d.kind : "system",
      ownerKey: d.owner,
      owner,
      projectKey: undefined,
      projectMember: -1,
      id: d.id,
      name: d.name,
      description: d.description,
      existingMembers: typeof d.existingMembers === "number" && d.existingMembers > 0 ? Math.floor(d.existingMembers) : 0,
      existingList: Array.isArray(d.existingMembers) ? d.existingMembers : undefined,
      declared: true,
      copy: -1,
      source: -1,
      sharedWithCopier: false,
      derivedFromShared: false,
    };
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
  const copyState = new Uint8Array(nc); // 0 new, 1 waiting for its source's copy, 2 done
  // Once the copy producing its source (if any) is done: the copy's product.
  const finishCopy = (c: number): void => {
    const copy = copiesIn[c];
    const src = typeof copy.source === "string" ? (imageIndex.get(copy.source) ?? -1) : -1;
    const byKey = copy.by ?? (src >= 0 ? images[src].ownerKey : "");
    copyByKey[c] = byKey;
    copyBy[c] = accountIndex.get(byKey) ?? -1;
    copySource[c] = src;
    if (src >= 0 && producer.get(copy.as) === c) {
      const source = images[src];
      const declared = imageIndex.get(copy.as);
      const decl = hasOwn(imagesIn, copy.as) ? imagesIn[copy.as] : undefined;
      const img: ImageRecord =
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
              projectKey: undefined,
              projectMember: -1,
              id: undefined,
              name: undefined,
              description: undefined,
              existingMembers: 0,
              declared: false,
              copy: c,
              source: src,
              sharedWithCopier: false,
              derivedFromShared: false,
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
  };
  // Depth first with an explicit stack (a long chain of copies must not exhaust the call stack);
  // a cycle of copies leaves its members unresolved.
  const stack: number[] = [];
  for (let c0 = 0; c0 < nc; c0++) {
    if (!copiesIn[c0] || typeof copiesIn[c0] !== "object" || copyState[c0] === 2) continue;
    stack.push(c0);
    while (stack.length > 0) {
      const c = stack[stack.length - 1];
      if (copyState[c] === 0) {
        copyState[c] = 1;
        const source = copiesIn[c].source;
        const dep = typeof source === "string" ? producer.get(source) : undefined;
        if (dep !== undefined && copyState[dep] === 0 && copiesIn[dep] && typeof copiesIn[dep] === "object") {
          stack.push(dep);
          continue;
        }
      }
      stack.pop();
      if (copyState[c] === 2) continue;
      finishCopy(c);
      copyState[c] = 2;
    }
  }

  const ni = images.length;
  const profilesPresent = new Set<ProfileId>();
  for (const img of images) profilesPresent.add(img.profile);

  // Project key -> member id, when only one account has a project of that key (MEMBER_AMBIGUOUS
  // otherwise): a project member then costs one Map lookup and a key comparison.
  const projectIndex = new Map<string, number>();
  for (const account of accounts) {
    for (const [pk, id] of account.projects) projectIndex.set(pk, projectIndex.has(pk) ? MEMBER_AMBIGUOUS : id);
  }

  const resolver = new MemberResolver(accounts, accountIndex, projectIndex, memberAccount);
  const imageOf = new ImageLookup(imageIndex);
  const targets = images.map((img) => targetOf(img.profile));

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
  const edgeMember = i32("edgeMember", edgeCount, false);
  const imageEdgeStart = new Int32Array(ni + 1);
  for (let s = 0; s < ns; s++) {
    const share = sharesIn[s];
    const start = shareEdgeStart[s];
    const end = shareEdgeStart[s + 1];
    const i = share ? imageOf.get(share.image) : -1;
    shareImage[s] = i;
    const byKey = share?.by ?? (i >= 0 ? images[i].ownerKey : "");
    shareByKey[s] = byKey;
    shareBy[s] = accountIndex.get(byKey) ?? -1;
    if (i < 0) {
      edgeMember.fill(MEMBER_DANGLING, start, end);
      continue;
    }
    imageEdgeStart[i + 1] += end - start;
    resolveEdges(resolver, share.members, targets[i], images[i].region, edgeMember, start, end);
  }
  // Edges grouped by image (a counting sort over the shares; file order within an image).
  for (let i = 0; i < ni; i++) imageEdgeStart[i + 1] += imageEdgeStart[i];
  const imageEdgeItems = i32("imageEdges", imageEdgeStart[ni], false);
  {
    const next = imageEdgeStart.slice(0, ni);
    for (let s = 0; s < ns; s++) {
      const i = shareImage[s];
      if (i >= 0) for (let e = shareEdgeStart[s]; e < shareEdgeStart[s + 1]; e++) imageEdgeItems[next[i]++] = e;
    }
  }
  const imageEdges: Groups = { start: imageEdgeStart, items: imageEdgeItems };

  // Acceptances: image, member and status, each object read once.
  const na = acceptancesIn.length;
  const accImage = i32("accImage", na, false);
  const accMember = i32("accMember", na, false);
  const accStatus = u8("accStatus", na, true);
  resolveAcceptances(resolver, imageOf, acceptancesIn, images, targets, accImage, accMember, accStatus);

  // What the cloud holds, per image.
  const observedImages = observed?.images ?? {};
  const cloud: CloudMembers = { imageObserved: new Uint8Array(ni), otherCounting: new Int32Array(ni), image: [], member: [], status: [], byImage: { start: new Int32Array(ni + 1), items: new Int32Array(0) } };
  // A member the cloud holds on image i: resolved, one of the cloud's members; named in the cloud
  // but not resolvable here (id < 0), it still holds a place on the image unless rejected.
  const hold = (i: number, id: number, st: number): void => {
    if (id < 0) {
      if (st !== STATUS_REJECTED) cloud.otherCounting[i]++;
      return;
    }
    cloud.image.push(i);
    cloud.member.push(id);
    cloud.status.push(st);
  };
  for (const key of Object.keys(observedImages)) {
    const i = imageIndex.get(key);
    const o = observedImages[key];
    if (i === undefined || !o || typeof o !== "object") continue;
    if (o.members === undefined && o.otherMembers === undefined) continue; // only name / description read
    cloud.imageObserved[i] = 1;
    for (const m of (o.members ?? []) as ObservedMember[]) if (m) hold(i, resolver.resolve(m.member, targets[i], images[i].region), statusCode(m.status));
    for (const m of (o.otherMembers ?? []) as ObservedMember[]) if (m && statusCode(m.status) !== STATUS_REJECTED) cloud.otherCounting[i]++;
  }
  // existingMembers lists, by image: the cloud's state where nothing was read from the cloud.
  const listed: ListedMembers = { image: [], member: [], entry: [], byImage: { start: new Int32Array(ni + 1), items: new Int32Array(0) } };
  for (let i = 0; i < ni; i++) {
    const list = images[i].existingList;
    if (!list) continue;
    const read = cloud.imageObserved[i] === 1;
    const fallback = PROFILES[images[i].profile].acceptance ? STATUS_PENDING : STATUS_ACCEPTED;
    for (let k = 0; k < list.length; k++) {
      const entry = list[k];
      if (!entry || typeof entry !== "object") continue;
      const id = resolver.resolve(entry, targets[i], images[i].region);
      const st = entry.status === undefined ? fallback : statusCode(entry.status);
      if (id >= 0) {
        listed.image.push(i);
        listed.member.push(id);
        listed.entry.push(k);
      }
      if (!read) hold(i, id, st);
    }
    cloud.imageObserved[i] = 1;
  }
  listed.byImage = group(listed.image.length, ni, listed.image);
  cloud.byImage = group(cloud.image.length, ni, cloud.image);

  // Trust: the topology's list, and the accounts the stack acts as (it shares or copies as them).
  const nAcc = accounts.length;
  const trustListed = new Uint8Array(nAcc);
  const actsAs = new Uint8Array(nAcc);
  const hasTrustList = Array.isArray(topology.trust);
  for (const key of topology.trust ?? []) {
    const a = accountIndex.get(key);
    if (a !== undefined) trustListed[a] = 1;
  }
  for (let s = 0; s < ns; s++) if (shareBy[s] >= 0) actsAs[shareBy[s]] = 1;
  for (let c = 0; c < nc; c++) if (copyBy[c] >= 0) actsAs[copyBy[c]] = 1;

  const t: Tables = {
    topology,
    shares: sharesIn,
    acceptances: acceptancesIn,
    copies: copiesIn,
    observed,
    profilesPresent,
    accounts,
    memberAccount,
    memberProject,
    memberRegion,
    images,
    imageIndex,
    shareImage,
    shareBy,
    shareByKey,
    shareEdgeStart,
    edgeMember,
    duplicates: new Map(),
    edgeStatus: u8("edgeStatus", edgeCount, true),
    imageEdges,
    declaredCounting: new Int32Array(ni),
    existing: new Int32Array(ni),
    memberTotal: new Int32Array(ni),
    accImage,
    accMember,
    accStatus,
    accGranted: u8("accGranted", na, true),
    accDuplicates: new Map(),
    copySource,
    copyBy,
    copyByKey,
    copyProduct,
    copyAccepted: new Uint8Array(nc),
    copyGranted: new Uint8Array(nc),
    existingConflicts: [],
    trustListed,
    actsAs,
    hasTrustList,
  };
  imagePass(t, cloud, listed, group(na, ni, accImage, (n) => i32("accByImage", n, false)), group(nc, ni, copySource), i32, u8);
  return t;
}

/** The members a reading of the cloud found, per image (for imagePass). */
interface CloudMembers {
  /** Per image: the cloud was read for it. */
  imageObserved: Uint8Array;
  /** Per image: members in the cloud that no account or project of the topology names and that count. */
  otherCounting: Int32Array;
  /** Per observed member that resolves: its image, member id and status code; grouped by image. */
  image: number[];
  member: number[];
  status: number[];
  byImage: Groups;
}

/** The members existingMembers lists name (those that resolve), per entry: image, member id and index in the list; grouped by image. */
interface ListedMembers {
  image: number[];
  member: number[];
  entry: number[];
  byImage: Groups;
}

/**
 * The per-image pass: fills the per-edge status and duplicates, the per-image member counts, and
 * what each acceptance and copy finds granted. Stamps over member ids (and account indexes)
 * answer per-(image, member) questions in O(edges + acceptances + observed members) with no
 * per-pair allocation. A function of its own so that V8 optimizes its loops early.
 */
function imagePass(
  t: Tables,
  cloud: CloudMembers,
  listed: ListedMembers,
  accByImage: Groups,
  copiesBySource: Groups,
  i32: (role: string, n: number, zero: boolean) => Int32Array,
  u8: (role: string, n: number, zero: boolean) => Uint8Array,
): void {
  const { images, memberAccount, accMember, accStatus, accGranted, accDuplicates, edgeMember, edgeStatus, duplicates, copyBy, copyAccepted, copyGranted } = t;
  const { declaredCounting, existing, memberTotal } = t;
  const imageEdgeStart = t.imageEdges.start;
  const imageEdges = t.imageEdges.items;
  const { otherCounting, imageObserved, byImage: obsByImage, member: obsMember, status: obsStatus } = cloud;
  const nm = memberAccount.length;
  const nAcc = t.accounts.length;
  const seenStamp = i32("seenStamp", nm, true);
  const seenEdge = i32("seenEdge", nm, false);
  const accStamp = i32("accStamp", nm, true);
  const accIdx = i32("accIdx", nm, false);
  const obsStamp = i32("obsStamp", nm, true);
  const obsSt = u8("obsSt", nm, false);
  // existingMembers entries by member id (a member a list names twice).
  const listStamp = new Int32Array(listed.image.length > 0 ? nm : 0);
  const listEntry = new Int32Array(listed.image.length > 0 ? nm : 0);
  const acceptedAccountStamp = new Int32Array(nAcc);
  const grantedAccountStamp = new Int32Array(nAcc);
  const ni = images.length;
  for (let i = 0; i < ni; i++) {
    const stamp = i + 1;
    const withAcceptance = PROFILES[images[i].profile].acceptance;
    const accFrom = accByImage.start[i];
    const accTo = accByImage.start[i + 1];
    for (let k = accFrom; k < accTo; k++) {
      const a = accByImage.items[k];
      const m = accMember[a];
      if (m < 0) continue;
      if (accStamp[m] === stamp) {
        accDuplicates.set(a, accIdx[m]);
      } else {
        accStamp[m] = stamp;
        accIdx[m] = a;
      }
      if (accStatus[a] === STATUS_ACCEPTED) acceptedAccountStamp[memberAccount[m]] = stamp;
    }
    for (let k = obsByImage.start[i]; k < obsByImage.start[i + 1]; k++) {
      const o = obsByImage.items[k];
      const m = obsMember[o];
      obsStamp[m] = stamp;
      obsSt[m] = obsStatus[o];
      grantedAccountStamp[memberAccount[m]] = stamp;
      if (obsStatus[o] === STATUS_ACCEPTED) acceptedAccountStamp[memberAccount[m]] = stamp;
    }
    let counting = 0;
    for (let k = imageEdgeStart[i]; k < imageEdgeStart[i + 1]; k++) {
      const e = imageEdges[k];
      const m = edgeMember[e];
      if (m < 0) continue;
      const acceptance = accStamp[m] === stamp ? accIdx[m] : -1;
      let status: number;
      if (!withAcceptance) status = STATUS_ACCEPTED;
      else if (acceptance >= 0) status = accStatus[acceptance] === STATUS_REJECTED ? STATUS_REJECTED : STATUS_ACCEPTED;
      else if (obsStamp[m] === stamp) status = obsSt[m];
      else status = STATUS_PENDING;
      if (seenStamp[m] === stamp) {
        duplicates.set(e, seenEdge[m]);
        edgeStatus[e] = status | EDGE_DUPLICATE | (acceptance >= 0 ? EDGE_ACCEPTANCE : 0);
        continue;
      }
      edgeStatus[e] = acceptance >= 0 ? status | EDGE_ACCEPTANCE : status;
      seenStamp[m] = stamp;
      seenEdge[m] = e;
      grantedAccountStamp[memberAccount[m]] = stamp;
      if (status !== STATUS_REJECTED) counting++;
    }
    declaredCounting[i] = counting;
    for (let k = listed.byImage.start[i]; k < listed.byImage.start[i + 1]; k++) {
      const o = listed.byImage.items[k];
      const m = listed.member[o];
      if (seenStamp[m] === stamp) t.existingConflicts.push({ image: i, entry: listed.entry[o], edge: seenEdge[m] });
      else if (listStamp[m] === stamp) t.existingConflicts.push({ image: i, entry: listed.entry[o], earlierEntry: listEntry[m] });
      else {
        listStamp[m] = stamp;
        listEntry[m] = listed.entry[o];
      }
    }
    for (let k = accFrom; k < accTo; k++) {
      const a = accByImage.items[k];
      const m = accMember[a];
      if (m >= 0) accGranted[a] = seenStamp[m] === stamp ? 1 : obsStamp[m] === stamp ? 2 : 0;
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
}

/** Resolves the members of one share (edges start .. end). Hot: one call per share. */
function resolveEdges(resolver: MemberResolver, members: MemberRef[], target: number, region: string, edgeMember: Int32Array, start: number, end: number): void {
  for (let e = start; e < end; e++) edgeMember[e] = resolver.resolve(members[e - start], target, region);
}

/** Image, member and status of every acceptance, each acceptance object read once. */
function resolveAcceptances(
  resolver: MemberResolver,
  imageOf: ImageLookup,
  acceptances: Acceptance[],
  images: ImageRecord[],
  targets: number[],
  accImage: Int32Array,
  accMember: Int32Array,
  accStatus: Uint8Array,
): void {
  for (let a = 0; a < acceptances.length; a++) {
    const acc = acceptances[a];
    if (!acc || typeof acc !== "object") {
      accImage[a] = -1;
      accMember[a] = MEMBER_DANGLING;
      continue;
    }
    const i = imageOf.get(acc.image);
    accImage[a] = i;
    accMember[a] = i >= 0 ? resolver.resolve(acc.member, targets[i], images[i].region) : MEMBER_DANGLING;
    accStatus[a] = acc.status === "accepted" ? STATUS_ACCEPTED : acc.status === "rejected" ? STATUS_REJECTED : STATUS_NONE;
  }
}

/** Resolves a member reference, on an image's cloud and in its region, to a member id. Hot; no allocation. */
class MemberResolver {
  constructor(
    private readonly accounts: AccountRecord[],
    private readonly accountIndex: Map<string, number>,
    /** Project key -> member id, or MEMBER_AMBIGUOUS when several accounts have a project of that key. */
    private readonly projectIndex: Map<string, number>,
    private readonly memberAccount: Int32Array,
  ) {}

  resolve(ref: MemberRef, target: number, region: string): number {
    if (typeof ref === "string") {
      const a = this.accountIndex.get(ref);
      if (a === undefined) return MEMBER_DANGLING;
      if (target !== TARGET_PROJECT) return this.accounts[a].member;
      return this.accounts[a].projectByRegion.get(region) ?? MEMBER_NO_PROJECT;
    }
    if (ref === null || typeof ref !== "object") return MEMBER_DANGLING;
    const projectKey = ref.project;
    if (projectKey !== undefined && target !== TARGET_ACCOUNT) {
      // One lookup and a key comparison when the project key is unique in the topology.
      const p = this.projectIndex.get(projectKey);
      if (p === undefined) return MEMBER_DANGLING;
      if (p >= 0) return this.accounts[this.memberAccount[p]].key === ref.account ? p : MEMBER_DANGLING;
    }
    const a = this.accountIndex.get(ref.account);
    if (a === undefined) return MEMBER_DANGLING;
    if (projectKey !== undefined && target !== TARGET_ACCOUNT) return this.accounts[a].projects.get(projectKey) ?? MEMBER_DANGLING;
    if (target !== TARGET_PROJECT) return this.accounts[a].member;
    return this.accounts[a].projectByRegion.get(region) ?? MEMBER_NO_PROJECT;
  }
}

/** Image key -> index, remembering the last key: the shares or acceptances of one image usually follow each other. */
class ImageLookup {
  private lastKey: unknown = undefined;
  private last = -1;
  constructor(private readonly index: Map<string, number>) {}
  get(key: unknown): number {
    if (key === this.lastKey) return this.last;
    this.lastKey = key;
    this.last = typeof key === "string" ? (this.index.get(key) ?? -1) : -1;
    return this.last;
  }
}
