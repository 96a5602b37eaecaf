/**
 * What a rule reads: the topology resolved, in the domain's words. Accounts, members (an account,
 * or a project of one), images (declared, or the product of a copy), shares and their edges (an
 * edge is one member of one share), acceptances and copies, each with what the whole topology
 * and the cloud say about it: an edge's status and the edge it duplicates, an image's member
 * counts and limit, the chain of copies an image comes from, whether a copier accepted its source.
 *
 * The views are thin: they read the compact index of tables.ts, built once per validate() in one
 * pass. Edges and acceptances are many (a million edges is a topology users have), and a view
 * object per edge costs more than the check itself: so the questions rules ask of every edge or
 * acceptance ("this share's edges naming the image's owner", "the acceptances nothing grants")
 * are answered here, each by one loop over the arrays, and views are made only for the answers.
 * The walks that make a view per step (`share.edges`, `image.edges`) are for the few shares or
 * images a rule already knows to look at. A view is valid while its validate() runs.
 */
import type { Acceptance, Copy, ImageKind, Limits, MemberRef, MemberStatus, Observed, ProfileId, Share, Site, Topology } from "./model";
import { memberLimit } from "./profiles";
import type { RuleDefinition } from "./rule";
import {
  EDGE_ACCEPTANCE,
  EDGE_DUPLICATE,
  MEMBER_AMBIGUOUS,
  MEMBER_NO_PROJECT,
  STATUS_ACCEPTED,
  STATUS_MASK,
  STATUS_PENDING,
  STATUS_REJECTED,
  type ImageRecord,
  type Scratch,
  type Tables,
  buildTables,
} from "./tables";
import { refLabel } from "./text";

/** A rule of this core: its check reads the context built once per validate(). */
export type ContextRule = RuleDefinition<RuleContext>;

/** Why a member reference names no member. */
export type Unresolved =
  /** An account or project key the topology does not declare. */
  | "unknown"
  /** opentelekomcloud: a bare account with no project in the image's region. */
  | "no-project-in-region"
  /** opentelekomcloud: a bare account with several projects in the image's region (the file must name one). */
  | "several-projects-in-region";

const STATUS: readonly (MemberStatus | undefined)[] = [undefined, "pending", "accepted", "rejected"];
/** The answer of most questions on most shares: one empty list, not a new one per share. */
const NONE: readonly never[] = Object.freeze([]);

function unresolved(member: number): Unresolved | undefined {
  return member >= 0 ? undefined : member === MEMBER_NO_PROJECT ? "no-project-in-region" : member === MEMBER_AMBIGUOUS ? "several-projects-in-region" : "unknown";
}

class AccountView {
  /** The account itself as a member. */
  readonly self: Member;
  /** Its projects as members, in file order (filled in by the context). */
  readonly projects: Member[] = [];
  constructor(
    private readonly t: Tables,
    private readonly index: number,
  ) {
    this.self = new Member(this, undefined, undefined);
  }
  get key(): string {
    return this.t.accounts[this.index].key;
  }
  get id(): string {
    return this.t.accounts[this.index].id;
  }
  get site(): Site | undefined {
    return this.t.accounts[this.index].site;
  }
  /** With a trust list: on it (exactly the list). Without one: an account the topology acts as (the `by` of a share or a copy). */
  get trusted(): boolean {
    return this.t.hasTrustList ? this.t.trustListed[this.index] === 1 : this.t.actsAs[this.index] === 1;
  }
}

/** A member of an image: an account, or one project of an account. */
class Member {
  constructor(
    readonly account: AccountView,
    /** The project key, for a project member. */
    readonly project: string | undefined,
    /** The project's region, for a project member. */
    readonly region: string | undefined,
  ) {}
}

/** The facts of an image that need no lookup: those of its record (see ImageRecord in tables.ts). */
const IMAGE_FACTS = ["key", "profile", "region", "kind", "id", "name", "description", "ownerKey", "projectKey", "declared", "sharedWithCopier", "derivedFromShared", "existingList"] as const;
type ImageFacts = Readonly<Pick<ImageRecord, (typeof IMAGE_FACTS)[number]>>;

