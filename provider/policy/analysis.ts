/**
 * The whole stack as topologies of the rules core, one per cloud (image, account and project ids
 * are per cloud: nothing of one cloud bears on another's rules), validated, and each violation
 * traced back to the resource that causes it.
 *
 * Keys are the clouds' ids (an account's key is its id, an image's key its id), so messages read
 * in the ids users see in their consoles. What the stack does not say comes from the settings;
 * what neither says is filled in neutrally, never so that a rule fires on a guess:
 * - an image's owner: the settings' `images.<id>.owner`, the cloud's answer where one of this
 *   package's resources read it, the copying account for a copy's product, else the one account
 *   that shares or copies it and is not among its members (a member was shared the image, so it
 *   is not its owner). None or several: a stand-in owner, and the rules that need the owner are
 *   skipped for that image with a note;
 * - an image's kind: `images.<id>.kind`, the cloud's answer (ImageShare's imageKind), else
 *   `defaultImageKind` (system: the highest limits, so no false member-limit);
 * - the region of another account's project: the image's region (so no false cross-region-share);
 * - a value not known until apply: left out, and every rule that would have read it skipped
 *   where it would have mattered, with a note (CrossGuard's advisory "can't run ... during
 *   preview"); what is known is still checked (a sum of known members over a limit is a
 *   violation whatever the unknown ones turn out to be).
 */
import { RULES, memberLimit, validate, type Account, type MemberRef, type ProfileId, type RuleId, type Topology, type Violation } from "../rules";
import { UNKNOWN } from "./plain";
import { isCopyType, readResource, type Actor, type ImageRef, type StackItem, type StackResource, type Value } from "./resources";
import type { ResolvedSettings } from "./settings";

/** A violation with the URN of the resource that causes it (none: the stack as a whole). */
export interface Finding extends Violation {
  urn?: string;
}

/** Why a rule was (partly) skipped; `error` is the SDK's own error for an unknown value, where there is one. */
export interface Note {
  text: string;
  error?: unknown;
}

export interface Analysis {
  findings: Finding[];
  /** Per rule: what it could not check. */
  notes: Map<RuleId, Note[]>;
  /** The clouds the stack's understood resources are on. */
  profiles: Set<ProfileId>;
}

/** Rules that report something missing (no share grants it, nothing accepted it): an unknown could be the missing thing. */
const ABSENCE_RULES: RuleId[] = ["acceptance-without-share", "pending-acceptance", "copy-requires-acceptance"];
/** Rules that sum or compare a share's members. */
const MEMBER_RULES: RuleId[] = ["member-limit", "member-limit-headroom", "member-conflict", "self-share", "cross-region-share", "cross-site-share", "share-chain", "pending-acceptance"];
/** Rules that compare an image's region with another. */
const REGION_RULES: RuleId[] = ["cross-region-share", "copy-of-shared-image", "copy-same-region", "cross-region-copy-unsupported", "cross-site-share"];

const RULE_PROFILES = new Map<RuleId, readonly ProfileId[]>(RULES.map((r) => [r.id as RuleId, r.profiles]));

const known = (v: Value): v is string => typeof v === "string";

/** The stack's resources that share, accept or copy images, read. */
export function readStack(resources: readonly StackResource[], settings: ResolvedSettings): StackItem[] {
  const copyUrns = new Set(resources.filter((r) => isCopyType(r.type)).map((r) => r.urn));
  const items: StackItem[] = [];
  for (const r of resources) {
    const item = readResource(r, settings, copyUrns);
    if (item) items.push(item);
  }
  return items;
}

export function analyze(resources: readonly StackResource[], settings: ResolvedSettings): Analysis {
  return analyzeItems(readStack(resources, settings), settings);
}

/**
 * A key of what an analysis depends on: the items read (unknown values marked, the SDK's errors
 * left out) and the settings. Equal keys, equal analyses.
 */
export function analysisKey(items: readonly StackItem[], settings: ResolvedSettings): string {
  return JSON.stringify([items, settings], (k, v: unknown) => (k === "unknowns" ? undefined : v === UNKNOWN ? "\u0000unknown" : v));
}

