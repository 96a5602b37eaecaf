/**
 * The stack ledger: what the program declares, so that each resource's `check` sees the rest of
 * the stack (members of the same image in other ImageShares, acceptances, copies) and the rules
 * can sum members across resources and catch conflicts before anything is applied.
 *
 * Each resource registers its declaration (its arguments, as given) at construction. Its `stack`
 * input is an Output that resolves once the program has finished declaring resources: one
 * macrotask after the last registration (a program's synchronous part, and any awaits of
 * already-settled promises, count as one phase). Then it awaits the values of the other
 * declarations it can wait for and serializes those that bear on its image as plain JSON
 * (wire.ts StackDeclarations; bearingOn).
 *
 * No cycles: a value of another declaration that comes from resources this one does not already
 * depend on (directly, or through declarations the ledger knows) is not awaited: it is sent as
 * UNKNOWN_IN_STACK. Waiting for it could deadlock (a copy's stack would wait for a share of the
 * copy's own product) and would add dependencies the program never asked for. The `stack`
 * Output itself carries no resource dependencies.
 *
 * Async programs: a resource declared after the ledger settled (after an await of real I/O, or
 * inside an apply) is "late": its own stack sees everything declared before it, but resources
 * declared earlier do not see it. The ledger logs a warning for it. A program that declares
 * resources across awaits holds the ledger open: `const release = holdDeclarations(); ...
 * release();` (release after the last declaration).
 */
import * as pulumi from "@pulumi/pulumi";
import type { Limits } from "../rules/model";
import type { MemberTarget } from "../backends/types";
import { isUnknown, UNKNOWN_IN_STACK, type StackDeclarations } from "./wire";
import type { OutputInternals } from "./common";

export type DeclarationKind = "share" | "acceptance" | "copy";

/** One resource's declaration, with its arguments as Inputs (Outputs resolved later, per reader). */
export interface Declaration {
  kind: DeclarationKind;
  /** The resource's name (the `resource` of violations). */
  name: string;
  profile: pulumi.Input<string>;
  /** share: imageId, members; acceptance: imageId, member, status; copy: sourceImageId, region (destination), account. */
  fields: Record<string, unknown>;
  /** The rule settings this resource asks for (its own stack's limits / trust / strictTrust). */
  settings: { limits?: pulumi.Input<Limits>; trust?: pulumi.Input<pulumi.Input<string>[]>; strictTrust?: pulumi.Input<boolean>; regions?: pulumi.Input<pulumi.Input<string>[]> };
  /** Resources the resource's own arguments and dependsOn already make it depend on. */
  deps: Set<pulumi.Resource>;
  /** Set right after construction. */
  resource?: pulumi.Resource;
  /** copy: the product's id, set right after construction (the copy's own output). */
  product?: pulumi.Input<string>;
}

interface LedgerState {
  declarations: Declaration[];
  waiters: Array<() => void>;
  timer?: NodeJS.Immediate;
  holds: number;
  settled: boolean;
}

// One ledger per process, shared by every copy of this module (the package may be loaded both
// from its sources and from its build in one process, e.g. tests that run the example stack).
const KEY = Symbol.for("image-share.ledger.v1");
function state(): LedgerState {
  const g = globalThis as unknown as Record<symbol, LedgerState | undefined>;
  let s = g[KEY];
  if (!s) {
    s = { declarations: [], waiters: [], holds: 0, settled: false };
    g[KEY] = s;
  }
  return s;
}

function arm(s: LedgerState): void {
  if (s.timer) clearImmediate(s.timer);
  s.timer = setImmediate(() => {
    s.timer = undefined;
    if (s.holds > 0) return;
    s.settled = true;
    const waiters = s.waiters;
    s.waiters = [];
    for (const w of waiters) w();
  });
}

function whenSettled(): Promise<void> {
  const s = state();
  return new Promise((resolve) => {
    s.waiters.push(resolve);
    arm(s);
  });
}

/** Registers a declaration; its `stack` input comes from `stackFor`. */
export function register(d: Declaration): void {
  const s = state();
  if (s.settled && s.holds === 0) {
    void pulumi.log.warn(
      `image-share: ${d.name} was declared after the stack's declarations were collected (after an await, or inside an apply): ` +
        "resources declared before it do not see it in their checks. Wrap the declaring code in holdDeclarations() / release().",
    );
  }
  s.declarations.push(d);
  arm(s);
}

/**
 * Keeps the ledger open across awaits until the returned function is called: resources declared
 * meanwhile all see each other.
 */
export function holdDeclarations(): () => void {
  const s = state();
  s.holds++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    s.holds--;
    arm(s);
  };
}

/** Forgets every declaration (tests run several programs in one process). */
export function resetDeclarations(): void {
  const s = state();
  if (s.timer) clearImmediate(s.timer);
  const waiters = s.waiters;
  s.declarations = [];
  s.waiters = [];
  s.timer = undefined;
  s.holds = 0;
  s.settled = false;
  for (const w of waiters) w();
}