// The facts are getters that read the record through, defined on the prototype below the class.
interface ImageView extends ImageFacts {}
class ImageView {
  constructor(
    private readonly ctx: Context,
    private readonly r: ImageRecord,
  ) {}
  /** The owner, when its key names an account. */
  get owner(): AccountView | undefined {
    return this.r.owner >= 0 ? this.ctx.accounts[this.r.owner] : undefined;
  }
  /** That project as a member, when the owner has it. */
  get holdingProject(): Member | undefined {
    return this.r.projectMember >= 0 ? this.ctx.members[this.r.projectMember] : undefined;
  }
  /** The resource a violation of the image names: `images.<key>`, or the producing copy's name when the product is not declared. */
  get resource(): string {
    return this.r.declared ? `images.${this.r.key}` : this.ctx.t.copies[this.r.copy].name;
  }
  /** Its place in a topology file: ["images", key], or the producing copy's. */
  get path(): (string | number)[] {
    return this.r.declared ? ["images", this.r.key] : ["copies", this.r.copy];
  }
  /** The image it is a copy of. */
  get source(): ImageView | undefined {
    return this.r.source >= 0 ? this.ctx.images[this.r.source] : undefined;
  }
  /** This image and the images it was copied from, each the product of a copy, nearest first (empty for an image no copy makes). */
  get copyChain(): ImageView[] {
    const chain: ImageView[] = [];
    // A cycle of declared products is possible in bad input: walk at most once round.
    for (let img: ImageView | undefined = this; img?.source && chain.length < this.ctx.images.length; img = img.source) chain.push(img);
    return chain;
  }
  /** The member limit in force: the stack's override where set, else the profile's ("unknown" skips the limit rules). */
  get limit(): number | "unknown" {
    const limit = memberLimit(this.r.profile, this.r.kind, this.ctx.limits);
    return typeof limit === "number" && Number.isFinite(limit) ? limit : "unknown";
  }
  /** Distinct members the shares of the topology declare that count toward the limit (not rejected). */
  get declaredMembers(): number {
    return this.ctx.t.declaredCounting[this.r.index];
  }
  /** Members present that no share declares: existingMembers, or with a reading of the cloud the larger of that and the cloud's undeclared members (they are the same members). */
  get outsideMembers(): number {
    return this.ctx.t.existing[this.r.index];
  }
  /** declaredMembers + outsideMembers. */
  get memberTotal(): number {
    return this.ctx.t.memberTotal[this.r.index];
  }
  /** Every edge of every share of the image, in file order. */
  get edges(): Iterable<Edge> {
    const g = this.ctx.t.imageEdges;
    return new Edges(this.ctx, -1, g.start[this.r.index], g.start[this.r.index + 1], g.items);
  }
  /** The shares that declare members of the image, in file order. */
  get shares(): ShareView[] {
    const out: ShareView[] = [];
    for (const edge of this.edges) if (out[out.length - 1] !== edge.share) out.push(edge.share);
    return out;
  }
  /** Whether a share of the topology declares a member of that account for the image. */
  isSharedWith(account: AccountView): boolean {
    for (const edge of this.edges) if (edge.member?.account === account) return true;
    return false;
  }
}

for (const fact of IMAGE_FACTS) {
  Object.defineProperty(ImageView.prototype, fact, {
    get(this: { r: ImageRecord }) {
      return this.r[fact];
    },
  });
}