export function analyzeItems(items: readonly StackItem[], settings: ResolvedSettings): Analysis {
  const analysis: Analysis = { findings: [], notes: new Map(), profiles: new Set() };
  const byProfile = new Map<ProfileId, StackItem[]>();
  for (const item of items) {
    const list = byProfile.get(item.actor.profile) ?? [];
    list.push(item);
    byProfile.set(item.actor.profile, list);
  }
  for (const [profile, list] of byProfile) {
    analysis.profiles.add(profile);
    new CloudView(profile, list, settings, analysis).run();
  }
  return analysis;
}

/** One cloud's resources of the stack as one topology. */
class CloudView {
  private readonly accounts: Record<string, Account> = {};
  private readonly topology: Topology;
  private readonly label = new Map<StackItem, string>();
  private readonly urnOf = new Map<string, string>();
  private readonly projectOwner = new Map<string, string>();
  /** Copy resource URN -> its products, one per destination region. */
  private readonly products = new Map<string, Array<{ region: string; key: string; item: StackItem }>>();
  /** A product's id, once a resource naming it shows it -> the product's key. */
  private readonly alias = new Map<string, string>();
  /** Image key -> the items that name it (as the image shared or accepted, or a copy's source). */
  private readonly users = new Map<string, StackItem[]>();
  /** Rule -> image keys for which its violations are dropped ("all": every image of this cloud). */
  private readonly taints = new Map<RuleId, Set<string> | "all">();
  /** Image keys whose owner is a stand-in because several accounts could own it. */
  private readonly ambiguousOwner = new Set<string>();
  /** Guessed region of a project (another account's, region not given) -> the image keys it was guessed for. */
  private readonly guessedProjects = new Map<string, { region: string; images: Set<string> }>();

  constructor(
    private readonly profile: ProfileId,
    private readonly items: StackItem[],
    private readonly settings: ResolvedSettings,
    private readonly analysis: Analysis,
  ) {
    this.topology = { profile, accounts: this.accounts, images: {}, shares: [], acceptances: [], copies: [] };
  }

  run(): void {
    this.nameItems();
    this.identities();
    this.copyProducts();
    this.aliases();
    this.resolveUsers();
    this.declareImages();
    for (const item of this.items) {
      if (item.act.kind === "share") this.share(item, item.act);
      else if (item.act.kind === "acceptance") this.acceptance(item, item.act);
      else this.copy(item, item.act);
    }
    for (const g of this.actorless.values()) {
      const list = g.names.length > 3 ? `${g.names.slice(0, 3).join(", ")} and ${g.names.length - 3} more` : g.names.join(", ");
      this.note([...g.rules], `${list}: ${g.text}`, g.item, g.item.actor.accountPath);
    }
    this.ruleSettings();
    this.siteNotes();
    this.kindNotes();
    for (const v of validate(this.topology)) {
      if (this.tainted(v) || this.outsideStack(v)) continue;
      const finding: Finding = { ...v };
      const urn = this.urnFor(v.resource);
      if (urn !== undefined) finding.urn = urn;
      this.analysis.findings.push(finding);
    }
  }

  // --- notes and taints -------------------------------------------------------------------

  /** A note for each of `rules` that applies to this cloud; `property`: the unknown value it rests on, if any. */
  private note(rules: readonly RuleId[], text: string, item?: StackItem, property?: string): void {
    const error = item && property !== undefined ? item.unknowns.find((u) => u.path === property || u.path.startsWith(`${property}.`))?.error : undefined;
    for (const rule of rules) {
      if (!RULE_PROFILES.get(rule)?.includes(this.profile)) continue;
      const seen = `${rule}\u0000${text}`;
      if (this.noted.has(seen)) continue;
      this.noted.add(seen);
      const list = this.analysis.notes.get(rule) ?? [];
      list.push(error === undefined ? { text } : { text, error });
      this.analysis.notes.set(rule, list);
    }
  }

  private readonly noted = new Set<string>();

  private taint(rules: readonly RuleId[], image: string | "all"): void {
    for (const rule of rules) {
      const t = this.taints.get(rule);
      if (t === "all") continue;
      if (image === "all") this.taints.set(rule, "all");
      else this.taints.set(rule, (t ?? new Set()).add(image));
    }
  }

  private tainted(v: Violation): boolean {
    const t = this.taints.get(v.rule);
    if (t === undefined) return false;
    if (t === "all") return true;
    return this.imagesOf(v).some((k) => t.has(k));
  }

