/**
 * ImageShare: one image shared with a list of members. Create adds the members not present yet
 * (batched by the backend) and records them as addedMembers; update adds and removes only the
 * difference; delete removes only the members it added that the resource still declares;
 * read (refresh) reports the members actually present.
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
import { ASSUMED_KIND, SELF, TopologyBuilder, knownMember, toFailures } from "./rulesAdapter";
import {
  PROVIDER_KEY,
  assertKnown,
  connect,
  connectForCheck,
  describeMember,
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
    if (!isNotFound(e)) throw failure(`reading image ${imageId}`, e);
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
      throw failure(`listing the members of image ${imageId}`, e);
    }
    // Members this resource declared before and no longer declares: the update removes them.
    const now = new Set((Array.isArray(news.members) ? news.members : []).filter(knownMember).map(memberKey));
    const leaving = new Set((Array.isArray(olds?.members) ? olds.members : []).filter(knownMember).map(memberKey).filter((k) => !now.has(k)));
    b.observe(imageId, members, region, (m) => leaving.has(memberKey(m)));
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
  warn(`ImageShare of image ${imageId}`, warnings);
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

const REPLACE_KEYS = ["imageId", "profile", "region", "account", "project"] as const;

function sameMembers(a: unknown, b: unknown): boolean {
  if (!Array.isArray(a) || !Array.isArray(b) || hasUnknown(b)) return false;
  const ka = new Set(a.filter(knownMember).map(memberKey));
  const kb = new Set(b.filter(knownMember).map(memberKey));
  return ka.size === kb.size && [...ka].every((k) => kb.has(k));
}

async function diff(_id: string, olds: Outputs, news: Inputs): Promise<dynamic.DiffResult> {
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
async function awaitAvailable(connection: Parameters<typeof getImage>[0], service: Parameters<typeof getImage>[1], imageId: string): Promise<ImageInfo> {
  const deadline = Date.now() + 30 * 60_000;
  let pause = Number(process.env.IMAGE_SHARE_JOB_POLL_MS ?? 500) || 500;
  for (;;) {
    let info: ImageInfo;
    try {
      info = await getImage(connection, service, imageId, true);
    } catch (e) {
      throw failure(`reading image ${imageId}`, e);
    }
    if (info.status === "available") return info;
    if (info.status === "failed") throw new ProviderError(`image ${imageId} failed to be created (a failed copy?): it cannot be shared`);
    if (Date.now() + pause > deadline) throw new ProviderError(`image ${imageId} is still being created after 30 min: it can be shared once available; run \`pulumi up\` again later`);
    log(`image ${imageId} is still being created: waiting to share it`);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(10_000, Math.round(pause * 1.5));
  }
}

/** The members present now, by key. */
async function present(connection: Parameters<typeof listMembers>[0], service: Parameters<typeof listMembers>[1], imageId: string): Promise<Map<string, Member>> {
  const members = await listMembers(connection, service, imageId, true);
  return new Map(members.map((m) => [memberKey(m), m]));
}

async function create(inputs: Inputs): Promise<dynamic.CreateResult<Outputs>> {
  assertKnown("an ImageShare's inputs", { ...inputs, stack: undefined });
  const { connection, service } = await connect(inputs);
  const imageId = inputs.imageId;
  const info = await awaitAvailable(connection, service, imageId);
  const declared = distinct(inputs.members);
  let before: Map<string, Member>;
  try {
    before = await present(connection, service, imageId);
  } catch (e) {
    throw failure(`listing the members of image ${imageId}`, e);
  }
  const toAdd = declared.filter((m) => !before.has(memberKey(m)));
  const id = `${imageId}/share-${randomBytes(4).toString("hex")}`;
  const outs = (added: MemberTarget[]): Outputs => ({ ...inputs, addedMembers: added, imageKind: info.kind }) as Outputs;
  try {
    if (toAdd.length) await service.addMembers(imageId, toAdd);
  } catch (e) {
    invalidate(connection, imageId);
    const message = describe(`sharing image ${imageId} with ${toAdd.length} member(s)`, e);
    let after: Map<string, Member> | undefined;
    try {
      after = await present(connection, service, imageId);
    } catch {
      after = undefined;
    }
    if (!after) {
      // What landed is unknown (a batch may have applied, in full or half): claim every member
      // this create meant to add. None was present before it, and removing one that is absent is
      // success; forgetting one that landed would leave it shared after a destroy.
      throw partial(`${message}; the members could not be read back: the next \`pulumi up\` finishes the share`, id, withProvider(outs(toAdd), inputs), [message]);
    }
    const applied = toAdd.filter((m) => after!.has(memberKey(m)));
    if (applied.length === 0) throw new ProviderError(message);
    throw partial(
      `${message}; ${applied.length} of ${toAdd.length} member(s) were added before the failure: the next \`pulumi up\` adds the rest`,
      id,
      withProvider(outs(applied), inputs),
      [message],
    );
  }
  invalidate(connection, imageId);
  return { id, outs: outs(toAdd) };
}