class ShareView {
  constructor(
    private readonly ctx: Context,
    private readonly s: number,
  ) {}
  /** The share as the topology declares it. */
  get declaration(): Share {
    return this.ctx.t.shares[this.s];
  }
  get name(): string {
    return this.ctx.t.shares[this.s].name;
  }
  get path(): (string | number)[] {
    return ["shares", this.s];
  }
  get image(): ImageView | undefined {
    const i = this.ctx.t.shareImage[this.s];
    return i >= 0 ? this.ctx.images[i] : undefined;
  }
  /** The sharing account's key: `by`, default the image's owner. */
  get byKey(): string {
    return this.ctx.t.shareByKey[this.s];
  }
  /** The sharing account, when its key names one. */
  get by(): AccountView | undefined {
    const a = this.ctx.t.shareBy[this.s];
    return a >= 0 ? this.ctx.accounts[a] : undefined;
  }
  /** Its members, in file order (a view per step: for shares a rule has picked). */
  get edges(): Iterable<Edge> {
    const start = this.ctx.t.shareEdgeStart;
    return new Edges(this.ctx, this.s, start[this.s], start[this.s + 1], undefined);
  }
  /** Its edges that name the member `a` or `b` (say the image's owner and the project holding it), in file order. */
  edgesNaming(a: Member | undefined, b?: Member): readonly Edge[] {
    const { edgeMember, shareEdgeStart } = this.ctx.t;
    const all = this.ctx.members;
    let found: Edge[] | undefined;
    for (let e = shareEdgeStart[this.s]; e < shareEdgeStart[this.s + 1]; e++) {
      const m = edgeMember[e];
      if (m >= 0 && (all[m] === a || all[m] === b)) (found ??= []).push(new Edge(this.ctx, this.s, e));
    }
    return found ?? NONE;
  }
  /** Its edges whose member cannot use the image in the image's region: a project of another region, or (opentelekomcloud) an account with no project there. */
  edgesOutsideRegion(): readonly Edge[] {
    const { edgeMember, memberRegion, shareEdgeStart } = this.ctx.t;
    const region = this.image?.region;
    let found: Edge[] | undefined;
    for (let e = shareEdgeStart[this.s]; e < shareEdgeStart[this.s + 1]; e++) {
      const m = edgeMember[e];
      if (m >= 0 ? memberRegion[m] !== undefined && memberRegion[m] !== region : m === MEMBER_NO_PROJECT) (found ??= []).push(new Edge(this.ctx, this.s, e));
    }
    return found ?? NONE;
  }
  /** Its edges whose member's account is on a site other than `site` (accounts with no site left out). */
  edgesOffSite(site: Site): readonly Edge[] {
    const { edgeMember, memberAccount, accounts, shareEdgeStart } = this.ctx.t;
    let found: Edge[] | undefined;
    for (let e = shareEdgeStart[this.s]; e < shareEdgeStart[this.s + 1]; e++) {
      const m = edgeMember[e];
      if (m < 0) continue;
      const other = accounts[memberAccount[m]].site;
      if (other !== undefined && other !== site) (found ??= []).push(new Edge(this.ctx, this.s, e));
    }
    return found ?? NONE;
  }
  /**
   * Its recipients (members other than `a` and `b`, each once however often the share lists it)
   * and those of them that have not accepted the image: pending, or rejected in the cloud with no
   * acceptance of the topology deciding. Gives how many of each, the first waiting edge, and
   * `describe` of the first `max` waiting members (called with the member as `Edge.label` writes
   * it, and its status): one loop, and no view per member, on shares of thousands of members.
   */
  acceptanceTally(
    a: Member | undefined,
    b: Member | undefined,
    max: number,
    describe: (label: string, status: "pending" | "rejected") => string,
  ): { recipients: number; waiting: number; first: Edge | undefined; described: string[] } {
    const { edgeMember, edgeStatus, duplicates, shareEdgeStart, memberProject } = this.ctx.t;
    const refs = this.ctx.t.shares[this.s].members;
    const all = this.ctx.members;
    const start = shareEdgeStart[this.s];
    let first: Edge | undefined;
    const described: string[] = [];
    let recipients = 0;
    let waiting = 0;
    for (let e = start; e < shareEdgeStart[this.s + 1]; e++) {
      const m = edgeMember[e];
      if (m < 0 || all[m] === a || all[m] === b) continue;
      const flags = edgeStatus[e];
      if ((flags & EDGE_DUPLICATE) !== 0 && duplicates.get(e)! >= start) continue; // listed twice in this share
      recipients++;
      const status = flags & STATUS_MASK;
      if (status !== STATUS_PENDING && (status !== STATUS_REJECTED || (flags & EDGE_ACCEPTANCE) !== 0)) continue;
      waiting++;
      first ??= new Edge(this.ctx, this.s, e);
      if (described.length < max) described.push(describe(memberLabel(refs[e - start], memberProject[m]), status === STATUS_PENDING ? "pending" : "rejected"));
    }
    return { recipients, waiting, first, described };
  }
}