  /**
   * A rule that reports something missing, where what is missing may be in the cloud, out of the
   * stack's sight: a stack policy cannot read the cloud, so only what the stack itself manages
   * counts as missing. An acceptance of an image no resource of the stack shares (its owner shared
   * it some other way); a recipient's copy of an image shared with it outside the stack (it may
   * have accepted it outside too); a share whose members' acceptances are all outside the stack.
   */
  private outsideStack(v: Violation): boolean {
    const [section, at] = v.path ?? [];
    const t = this.topology;
    const sharedWith = (image: string, account: string) =>
      t.shares.some((s) => s.image === image && s.members.some((m) => (typeof m === "string" ? m : m.account) === account));
    let outside = false;
    let what = "";
    if (v.rule === "acceptance-without-share" && section === "acceptances" && typeof at === "number") {
      const a = t.acceptances[at];
      outside = !t.shares.some((s) => s.image === a.image);
      what = `no resource of the stack shares image ${a.image}: whether its owner shared it with the accepting member (outside the stack) is not known`;
    } else if (v.rule === "copy-requires-acceptance" && section === "copies" && typeof at === "number") {
      const c = t.copies[at];
      outside = c.by === undefined || !sharedWith(c.source, c.by);
      what = `image ${c.source} is shared with ${c.by ?? "the copying account"} outside the stack: whether it accepted it there is not known`;
    } else if (v.rule === "pending-acceptance" && section === "shares" && typeof at === "number") {
      const s = t.shares[at];
      const accepted = new Set(t.acceptances.filter((a) => a.image === s.image).map((a) => (typeof a.member === "string" ? a.member : a.member.account)));
      outside = !s.members.some((m) => {
        const account = typeof m === "string" ? m : m.account;
        return this.actors.has(account) && !accepted.has(account);
      });
      what = `${s.name}: its members accept outside the stack (no resource of the stack acts as them): whether they did is not known`;
    }
    if (outside) this.note([v.rule], what);
    return outside;
  }

  /** The image keys a violation concerns, from where it points in the topology. */
  private imagesOf(v: Violation): string[] {
    const [section, at] = v.path ?? [];
    const t = this.topology;
    if (section === "images" && typeof at === "string") return [at];
    if (section === "shares" && typeof at === "number") return [t.shares[at]?.image].filter((k): k is string => k !== undefined);
    if (section === "acceptances" && typeof at === "number") return [t.acceptances[at]?.image].filter((k): k is string => k !== undefined);
    if (section === "copies" && typeof at === "number") return [t.copies[at]?.source, t.copies[at]?.as].filter((k): k is string => k !== undefined);
    if (v.resource.startsWith("images.")) return [v.resource.slice("images.".length)];
    const named = [...t.shares, ...t.acceptances].find((e) => e.name === v.resource);
    if (named) return [named.image];
    const copy = t.copies.find((c) => c.name === v.resource);
    return copy ? [copy.source, copy.as] : [];
  }

  private urnFor(resource: string): string | undefined {
    const direct = this.urnOf.get(resource);
    if (direct !== undefined) return direct;
    if (!resource.startsWith("images.")) return undefined;
    const key = resource.slice("images.".length);
    return this.productNamed(key)?.item.urn ?? this.users.get(key)?.[0]?.urn;
  }

  // --- who is who -------------------------------------------------------------------------

  private nameItems(): void {
    const count = new Map<string, number>();
    for (const item of this.items) count.set(item.name, (count.get(item.name) ?? 0) + 1);
    for (const item of this.items) {
      // Names repeat only across parents or types: the URN is unique.
      const label = count.get(item.name) === 1 ? item.name : item.urn;
      this.label.set(item, label);
      this.urnOf.set(label, item.urn);
    }
  }

  private name(item: StackItem): string {
    return this.label.get(item) ?? item.name;
  }

  private account(id: string, site?: Actor["site"]): string {
    let a = this.accounts[id];
    if (!a) {
      a = { id };
      const s = this.settings.accounts[id]?.site ?? site;
      if (s) a.site = s;
      this.accounts[id] = a;
    } else if (a.site === undefined && site) {
      a.site = site;
    }
    return id;
  }

  private project(account: string, project: string, region: string): void {
    const a = this.accounts[this.account(account)];
    a.projects ??= {};
    a.projects[project] ??= { id: project, region };
    if (!this.projectOwner.has(project)) this.projectOwner.set(project, account);
  }

  /** Resources whose acting account is not known, by identity: one note each. */
  private readonly actorless = new Map<string, { rules: Set<RuleId>; text: string; names: string[]; item: StackItem }>();