/** The declarations registered so far (read-only view, for tests and diagnostics). */
export function declarations(): readonly Declaration[] {
  return state().declarations;
}

/** The `stack` input of a resource: an Output of plain JSON, secret if any value in it is. */
export function stackFor(self: Declaration): pulumi.Output<StackDeclarations> {
  const built = whenSettled().then(() => build(self));
  // The apply lifts the inner secret's secretness; the result carries no resource dependencies.
  return pulumi.output(built).apply((b) => (b.secret ? pulumi.secret(b.value) : b.value)) as pulumi.Output<StackDeclarations>;
}

interface Resolved {
  value: unknown;
  known: boolean;
  secret: boolean;
}

/** Everything `self` already waits for: its direct dependencies and theirs, as far as the ledger knows them. */
function closureOf(self: Declaration, all: readonly Declaration[]): Set<pulumi.Resource> {
  const byResource = new Map<pulumi.Resource, Declaration>();
  for (const d of all) if (d.resource) byResource.set(d.resource, d);
  const closure = new Set<pulumi.Resource>();
  const todo = [...self.deps];
  while (todo.length > 0) {
    const r = todo.pop()!;
    if (closure.has(r)) continue;
    closure.add(r);
    const d = byResource.get(r);
    if (d) todo.push(...d.deps);
  }
  return closure;
}

/** A value resolved as far as `self` may wait for it; an unknown part stays unknown. */
async function resolve(value: unknown, closure: Set<pulumi.Resource>, seen = new Set<unknown>()): Promise<Resolved> {
  if (pulumi.Output.isInstance(value)) {
    const o = value as unknown as OutputInternals;
    for (const r of o.resources()) if (!closure.has(r)) return { value: undefined, known: false, secret: false };
    const [known, secret] = await Promise.all([o.isKnown, o.isSecret]);
    if (!known) return { value: undefined, known: false, secret };
    const inner = await resolve(await o.promise(), closure, seen);
    return { ...inner, secret: secret || inner.secret };
  }
  if (value instanceof Promise) return resolve(await value, closure, seen);
  if (value === null || typeof value !== "object" || pulumi.Resource.isInstance(value) || seen.has(value)) {
    return { value, known: true, secret: false };
  }
  seen.add(value);
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  const out = (Array.isArray(value) ? [] : {}) as Record<string | number, unknown>;
  let known = true;
  let secret = false;
  for (const [k, v] of entries) {
    const r = await resolve(v, closure, seen);
    out[k] = r.value;
    known &&= r.known;
    secret ||= r.secret;
  }
  return { value: out, known, secret };
}

class Collector {
  secret = false;
  constructor(readonly closure: Set<pulumi.Resource>) {}

  async any(value: unknown): Promise<Resolved> {
    const r = await resolve(value, this.closure);
    this.secret ||= r.secret;
    return r;
  }

  async string(value: unknown): Promise<string> {
    const r = await this.any(value);
    return r.known && typeof r.value === "string" ? r.value : UNKNOWN_IN_STACK;
  }

  async member(value: unknown): Promise<MemberTarget> {
    const r = await this.any(value);
    if (!r.known) return { type: "account", id: UNKNOWN_IN_STACK };
    return toMember(r.value) ?? { type: "account", id: UNKNOWN_IN_STACK };
  }

  async members(value: unknown): Promise<{ members: MemberTarget[]; unknown: boolean }> {
    // Outer list first (it may be one Output), then each element on its own.
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
      const outer = await this.any(value);
      if (!outer.known || !Array.isArray(outer.value)) return { members: [], unknown: true };
      value = outer.value;
    }
    if (!Array.isArray(value)) return { members: [], unknown: true };
    const members: MemberTarget[] = [];
    for (const m of value) members.push(await this.member(m));
    return { members, unknown: false };
  }
}

function toMember(v: unknown): MemberTarget | undefined {
  if (typeof v === "string" && v !== "") return { type: "account", id: v };
  if (v && typeof v === "object") {
    const { type, id } = v as Record<string, unknown>;
    if ((type === "account" || type === "project") && typeof id === "string" && id !== "") return { type, id };
  }
  return undefined;
}

/**
 * The image ids a declaration is about: a share's or acceptance's image; a copy's source and
 * product. Given at once, not as a promise, where nothing needs awaiting: every resource's stack
 * reads every declaration's, so an await each made a program's declaring cost the square of its size.
 */
function imagesOf(d: Declaration, c: Collector): string[] | Promise<string[]> {
  const plain = plainHead(d)?.images;
  if (d.kind !== "copy" || d.product === undefined) return plain ?? c.string(d.fields.imageId).then((i) => [i]);
  const product = productOf(d, c);
  if (plain && typeof product === "string") return [...plain, product];
  return Promise.all([plain?.[0] ?? c.string(d.fields.sourceImageId), product]);
}