/** One member of one share. */
class Edge {
  constructor(
    private readonly ctx: Context,
    /** The share's index, or -1 until asked for (an edge walked from its image). */
    private s: number,
    private readonly e: number,
  ) {}
  private get shareIndex(): number {
    if (this.s < 0) this.s = this.ctx.shareOfEdge(this.e);
    return this.s;
  }
  get share(): ShareView {
    return this.ctx.shares[this.shareIndex];
  }
  /** Its position in the share's members. */
  get position(): number {
    return this.e - this.ctx.t.shareEdgeStart[this.shareIndex];
  }
  /** Path in a topology file: ["shares", s, "members", k]. */
  get path(): (string | number)[] {
    return ["shares", this.shareIndex, "members", this.position];
  }
  /** The member as the file writes it. */
  get ref(): MemberRef {
    return this.ctx.t.shares[this.shareIndex].members[this.position];
  }
  /** The member it names on the image's cloud and in its region (a bare account on opentelekomcloud: its project there). */
  get member(): Member | undefined {
    const m = this.ctx.t.edgeMember[this.e];
    return m >= 0 ? this.ctx.members[m] : undefined;
  }
  /** Why it names no member, when it names none. */
  get unresolved(): Unresolved | undefined {
    return unresolved(this.ctx.t.edgeMember[this.e]);
  }
  /**
   * The member's status on the image: the topology's acceptance, else the cloud's, else pending;
   * accepted on clouds with no acceptance step. Undefined for an edge that names no member, or a
   * status the cloud reported that is none of the three.
   */
  get status(): MemberStatus | undefined {
    return STATUS[this.ctx.t.edgeStatus[this.e] & STATUS_MASK];
  }
  /** An acceptance of the topology sets the member's status on the image. */
  get hasAcceptance(): boolean {
    return (this.ctx.t.edgeStatus[this.e] & EDGE_ACCEPTANCE) !== 0;
  }
  /** The earlier edge that declares the same member of the same image, if any. */
  get duplicateOf(): Edge | undefined {
    if ((this.ctx.t.edgeStatus[this.e] & EDGE_DUPLICATE) === 0) return undefined;
    const first = this.ctx.t.duplicates.get(this.e);
    return first === undefined ? undefined : new Edge(this.ctx, -1, first);
  }
  /** The member as written, with the project it stands for when a bare account resolves to one: `team-a (its project team-a-bj)`. */
  get label(): string {
    return memberLabel(this.ref, this.member?.project);
  }
}

/** The edges of a share, or of an image (through `order`), a view made per step. */
class Edges implements Iterable<Edge> {
  constructor(
    private readonly ctx: Context,
    private readonly s: number,
    private readonly from: number,
    private readonly to: number,
    private readonly order: Int32Array | undefined,
  ) {}
  [Symbol.iterator](): Iterator<Edge> {
    let k = this.from;
    return {
      next: (): IteratorResult<Edge> =>
        k < this.to ? { value: new Edge(this.ctx, this.s, this.order ? this.order[k++] : k++), done: false } : { value: undefined, done: true },
    };
  }
}

class AcceptanceView {
  constructor(
    private readonly ctx: Context,
    private readonly a: number,
  ) {}
  /** The acceptance as the topology declares it. */
  get declaration(): Acceptance {
    return this.ctx.t.acceptances[this.a];
  }
  get name(): string {
    return this.ctx.t.acceptances[this.a].name;
  }
  get path(): (string | number)[] {
    return ["acceptances", this.a];
  }
  get image(): ImageView | undefined {
    const i = this.ctx.t.accImage[this.a];
    return i >= 0 ? this.ctx.images[i] : undefined;
  }
  /** The accepting member as the file writes it. */
  get ref(): MemberRef {
    return this.ctx.t.acceptances[this.a].member;
  }
  get member(): Member | undefined {
    const m = this.ctx.t.accMember[this.a];
    return m >= 0 ? this.ctx.members[m] : undefined;
  }
  get unresolved(): Unresolved | undefined {
    return unresolved(this.ctx.t.accMember[this.a]);
  }
  get status(): "accepted" | "rejected" | undefined {
    const st = this.ctx.t.accStatus[this.a];
    return st === STATUS_ACCEPTED ? "accepted" : st === STATUS_REJECTED ? "rejected" : undefined;
  }
  /** What grants the image to the member: a share of the topology, else the cloud, else nothing (undefined; also for an unresolved member). */
  get grantedBy(): "topology" | "cloud" | undefined {
    if (this.ctx.t.accMember[this.a] < 0) return undefined;
    const g = this.ctx.t.accGranted[this.a];
    return g === 1 ? "topology" : g === 2 ? "cloud" : undefined;
  }
  /** An earlier acceptance of the same member of the same image. */
  get duplicateOf(): AcceptanceView | undefined {
    const first = this.ctx.t.accDuplicates.get(this.a);
    return first === undefined ? undefined : new AcceptanceView(this.ctx, first);
  }
}