  /** Accounts some resource of the stack acts as (known ones). */
  private readonly actors = new Set<string>();

  private identities(): void {
    for (const [account, facts] of Object.entries(this.settings.accounts)) {
      for (const [project, region] of Object.entries(facts.projects ?? {})) this.project(account, project, region);
    }
    for (const { actor } of this.items) {
      if (!known(actor.account)) continue;
      this.actors.add(actor.account);
      this.account(actor.account, actor.site);
      if (known(actor.project) && known(actor.region) && !this.projectOwner.has(actor.project)) this.project(actor.account, actor.project, actor.region);
    }
  }

  /** The account a member names (a project's: its owner, or a stand-in for another account's project). */
  private memberRef(m: { type: "account" | "project"; id: string }, image: string): MemberRef {
    if (m.type === "account") return this.account(m.id);
    let owner = this.projectOwner.get(m.id);
    if (owner === undefined) {
      // Another account's project, region not given: assume the image's, so cross-region-share never rests on a guess.
      owner = `(account of project ${m.id})`;
      const region = this.regionOf(image) ?? "(unknown region)";
      this.project(owner, m.id, region);
      this.guessedProjects.set(m.id, { region, images: new Set([image]) });
    } else {
      const guessed = this.guessedProjects.get(m.id);
      if (guessed && !guessed.images.has(image)) {
        guessed.images.add(image);
        if (this.regionOf(image) !== guessed.region) {
          this.taint(["cross-region-share"], image);
          this.note(["cross-region-share"], `the region of project ${m.id} is not known (images of several regions are shared with it): set accounts.<its account>.projects["${m.id}"]`);
        }
      }
    }
    return { account: owner, project: m.id };
  }

  // --- images -----------------------------------------------------------------------------

  private copyProducts(): void {
    for (const item of this.items) {
      if (item.act.kind !== "copy") continue;
      const act = item.act;
      const name = this.name(item);
      if (act.regions === UNKNOWN) {
        this.note(["copy-same-region", "copy-of-shared-image", "cross-region-copy-unsupported", "copy-requires-acceptance", "untrusted-source"], `${name}: its destination regions are not known until apply`, item, "destinationRegions");
        this.products.set(item.urn, []);
        continue;
      }
      const destinations = act.regions.filter(known);
      if (destinations.length < act.regions.length) {
        this.note(["copy-same-region", "copy-of-shared-image", "cross-region-copy-unsupported", "copy-requires-acceptance", "untrusted-source"], `${name}: its destination region is not known until apply`, item, "targetRegion");
      }
      const single = destinations.length === 1;
      this.products.set(
        item.urn,
        destinations.map((region) => ({
          region,
          // The product's id once the copy exists (this package's CrossRegionCopy outputs it), else a name for it.
          key: single && known(act.product) ? act.product : single ? `(copy ${name})` : `(copy ${name} to ${region})`,
          item,
        })),
      );
    }
  }

  /** The product of the copy an image reference comes from, in the region of the resource that names it. */
  private productFor(ref: ImageRef, region: Value): string | undefined {
    if (ref.from === undefined) return undefined;
    const list = this.products.get(ref.from);
    if (!list || list.length === 0) return undefined;
    if (list.length === 1) return list[0].key;
    return known(region) ? list.find((p) => p.region === region)?.key : undefined;
  }

  private refs(item: StackItem): ImageRef {
    const act = item.act;
    return act.kind === "copy" ? act.source : act.image;
  }

  private aliases(): void {
    for (const item of this.items) {
      const ref = this.refs(item);
      const product = this.productFor(ref, item.actor.region);
      if (product !== undefined && known(ref.id) && ref.id !== product) this.alias.set(ref.id, product);
    }
  }

  private resolve(item: StackItem): string | undefined {
    const ref = this.refs(item);
    const product = this.productFor(ref, item.actor.region);
    if (product !== undefined) return product;
    return known(ref.id) ? (this.alias.get(ref.id) ?? ref.id) : undefined;
  }

  private readonly resolved = new Map<StackItem, string | undefined>();

  private resolveUsers(): void {
    for (const item of this.items) {
      const key = this.resolve(item);
      this.resolved.set(item, key);
      if (key === undefined) continue;
      const list = this.users.get(key) ?? [];
      list.push(item);
      this.users.set(key, list);
    }
  }

