/**
 * ImageShare: one image shared with a list of members, which the share manages.
 *
 * Ownership ("managed"): the share manages exactly the members it declares, whether it added
 * them or found them on the image (it adopts those: the first apply warns which). Create adds the
 * declared members missing; update removes the members it managed and no longer declares and adds
 * the missing ones; delete removes every member it manages. A member the share never declared
 * (added outside the stack) is never removed, and counts toward the limits as outside the stack.
 *
 * Why adopt: the clouds keep no record of who added a member, and the engine keeps none of a
 * create or update that did not answer (a killed host, a lost connection, a retried call). Any
 * rule that left members "found on the image" alone would, after such a crash, leave the members
 * the crashed attempt added shared past a destroy. With ownership by declaration the next up (or
 * a retry) finds them declared and manages them, whatever point the crash came at, and the state
 * the engine keeps (`members`: the members managed) is never smaller than what may be there: a
 * failed apply records every member it may have added or not yet removed.
 *
 * A member moved from one share to another of the same image in one up is handed over: the share
 * it leaves does not remove it while another share of the stack declares it (`stack`). Refresh
 * reads which managed members are still there (one removed outside the stack leaves `members`, and
 * the next up adds it back) and reports members present that no share declares, without adopting
 * them. Dynamic resources cannot be imported (pulumi/pulumi#16175): declaring members already
 * shared is how a stack takes them over.
 *
 * A share the program no longer declares (renamed without an alias, or its members moved to
 * another share) is deleted at the end of the up; its delete leaves on the image the members
 * another share of the stack manages in this run (`claims`), so they stay shared throughout.
 */
import { randomBytes } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImageInfo, Member, MemberTarget } from "../../backends/types";
import type { Violation } from "../../rules/rule";
import { PROFILES } from "../../rules/profiles";
import type { ImageShareInputs, ImageShareOutputs } from "../wire";
import { isUnknown } from "../wire";
import { getImage, invalidate, listMembers } from "./cache";
import { ProviderError, describe, failure, log, partial } from "./errors";
import { shapeFailures, type CheckFailure } from "./inputs";
import { cloudKey, resolveConnection } from "./credentials";
import { ASSUMED_KIND, SELF, TopologyBuilder, knownMember, stackOf, toFailures } from "./rulesAdapter";
import {
  PROVIDER_KEY,
  assertKnown,
  connect,
  connectForCheck,
  describeMember,
  q,
  distinct,
  hasUnknown,
  identityKnown,
  isNotFound,
  memberKey,
  validate,
  warn,
  withProvider,
  identityDiff,
} from "./shared";

type Inputs = ImageShareInputs & Record<string, unknown>;
type Outputs = ImageShareOutputs & Record<string, unknown>;

/** Input-level member checks the rules core does not own: what a member may be on each cloud. */
function memberTypeFailures(news: ImageShareInputs): CheckFailure[] {
  if (!Array.isArray(news.members) || isUnknown(news.profile)) return [];
  const target = PROFILES[news.profile]?.shareTarget;
  const out: CheckFailure[] = [];
  news.members.forEach((m, i) => {
    if (!knownMember(m)) return;
    if (target === "project" && m.type !== "project") {
      out.push({ property: `members[${i}]`, reason: `ImageShare: members[${i}]: ${news.profile} shares an image with projects: give { type: "project", id: "<project id in ${news.region}>" }, not an account` });
    } else if (target === "account" && m.type !== "account") {
      out.push({ property: `members[${i}]`, reason: `ImageShare: members[${i}]: ${news.profile} shares an image with accounts, not projects: give the account id` });
    }
  });
  return out;
}