class CopyView {
  constructor(
    private readonly ctx: Context,
    private readonly c: number,
  ) {}
  /** The copy as the topology declares it. */
  get declaration(): Copy {
    return this.ctx.t.copies[this.c];
  }
  get name(): string {
    return this.ctx.t.copies[this.c].name;
  }
  /** The destination region. */
  get region(): string {
    return this.ctx.t.copies[this.c].region;
  }
  get path(): (string | number)[] {
    return ["copies", this.c];
  }
  get source(): ImageView | undefined {
    const i = this.ctx.t.copySource[this.c];
    return i >= 0 ? this.ctx.images[i] : undefined;
  }
  /** The copying account's key: `by`, default the source's owner. */
  get byKey(): string {
    return this.ctx.t.copyByKey[this.c];
  }
  get by(): AccountView | undefined {
    const a = this.ctx.t.copyBy[this.c];
    return a >= 0 ? this.ctx.accounts[a] : undefined;
  }
  /** The image the copy makes. */
  get product(): ImageView | undefined {
    const i = this.ctx.t.copyProduct[this.c];
    return i >= 0 ? this.ctx.images[i] : undefined;
  }
  /** The copier accepted the source (in the topology or in the cloud). */
  get accepted(): boolean {
    return this.ctx.t.copyAccepted[this.c] === 1;
  }
  /** The source is shared with the copier (in the topology or in the cloud). */
  get granted(): boolean {
    return this.ctx.t.copyGranted[this.c] === 1;
  }
}

class Context {
  readonly accounts: AccountView[];
  /** Per member id. */
  readonly members: Member[];
  readonly images: ImageView[];
  readonly shares: ShareView[];
  readonly copies: CopyView[];

  constructor(readonly t: Tables) {
    this.accounts = t.accounts.map((_, a) => new AccountView(t, a));
    this.members = new Array(t.memberAccount.length);
    for (let m = 0; m < t.memberAccount.length; m++) {
      const account = this.accounts[t.memberAccount[m]];
      const project = t.memberProject[m];
      if (project === undefined) this.members[m] = account.self;
      else account.projects.push((this.members[m] = new Member(account, project, t.memberRegion[m])));
    }
    this.images = t.images.map((r) => new ImageView(this, r));
    this.shares = t.shares.map((_, s) => new ShareView(this, s));
    this.copies = t.copies.map((_, c) => new CopyView(this, c));
  }