  private productNamed(key: string): { region: string; item: StackItem } | undefined {
    for (const list of this.products.values()) {
      const p = list.find((x) => x.key === key);
      if (p) return p;
    }
    return undefined;
  }

  private regionOf(image: string): string | undefined {
    return this.topology.images[image]?.region ?? this.productNamed(image)?.region;
  }

  private declareImages(): void {
    for (const [key, users] of this.users) {
      const facts = this.settings.images[key] ?? {};
      const product = this.productNamed(key);
      if (product) {
        // The copy decides its product's owner, region and kind; the settings may add what the stack cannot say.
        if (facts.existingMembers !== undefined || facts.name !== undefined) {
          const copier = product.item.actor.account;
          this.topology.images[key] = {
            region: product.region,
            owner: this.account(known(copier) ? copier : `(owner of ${key})`),
            kind: this.settings.defaultImageKind,
            name: facts.name ?? key,
            profile: this.profile,
            ...(facts.existingMembers !== undefined ? { existingMembers: facts.existingMembers } : {}),
          };
        }
        continue;
      }
      const region = facts.region ?? users.map((u) => u.actor.region).find(known);
      if (region === undefined) {
        this.taint(REGION_RULES, key);
        this.note(REGION_RULES, `the region of image ${key} is not known: set images["${key}"].region, or the region of the provider that shares it`);
      }
      const owner = this.ownerOf(key, users);
      this.topology.images[key] = {
        id: key,
        region: region ?? "(unknown region)",
        owner,
        ...this.holdingProject(owner, users),
        kind: facts.kind ?? users.map((u) => (u.act.kind === "share" ? u.act.imageKind : undefined)).find((k) => k !== undefined) ?? this.settings.defaultImageKind,
        name: facts.name ?? key,
        profile: this.profile,
        ...(facts.existingMembers !== undefined ? { existingMembers: facts.existingMembers } : {}),
      };
    }
  }

  /**
   * huaweicloud / opentelekomcloud: the owner's project that holds the image, where the owner's
   * resources of it act in one project (the owner shares and copies from the project holding it).
   */
  private holdingProject(owner: string, users: StackItem[]): { project?: string } {
    const projects = new Set(users.filter((u) => u.act.kind !== "acceptance" && u.actor.account === owner).map((u) => u.actor.project));
    const [project] = [...projects];
    return projects.size === 1 && known(project) && this.accounts[owner]?.projects?.[project] ? { project } : {};
  }

  /** Account ids among an image's members: shared with them by another account, or accepted by them. */
  private membersOf(users: StackItem[]): Set<string> {
    const out = new Set<string>();
    for (const u of users) {
      if (u.act.kind === "share" && u.act.members !== UNKNOWN) {
        for (const m of u.act.members) {
          if (!known(m.id)) continue;
          const account = m.type === "account" ? m.id : this.projectOwner.get(m.id);
          // An account sharing with itself is no evidence that it was shared the image: self-share says that.
          if (account !== undefined && account !== u.actor.account) out.add(account);
        }
      } else if (u.act.kind === "acceptance" && known(u.actor.account)) {
        out.add(u.actor.account);
      }
    }
    return out;
  }

  private ownerOf(key: string, users: StackItem[]): string {
    const given = this.settings.images[key]?.owner;
    if (given !== undefined) return this.account(given);
    const reported = users.map((u) => (u.act.kind === "acceptance" ? u.act.owner : undefined)).find(known);
    if (reported !== undefined) return this.account(reported);
    const members = this.membersOf(users);
    const candidates = [...new Set(users.filter((u) => u.act.kind !== "acceptance").map((u) => u.actor.account).filter(known))].filter((a) => !members.has(a));
    if (candidates.length === 1) return this.account(candidates[0]);
    const standIn = this.account(`(owner of ${key})`);
    this.taint(["untrusted-source"], key);
    // Only the rules that look at what is done with this image.
    const shared = users.some((u) => u.act.kind === "share");
    const rules: RuleId[] = [...(shared ? (["self-share", "cross-site-share"] as const) : []), ...(users.some((u) => u.act.kind !== "share") ? (["untrusted-source"] as const) : [])];
    if (candidates.length > 1) {
      this.ambiguousOwner.add(key);
      this.note(["reshare-forbidden", ...rules], `image ${key} is shared or copied by ${candidates.join(" and ")}, and only its owner may share it: set images["${key}"].owner to say which owns it`);
    } else {
      const unknownActors = [...new Set(users.filter((u) => !known(u.actor.account) && u.actor.settingsKey).map((u) => `${u.actor.settingsKey}.account`))];
      this.note(rules, `the owner of image ${key} is not known: set images["${key}"].owner${unknownActors.length > 0 ? ` or ${unknownActors.join(", ")}` : ""}`);
    }
    return standIn;
  }