async function update(id: string, olds: Outputs, news: Inputs): Promise<dynamic.UpdateResult<Outputs>> {
  assertKnown("an ImageShare's inputs", { ...news, stack: undefined });
  const { connection, service } = await connect(news);
  const imageId = news.imageId;
  await awaitAvailable(connection, service, imageId);
  let now: Map<string, Member>;
  try {
    now = await present(connection, service, imageId);
  } catch (e) {
    throw failure(`listing the members of image ${imageId}`, e);
  }
  const desired = distinct(news.members);
  const desiredKeys = new Set(desired.map(memberKey));
  const added = distinct(Array.isArray(olds.addedMembers) ? olds.addedMembers : []);
  const addedKeys = new Set(added.map(memberKey));
  // Remove what this resource added and no longer declares; members present before it stay.
  const toRemove = added.filter((m) => !desiredKeys.has(memberKey(m)) && now.has(memberKey(m)));
  const toAdd = desired.filter((m) => !now.has(memberKey(m)));
  const kept = added.filter((m) => desiredKeys.has(memberKey(m)) && now.has(memberKey(m)));
  const outs = (addedMembers: MemberTarget[]): Outputs => ({ ...news, addedMembers, imageKind: olds.imageKind }) as Outputs;
  try {
    // Removals first: they free room under the member limit for the additions.
    if (toRemove.length) await service.removeMembers(imageId, toRemove);
    if (toAdd.length) await service.addMembers(imageId, toAdd);
  } catch (e) {
    invalidate(connection, imageId);
    const message = describe(`updating the members of image ${imageId} (${toAdd.length} to add, ${toRemove.length} to remove)`, e);
    let after: Map<string, Member> | undefined;
    try {
      after = await present(connection, service, imageId);
    } catch {
      after = undefined;
    }
    // What is really there: our added members still present (removals not applied stay ours).
    const applied = after
      ? distinct([...added, ...toAdd]).filter((m) => after!.has(memberKey(m)) && (desiredKeys.has(memberKey(m)) || addedKeys.has(memberKey(m))))
      : // Unknown what landed: claim what this update meant to add too (removing an absent member is success).
        distinct([...added, ...toAdd]);
    const props = withProvider(outs(applied), news);
    // The declared members recorded are those really present, so the next diff sees the rest as a change.
    props.members = after ? (olds.members ?? []).filter((m) => after!.has(memberKey(m))).concat(desired.filter((m) => after!.has(memberKey(m)) && !(olds.members ?? []).some((o) => memberKey(o) === memberKey(m)))) : distinct([...(olds.members ?? []), ...desired]);
    throw partial(`${message}; the next \`pulumi up\` finishes the change`, id, props, [message]);
  }
  invalidate(connection, imageId);
  return { outs: outs(distinct([...kept, ...toAdd])) };
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
      log(`refresh: image ${imageId} no longer exists: the share ${id} is gone`);
      return { id: "", props: {} as Outputs };
    }
    throw failure(`listing the members of image ${imageId}`, e);
  }
  const declared = distinct(Array.isArray(props.members) ? props.members : []);
  const gone = declared.filter((m) => !now.has(memberKey(m)));
  for (const m of gone) log(`refresh: ${describeMember(m)} was removed from image ${imageId} outside the stack`);
  const elsewhere = new Set<string>();
  for (const s of props.stack?.shares ?? []) if (s.imageId === imageId) for (const m of s.members ?? []) if (knownMember(m)) elsewhere.add(memberKey(m));
  const declaredKeys = new Set(declared.map(memberKey));
  const outside = [...now.values()].filter((m) => !declaredKeys.has(memberKey(m)) && !elsewhere.has(memberKey(m)));
  if (outside.length) log(`refresh: image ${imageId} has ${outside.length} member(s) that the stack does not declare: ${outside.slice(0, 10).map(describeMember).join(", ")}${outside.length > 10 ? ", ..." : ""}`);
  const members = declared.filter((m) => now.has(memberKey(m)));
  const addedMembers = distinct(Array.isArray(props.addedMembers) ? props.addedMembers : []).filter((m) => now.has(memberKey(m)));
  const outs = { ...props, members, addedMembers } as Outputs;
  delete (outs as Record<string, unknown>)[PROVIDER_KEY];
  return { id, props: outs };
}

async function del(_id: string, props: Outputs): Promise<void> {
  const { connection, service } = await connect(props);
  const imageId = props.imageId;
  const declared = new Set((Array.isArray(props.members) ? props.members : []).filter(knownMember).map(memberKey));
  const toRemove = distinct(Array.isArray(props.addedMembers) ? props.addedMembers : []).filter((m) => declared.has(memberKey(m)));
  if (toRemove.length === 0) return;
  try {
    await service.removeMembers(imageId, toRemove);
  } catch (e) {
    if (isNotFound(e)) return; // the image is gone, and its members with it
    throw failure(`removing ${toRemove.length} member(s) from image ${imageId}`, e);
  } finally {
    invalidate(connection, imageId);
  }
}

export const imageShareProvider: dynamic.ResourceProvider<Inputs, Outputs> = { check, diff, create, read, update, delete: del };