  /** Profiles of the images present (the engine runs a rule only where one of its profiles is). */
  get profilesPresent(): Set<ProfileId> {
    return this.t.profilesPresent;
  }
  /** The edges that declare a member of an image that an earlier edge declares, in file order. */
  get duplicates(): Edge[] {
    return [...this.t.duplicates.keys()].sort((x, y) => x - y).map((e) => new Edge(this, -1, e));
  }
  /** The topology's profile (an image may name another). */
  get profile(): ProfileId {
    return this.t.topology.profile;
  }
  get limits(): Limits | undefined {
    return this.t.topology.limits;
  }
  /** The topology sets a trust list; and asks for strict trust (untrusted-source as an error) with it. */
  get trust(): { list: boolean; strict: boolean } {
    return { list: this.t.hasTrustList, strict: this.t.hasTrustList && this.t.topology.strictTrust === true };
  }
  /** What the cloud holds and the plan deletes, when given. */
  get observed(): Observed | undefined {
    return this.t.observed;
  }
  /** Acceptances of the images that pass `test` (asked once an image), in file order. */
  acceptancesOf(test: (image: ImageView) => boolean): readonly AcceptanceView[] {
    const passes = this.images.map(test);
    const { accImage } = this.t;
    let found: AcceptanceView[] | undefined;
    for (let a = 0; a < accImage.length; a++) if (accImage[a] >= 0 && passes[accImage[a]]) (found ??= []).push(new AcceptanceView(this, a));
    return found ?? NONE;
  }
  /** Acceptances by a member to which nothing grants the image: no share of the topology, and not the cloud. */
  get ungrantedAcceptances(): readonly AcceptanceView[] {
    const { accImage, accMember, accGranted } = this.t;
    let found: AcceptanceView[] | undefined;
    for (let a = 0; a < accImage.length; a++) if (accImage[a] >= 0 && accMember[a] >= 0 && accGranted[a] === 0) (found ??= []).push(new AcceptanceView(this, a));
    return found ?? NONE;
  }
  /** Acceptances of an image by a project of another region, or (opentelekomcloud) by an account with no project in the image's region. */
  get acceptancesOutsideRegion(): readonly AcceptanceView[] {
    const { accImage, accMember, memberRegion, images } = this.t;
    let found: AcceptanceView[] | undefined;
    for (let a = 0; a < accImage.length; a++) {
      const i = accImage[a];
      const m = accMember[a];
      if (i >= 0 && (m >= 0 ? memberRegion[m] !== undefined && memberRegion[m] !== images[i].region : m === MEMBER_NO_PROJECT)) (found ??= []).push(new AcceptanceView(this, a));
    }
    return found ?? NONE;
  }
  /**
   * Members an image's existingMembers list (members present that no share declares) names twice,
   * or that a share of the image declares all the same, in file order of the images.
   */
  get existingMemberConflicts(): readonly ExistingConflict[] {
    return this.t.existingConflicts.map((c) => {
      const image = this.images[c.image];
      const entry = image.existingList![c.entry];
      const out: ExistingConflict = { image, path: [...image.path, "existingMembers", c.entry], label: refLabel(entry) };
      if (c.edge !== undefined) out.edge = new Edge(this, -1, c.edge);
      if (c.earlierEntry !== undefined) out.earlierPath = [...image.path, "existingMembers", c.earlierEntry];
      return out;
    });
  }
  /** Acceptances of a member of an image that an earlier acceptance already names, in file order. */
  get duplicateAcceptances(): readonly AcceptanceView[] {
    return [...this.t.accDuplicates.keys()].sort((x, y) => x - y).map((a) => new AcceptanceView(this, a));
  }
  image(key: string): ImageView | undefined {
    const i = this.t.imageIndex.get(key);
    return i === undefined ? undefined : this.images[i];
  }
  /** The share an edge belongs to (binary search; for findings, not hot loops). */
  shareOfEdge(e: number): number {
    const starts = this.t.shareEdgeStart;
    let lo = 0;
    let hi = starts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** A member an existingMembers list names twice (earlierPath), or that a share declares too (edge). */
export interface ExistingConflict {
  image: ImageView;
  /** ["images", key, "existingMembers", k]. */
  path: (string | number)[];
  /** The member as the list writes it. */
  label: string;
  earlierPath?: (string | number)[];
  edge?: Edge;
}

export type { AccountView, AcceptanceView, CopyView, Edge, ImageView, Member, ShareView };

/** What every rule's check reads. */
export type RuleContext = Pick<
  Context,
  "profile" | "limits" | "trust" | "observed" | "accounts" | "images" | "image" | "shares" | "duplicates" | "copies" | "acceptancesOf" | "ungrantedAcceptances" | "acceptancesOutsideRegion" | "duplicateAcceptances" | "existingMemberConflicts"
>;

/** The context of a topology (and of what the cloud holds), for rules and for the engine. */
export function buildContext(topology: Topology, observed?: Observed, scratch?: Scratch): RuleContext & Pick<Context, "profilesPresent"> {
  return new Context(buildTables(topology, observed, scratch));
}

/** A member reference as written, with the project it stands for when a bare account resolves to one. */
function memberLabel(ref: MemberRef, project: string | undefined): string {
  const label = refLabel(ref);
  return typeof ref === "string" && project !== undefined ? `${label} (its project ${project})` : label;
}