  /** An image a resource names by an id not known until apply: its own, so its members still count on their own. */
  private standIn(item: StackItem, property: string): string {
    const key = `(image of ${this.name(item)})`;
    this.topology.images[key] = {
      region: known(item.actor.region) ? item.actor.region : "(unknown region)",
      owner: known(item.actor.account) ? this.account(item.actor.account) : this.account(`(owner of ${key})`),
      kind: this.settings.defaultImageKind,
      name: key,
      profile: this.profile,
    };
    this.taint([...ABSENCE_RULES, "untrusted-source", ...REGION_RULES], "all");
    this.note(
      ["member-limit", "member-limit-headroom", "member-conflict", "reshare-forbidden", "share-chain", ...ABSENCE_RULES, "untrusted-source", ...REGION_RULES],
      `${this.name(item)}: its ${property} is not known until apply; what it shares was checked on its own, not with the image's other resources`,
      item,
      property,
    );
    return key;
  }

  /** The account that acts, as `by`: absent where it is not known, or where it is one of several that could own the image. */
  private by(item: StackItem, image: string, rules: readonly RuleId[]): string | undefined {
    const a = item.actor.account;
    if (!known(a)) {
      const why = a === UNKNOWN ? "is not known until apply" : `is not given (set ${item.actor.settingsKey ?? "providers[...]"}.account)`;
      const group = this.actorless.get(item.actor.source + why) ?? { rules: new Set<RuleId>(), text: `the account of ${item.actor.source} ${why}`, names: [], item };
      for (const r of rules) group.rules.add(r);
      group.names.push(this.name(item));
      this.actorless.set(item.actor.source + why, group);
      return undefined;
    }
    if (this.ambiguousOwner.has(image)) return undefined;
    return this.account(a, item.actor.site);
  }

  // --- shares, acceptances, copies --------------------------------------------------------

  private share(item: StackItem, act: Extract<StackItem["act"], { kind: "share" }>): void {
    const name = this.name(item);
    const image = this.resolved.get(item) ?? this.standIn(item, act.image.property);
    const members: MemberRef[] = [];
    if (act.members === UNKNOWN) {
      this.taint(ABSENCE_RULES, image);
      this.note([...MEMBER_RULES, ...ABSENCE_RULES], `${name}: its members are not known until apply`, item, "members");
    } else {
      let unknownMembers = 0;
      for (const m of act.members) {
        if (known(m.id)) members.push(this.memberRef({ type: m.type, id: m.id }, image));
        else unknownMembers++;
      }
      if (unknownMembers > 0) {
        this.taint(ABSENCE_RULES, image);
        this.note([...MEMBER_RULES, ...ABSENCE_RULES], `${name}: ${unknownMembers} of its members ${unknownMembers === 1 ? "is" : "are"} not known until apply (the known ones were checked)`, item, "members");
      }
    }
    const by = this.by(item, image, ["reshare-forbidden"]);
    this.topology.shares.push({ name, image, members, ...(by !== undefined ? { by } : {}) });
  }

  private acceptance(item: StackItem, act: Extract<StackItem["act"], { kind: "acceptance" }>): void {
    const name = this.name(item);
    const image = this.resolved.get(item);
    const member = act.member;
    const skip = (why: string, property: string) => {
      this.taint(ABSENCE_RULES, "all");
      this.note([...ABSENCE_RULES, "untrusted-source", "acceptance-unsupported"], `${name}: ${why}`, item, property);
    };
    if (image === undefined) return skip(`its ${act.image.property} is not known until apply`, act.image.property);
    if (member === UNKNOWN || member === undefined || !known(member.id)) {
      return skip(member === undefined ? `the account it accepts as is not given (set ${item.actor.settingsKey ?? "providers[...]"}.project or .account)` : "the member it accepts as is not known until apply", "member");
    }
    if (act.status === UNKNOWN) return skip("its status is not known until apply", "status");
    this.topology.acceptances.push({ name, image, member: this.memberRef({ type: member.type, id: member.id }, image), status: act.status });
  }