async function check(olds: Inputs, news: Inputs): Promise<dynamic.CheckResult<Inputs>> {
  const shape = shapeFailures("ImageShare", news);
  if (shape.length) return { inputs: news, failures: shape };
  const types = memberTypeFailures(news);
  if (types.length) return { inputs: news, failures: types };
  if (!identityKnown(news) || isUnknown(news.imageId)) return { inputs: news };

  const connected = await connectForCheck(news);
  if ("property" in connected) return { inputs: news, failures: [connected] };
  const { connection, service } = connected;
  const imageId = news.imageId;

  let info;
  try {
    info = await getImage(connection, service, imageId);
  } catch (e) {
    // An image that does not exist yet (e.g. a copy's product before apply) is not a failure at check.
    if (!isNotFound(e)) throw failure(`reading image ${q(imageId)}`, e);
  }

  const b = new TopologyBuilder(news.profile, news.stack);
  b.account(news.account);
  if (news.project) b.project(news.account, news.project, news.region);
  if (info) b.image(info);
  else b.image({ id: imageId, region: news.region, owner: news.account, ownerProject: news.project, kind: ASSUMED_KIND, name: imageId });
  const region = info?.region ?? news.region;

  // The members as the rules see them; index in the topology's share -> index in `members`.
  const knownIndex: number[] = [];
  const refs = (Array.isArray(news.members) ? news.members : []).flatMap((m, i) => (knownMember(m) ? (knownIndex.push(i), [b.ref(m, region)]) : []));

  // The stack's other shares of the image first: the cloud's members are then sorted against
  // everything the stack declares, so a member another share declares, already on the image after
  // an apply, counts once (as declared), not again as a member outside the stack.
  b.addStack(imageId, region);
  if (info && info.owner === news.account && !info.sharedWithCaller) {
    let members: Member[];
    try {
      members = await listMembers(connection, service, imageId);
    } catch (e) {
      throw failure(`listing the members of image ${q(imageId)}`, e);
    }
    // Members this resource declared before and no longer declares: the update removes them.
    const now = new Set((Array.isArray(news.members) ? news.members : []).filter(knownMember).map(memberKey));
    const before = new Set((Array.isArray(olds?.members) ? olds.members : []).filter(knownMember).map(memberKey));
    const leaving = new Set([...before].filter((k) => !now.has(k)));
    b.observe(imageId, members, region, (m) => leaving.has(memberKey(m)));
    const adopted = members.filter((m) => now.has(memberKey(m)) && !before.has(memberKey(m)));
    if (adopted.length) {
      log(`ImageShare of image ${q(imageId)}: ${adopted.length} declared member(s) already on the image (${names(adopted)}): the share manages them from its next apply, and a destroy removes them`);
    }
  }
  const selfIndex = b.shares.length;
  b.shares.push({ name: SELF, image: imageId, by: news.account, members: refs });

  const violations = validate(b.topology(), b.observed);
  const property = (v: Violation): string => {
    if (v.rule === "reshare-forbidden") return "imageId";
    const p = v.path;
    if (p && p[0] === "shares" && p[1] === selfIndex && p[2] === "members" && typeof p[3] === "number" && knownIndex[p[3]] !== undefined) return `members[${knownIndex[p[3]]}]`;
    return "members";
  };
  const { failures, warnings } = toFailures(violations, [imageId], property);
  warn(`ImageShare of image ${q(imageId)}`, warnings);
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

const REPLACE_KEYS = ["imageId", "profile", "region", "account", "project"] as const;

function sameMembers(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || hasUnknown(b)) return false;
  const ka = new Set(a.filter(knownMember).map(memberKey));
  const kb = new Set(b.filter(knownMember).map(memberKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

async function diff(id: string, olds: Outputs, news: Inputs): Promise<dynamic.DiffResult> {
  claim(id, olds, managedOf(olds.members));
  const { replaces, connectionChanged } = identityDiff(olds, news, REPLACE_KEYS);
  const changes = replaces.length > 0 || !sameMembers(olds.members, news.members) || connectionChanged;
  // Delete before replace: the new share must not find the old one's members "already present"
  // and then lose them when the old one is deleted.
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

/**
 * Waits while the image is still being made (a copy's product): clouds refuse to share an image
 * until it is available. Polls with backoff for up to 30 minutes; a failed image is an error.
 */
async function awaitAvailable(connection: Parameters<typeof getImage>[0], service: Parameters<typeof getImage>[1], imageId: string, onWait?: () => void): Promise<ImageInfo> {
  const deadline = Date.now() + 30 * 60_000;
  let pause = Number(process.env.IMAGE_SHARE_JOB_POLL_MS ?? 500) || 500;
  for (;;) {
    let info: ImageInfo;
    try {
      info = await getImage(connection, service, imageId, true);
    } catch (e) {
      throw failure(`reading image ${q(imageId)}`, e);
    }
    if (info.status === "available") return info;
    if (info.status === "failed") throw new ProviderError(`image ${q(imageId)} failed to be created (a failed copy?): it cannot be shared`);
    if (Date.now() + pause > deadline) throw new ProviderError(`image ${q(imageId)} is still being created after 30 min: it can be shared once available; run \`pulumi up\` again later`);
    log(`image ${q(imageId)} is still being created: waiting to share it`);
    onWait?.();
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(10_000, Math.round(pause * 1.5));
  }
}

/**
 * The image, once available, and its members now: read at once (one round trip, not two). A
 * listing made while the image was still being created is made again once it is available.
 */
async function imageAndMembers(connection: Parameters<typeof getImage>[0], service: Parameters<typeof getImage>[1], imageId: string): Promise<{ info: ImageInfo; members: Map<string, Member> }> {
  const list = () => present(connection, service, imageId).then((members) => ({ members }), (error: unknown) => ({ error }));
  const early = list();
  let waited = false;
  const info = await awaitAvailable(connection, service, imageId, () => (waited = true));
  const listed = await (waited ? list() : early);
  if ("error" in listed) throw failure(`listing the members of image ${q(imageId)}`, listed.error);
  return { info, members: listed.members };
}

/** The members present now, by key. */
async function present(connection: Parameters<typeof listMembers>[0], service: Parameters<typeof listMembers>[1], imageId: string): Promise<Map<string, Member>> {
  const members = await listMembers(connection, service, imageId, true);
  return new Map(members.map((m) => [memberKey(m), m]));
}

/** The first few members, for messages. */
function names(ms: MemberTarget[]): string {
  return `${ms.slice(0, 10).map(describeMember).join(", ")}${ms.length > 10 ? `, ... (${ms.length} in all)` : ""}`;
}

/** Member lists as the state holds them (anything else, e.g. an old state's nulls, left out). */
function managedOf(v: unknown): MemberTarget[] {
  return distinct((Array.isArray(v) ? v : []).filter(knownMember));
}

/** Members another share of the stack declares for this image now: handed over, never removed by this one. */
function declaredElsewhere(news: Inputs): Set<string> {
  const out = new Set<string>();
  for (const s of stackOf(news.stack)?.shares ?? []) {
    if (s.imageId !== news.imageId) continue;
    for (const m of s.members) if (knownMember(m)) out.add(memberKey(m));
  }
  return out;
}

/**
 * The members each share's state holds in this run, by share id, per provider process: the engine
 * starts one host per run and deletes the resources the program no longer declares after every
 * other step, so by then every share still declared has had its diff, create or update here.
 * Filled only from what the engine's state holds (diff's olds) or is given to hold (create's and
 * update's results, partial ones included), never from a declaration alone: a member a delete
 * leaves on the image for another share is one that share's own delete (a destroy) removes.
 * Best effort: a delete that finds no claim (another process, a destroy) removes all it manages.
 */
const claims = new Map<string, { image: string; members: Set<string> }>();

function imageKey(props: Inputs | Outputs): string | undefined {
  try {
    return cloudKey(resolveConnection(props)) + "\u0000" + props.imageId;
  } catch {
    return undefined; // unresolvable here (bad credentials): no claim, as if in another process
  }
}

function claim(id: string, props: Inputs | Outputs, members: MemberTarget[]): void {
  const image = imageKey(props);
  if (image) claims.set(id, { image, members: new Set(members.map(memberKey)) });
}

/** Members of the image that shares other than `id` claim in this run. */
function claimedByOthers(id: string, props: Outputs): Set<string> {
  const image = imageKey(props);
  const out = new Set<string>();
  for (const [other, c] of claims) if (other !== id && c.image === image) for (const k of c.members) out.add(k);
  return out;
}

async function create(inputs: Inputs): Promise<dynamic.CreateResult<Outputs>> {
  assertKnown("an ImageShare's inputs", { ...inputs, stack: undefined });
  const { connection, service } = await connect(inputs);
  const imageId = inputs.imageId;
  const { info, members: before } = await imageAndMembers(connection, service, imageId);
  const declared = managedOf(inputs.members);
  const toAdd = declared.filter((m) => !before.has(memberKey(m)));
  const id = `${imageId}/share-${randomBytes(4).toString("hex")}`;
  // Every declared member is managed from here on, those found on the image included.
  const outs = { ...inputs, members: declared, imageKind: info.kind } as Outputs;
  // Success or partial failure, the state claims every declared member.
  claim(id, inputs, declared);
  try {
    // The listing just made is the backend's too: it need not read the members again.
    if (toAdd.length) await service.addMembers(imageId, toAdd, { present: [...before.values()] });
  } catch (e) {
    invalidate(connection, imageId);
    const message = describe(`sharing image ${q(imageId)} with ${toAdd.length} member(s)`, e);
    // Whatever landed (all, some, none: a batch may apply half), the state claims every declared
    // member: a destroy removes them (an absent one is success), the next up adds the rest. The
    // read-back only tells the user how far it got.
    const after = await present(connection, service, imageId).catch(() => undefined);
    const landed = after ? `${toAdd.filter((m) => after.has(memberKey(m))).length} of ${toAdd.length} member(s) were added before the failure` : "the members could not be read back";
    throw partial(`${message}; ${landed}: the next \`pulumi up\` finishes the share`, id, withProvider(outs, inputs), [message]);
  }
  invalidate(connection, imageId);
  return { id, outs };
}

async function update(id: string, olds: Outputs, news: Inputs): Promise<dynamic.UpdateResult<Outputs>> {
  assertKnown("an ImageShare's inputs", { ...news, stack: undefined });
  const { connection, service } = await connect(news);
  const imageId = news.imageId;
  const { members: now } = await imageAndMembers(connection, service, imageId);
  const desired = managedOf(news.members);
  const desiredKeys = new Set(desired.map(memberKey));
  const elsewhere = declaredElsewhere(news);
  const managed = managedOf(olds.members);
  const leaving = managed.filter((m) => !desiredKeys.has(memberKey(m)) && !elsewhere.has(memberKey(m)));
  const toRemove = leaving.filter((m) => now.has(memberKey(m)));
  const toAdd = desired.filter((m) => !now.has(memberKey(m)));
  const outs = (members: MemberTarget[]): Outputs => ({ ...news, members, imageKind: olds.imageKind }) as Outputs;
  try {
    // Removals first: they free room under the member limit for the additions.
    const known = { present: [...now.values()] };
    if (toRemove.length) await service.removeMembers(imageId, toRemove, known);
    if (toAdd.length) await service.addMembers(imageId, toAdd, known);
  } catch (e) {
    invalidate(connection, imageId);
    const message = describe(`updating the members of image ${q(imageId)} (${toAdd.length} to add, ${toRemove.length} to remove)`, e);
    // Still managed: the members leaving (their removal may not have applied) and every declared one.
    claim(id, news, distinct([...leaving, ...desired]));
    throw partial(`${message}; the next \`pulumi up\` finishes the change`, id, withProvider(outs(distinct([...leaving, ...desired])), news), [message]);
  }
  invalidate(connection, imageId);
  claim(id, news, desired);
  return { outs: outs(desired) };
}

async function read(id: string, given?: Outputs): Promise<dynamic.ReadResult<Outputs>> {
  const props = (given ?? {}) as Outputs;
  const { connection, service } = await connect(props);
  const imageId = props.imageId;
  let now: Map<string, Member>;
  try {
    now = await present(connection, service, imageId);
  } catch (e) {
    if (isNotFound(e)) {
      log(`refresh: image ${q(imageId)} no longer exists: the share ${q(id)} is gone`);
      return { id: "", props: {} as Outputs };
    }
    throw failure(`listing the members of image ${q(imageId)}`, e);
  }
  const managed = managedOf(props.members);
  const gone = managed.filter((m) => !now.has(memberKey(m)));
  for (const m of gone) log(`refresh: ${describeMember(m)} was removed from image ${q(imageId)} outside the stack`);
  const elsewhere = declaredElsewhere(props as Inputs);
  const managedKeys = new Set(managed.map(memberKey));
  const outside = [...now.values()].filter((m) => !managedKeys.has(memberKey(m)) && !elsewhere.has(memberKey(m)));
  if (outside.length) log(`refresh: image ${q(imageId)} has ${outside.length} member(s) that the stack does not declare (left alone): ${names(outside)}`);
  const outs = { ...props, members: managed.filter((m) => now.has(memberKey(m))) } as Outputs;
  delete (outs as Record<string, unknown>)[PROVIDER_KEY];
  // State of an earlier version recorded which members it had added; every declared one is managed now.
  delete (outs as Record<string, unknown>).addedMembers;
  return { id, props: outs };
}

async function del(id: string, props: Outputs): Promise<void> {
  const { connection, service } = await connect(props);
  const imageId = props.imageId;
  const others = claimedByOthers(id, props);
  const managed = managedOf(props.members);
  const kept = managed.filter((m) => others.has(memberKey(m)));
  const toRemove = managed.filter((m) => !others.has(memberKey(m)));
  if (kept.length) log(`ImageShare of image ${q(imageId)}: ${kept.length} member(s) stay shared, another share of the stack manages them now: ${names(kept)}`);
  if (toRemove.length) {
    try {
      await service.removeMembers(imageId, toRemove);
    } catch (e) {
      // The image gone, its members are gone with it.
      if (!isNotFound(e)) throw failure(`removing ${toRemove.length} member(s) from image ${q(imageId)}`, e);
    } finally {
      invalidate(connection, imageId);
    }
  }
  claims.delete(id);
}

export const imageShareProvider: dynamic.ResourceProvider<Inputs, Outputs> = { check, diff, create, read, update, delete: del };