/** A copy's product, its own output: not known, at once, to a resource that does not wait for the copy. */
function productOf(d: Declaration, c: Collector): string | Promise<string> {
  return d.resource && !c.closure.has(d.resource) ? UNKNOWN_IN_STACK : c.string(d.product);
}

/** A declaration's cloud and its image id (a copy's source) where its arguments hold them as plain strings. */
interface PlainHead {
  profile: Resolved;
  images: string[];
}

// Most declarations name their cloud and image as plain strings (a topology file, literal ids):
// those read the same for every resource, so each is read once here, not awaited for each.
const plainHeads = new WeakMap<Declaration, PlainHead>();
function plainHead(d: Declaration): PlainHead | undefined {
  const known = plainHeads.get(d);
  if (known) return known;
  const image = d.kind === "copy" ? d.fields.sourceImageId : d.fields.imageId;
  if (typeof d.profile !== "string" || typeof image !== "string") return undefined;
  const head = { profile: { value: d.profile, known: true, secret: false }, images: [image] };
  plainHeads.set(d, head);
  return head;
}

/** Another declaration with its image ids as read for the resource being built. */
interface Other {
  d: Declaration;
  images: string[];
}

/**
 * Of `others`, those that bear on a resource about `own` images: the declarations about those
 * images and the images joined to them through copies (source and product, both ways). The rules
 * that span resources look no further (an image's members, acceptances and copies, a copy's
 * chain), and sending each resource the whole stack made the state grow with the square of its
 * size. A declaration whose image this resource cannot know yet (a copy's product, an image
 * another resource makes) matches nothing the checks read, with one exception: an acceptance of an
 * image not visible yet assumes that a share of an image not known yet may add its member
 * (rulesAdapter stackHasUnknownShares), so an acceptance is also sent those shares.
 */
function bearingOn(self: Declaration, own: readonly string[], others: readonly Other[]): readonly Other[] {
  const images = new Set(own.filter((i) => !isUnknown(i)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const o of others) {
      const known = o.images.filter((i) => !isUnknown(i));
      if (o.images.length < 2 || !known.some((i) => images.has(i))) continue;
      for (const i of known) {
        if (images.has(i)) continue;
        images.add(i);
        grew = true;
      }
    }
  }
  const mayGrant = (o: Other) => self.kind === "acceptance" && o.d.kind === "share" && o.images.some(isUnknown);
  return others.filter((o) => o.images.some((i) => images.has(i)) || mayGrant(o));
}

async function build(self: Declaration): Promise<{ value: StackDeclarations; secret: boolean }> {
  const all = [...state().declarations];
  const closure = closureOf(self, all);
  const c = new Collector(closure);
  const profile = await c.any(self.profile);
  const value: StackDeclarations = { shares: [], acceptances: [], copies: [] };
  const others: Other[] = [];
  for (const d of all) {
    if (d === self) continue;
    const p = plainHead(d)?.profile ?? (await c.any(d.profile));
    // Image ids are per cloud: another cloud's declarations never bear on this resource.
    if (profile.known && p.known && p.value !== profile.value) continue;
    const images = imagesOf(d, c);
    others.push({ d, images: Array.isArray(images) ? images : await images });
  }
  // A copy's own product is its output, never known while its stack is built (productOf): its source joins it.
  const ownImages = await imagesOf(self, c);
  // Each kept declaration's image ids as read above: a share's or acceptance's image, a copy's source and product.
  for (const { d, images } of bearingOn(self, ownImages, others)) {
    if (d.kind === "share") {
      const { members, unknown } = await c.members(d.fields.members);
      value.shares.push({ resource: d.name, imageId: images[0], members, ...(unknown ? { membersUnknown: true } : {}) });
    } else if (d.kind === "acceptance") {
      const status = await c.string(d.fields.status);
      value.acceptances.push({
        resource: d.name,
        imageId: images[0],
        member: await c.member(d.fields.member),
        status: status as "accepted" | "rejected",
      });
    } else {
      const entry: StackDeclarations["copies"][number] = {
        resource: d.name,
        sourceImageId: images[0],
        region: await c.string(d.fields.region),
        account: await c.string(d.fields.account),
      };
      if (images.length > 1) entry.imageId = images[1];
      value.copies.push(entry);
    }
  }
  // The resource's own rule settings: its own inputs, always awaitable for itself.
  const own = new Collector(new Set([...closure]));
  const limits = await own.any(self.settings.limits);
  if (limits.known && limits.value !== undefined) value.limits = limits.value as Limits;
  const trust = await own.any(self.settings.trust);
  if (trust.known && Array.isArray(trust.value)) value.trust = trust.value.filter((t): t is string => typeof t === "string");
  const strict = await own.any(self.settings.strictTrust);
  if (strict.known && typeof strict.value === "boolean") value.strictTrust = strict.value;
  const regions = await own.any(self.settings.regions);
  if (regions.known && Array.isArray(regions.value)) value.regions = regions.value.filter((r): r is string => typeof r === "string");
  return { value, secret: c.secret || own.secret };
}