  private copy(item: StackItem, act: Extract<StackItem["act"], { kind: "copy" }>): void {
    const name = this.name(item);
    const products = this.products.get(item.urn) ?? [];
    if (products.length === 0) return;
    const source = this.resolved.get(item) ?? this.standIn(item, act.source.property);
    const by = this.by(item, source, ["copy-of-shared-image", "untrusted-source", "copy-requires-acceptance"]);
    for (const p of products) {
      this.topology.copies.push({
        name: products.length === 1 ? name : `${name} to ${p.region}`,
        source,
        region: p.region,
        as: p.key,
        ...(by !== undefined ? { by } : {}),
        ...(known(act.imageName) ? { imageName: act.imageName } : {}),
        ...(known(act.description) ? { description: act.description } : {}),
      });
      if (products.length > 1) this.urnOf.set(`${name} to ${p.region}`, item.urn);
    }
  }

  // --- settings of the cloud --------------------------------------------------------------

  private ruleSettings(): void {
    const t = this.topology;
    const given = this.settings.limits[this.profile];
    if (given) {
      t.limits = given;
    } else {
      // This package's resources carry the limits they were declared with: the policy agrees with their own checks.
      const declared = this.items.map((i) => i.declared?.limits).filter((l) => l !== undefined);
      const max = (k: "member" | "fullMember") => Math.max(...declared.map((l) => l[k] ?? 0));
      if (declared.length > 0 && (max("member") > 0 || max("fullMember") > 0)) {
        t.limits = {};
        if (max("member") > 0) t.limits.member = max("member");
        if (max("fullMember") > 0) t.limits.fullMember = max("fullMember");
      }
    }
    const trusts = this.items.map((i) => i.declared?.trust).filter((l) => l !== undefined);
    if (this.settings.trust || trusts.length > 0) t.trust = [...new Set([...(this.settings.trust ?? []), ...trusts.flat()])];
    if (this.settings.strictTrust) t.strictTrust = true;
  }

  private siteNotes(): void {
    if (!RULE_PROFILES.get("cross-site-share")?.includes(this.profile)) return;
    const missing = new Set<string>();
    for (const s of this.topology.shares) {
      const owner = this.topology.images[s.image]?.owner;
      const accounts = [owner, ...s.members.map((m) => (typeof m === "string" ? m : m.account))];
      for (const a of accounts) if (a !== undefined && !a.startsWith("(") && this.accounts[a]?.site === undefined) missing.add(a);
    }
    if (missing.size > 0) {
      const list = [...missing].slice(0, 5).join(", ") + (missing.size > 5 ? ` and ${missing.size - 5} more` : "");
      this.note(["cross-site-share"], `the site (cn or intl) of account(s) ${list} is not known: set accounts.<id>.site (or providers.<name>.site)`);
    }
  }

  /** Where the kind was assumed and a full-ECS image's lower limit would have been crossed: say so. */
  private kindNotes(): void {
    // Only where a full-ECS image has a lower limit than the kind assumed (huaweicloud, opentelekomcloud).
    const full = memberLimit(this.profile, "full", this.topology.limits);
    const assumed = memberLimit(this.profile, this.settings.defaultImageKind, this.topology.limits);
    if (typeof full !== "number" || typeof assumed !== "number" || full >= assumed) return;
    const members = new Map<string, Set<string>>();
    for (const s of this.topology.shares) {
      const set = members.get(s.image) ?? new Set<string>();
      for (const m of s.members) set.add(typeof m === "string" ? m : `${m.account}/${m.project ?? ""}`);
      members.set(s.image, set);
    }
    for (const [key, set] of members) {
      const img = this.topology.images[key];
      if (!img || img.id === undefined || img.kind !== this.settings.defaultImageKind || this.settings.images[key]?.kind !== undefined) continue;
      if ((this.users.get(key) ?? []).some((u) => u.act.kind === "share" && u.act.imageKind !== undefined)) continue;
      const existing = typeof img.existingMembers === "number" ? img.existingMembers : (img.existingMembers?.length ?? 0);
      if (set.size + existing > full) {
        this.note(["member-limit"], `image ${key}: its kind is not known and was taken as ${img.kind}; were it a full-ECS image, its ${set.size} members would exceed the limit of ${full}: set images["${key}"].kind`);
      }
    }
  }
}
