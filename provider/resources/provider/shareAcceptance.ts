/**
 * ShareAcceptance: the recipient accepts or rejects an image shared with it (huaweicloud,
 * opentelekomcloud), acting with its own identity. Delete sets the member back to rejected, so
 * the image leaves the recipient's list.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ImageInfo } from "../../backends/types";
import type { Violation } from "../../rules/rule";
import { PROFILES } from "../../rules/profiles";
import type { ShareAcceptanceInputs, ShareAcceptanceOutputs } from "../wire";
import { isUnknown } from "../wire";
import { getImage, invalidate } from "./cache";
import { failure, log } from "./errors";
import { shapeFailures } from "./inputs";
import { ASSUMED_KIND, SELF, TopologyBuilder, knownMember, toFailures } from "./rulesAdapter";
import { PROVIDER_KEY, assertKnown, connect, connectForCheck, describeMember, q, identityKnown, isNotFound, validate, warn, identityDiff } from "./shared";

type Inputs = ShareAcceptanceInputs & Record<string, unknown>;
type Outputs = ShareAcceptanceOutputs & Record<string, unknown>;

/** The unknown owner of an image the recipient cannot see yet. */
const UNKNOWN_OWNER = "(owner not known yet)";

async function check(_olds: Inputs, news: Inputs): Promise<dynamic.CheckResult<Inputs>> {
  const shape = shapeFailures("ShareAcceptance", news);
  if (shape.length) return { inputs: news, failures: shape };
  if (isUnknown(news.profile)) return { inputs: news };
  const b = new TopologyBuilder(news.profile, news.stack);
  const imageId = isUnknown(news.imageId) ? "(image not known yet)" : news.imageId;
  const region = isUnknown(news.region) ? "(region not known yet)" : news.region;

  if (!PROFILES[news.profile].acceptance) {
    // No acceptance step on this cloud: the rules core says so (acceptance-unsupported); nothing to read.
    b.account(UNKNOWN_OWNER);
    b.image({ id: imageId, region, owner: UNKNOWN_OWNER, kind: ASSUMED_KIND, name: imageId });
    b.acceptances.push({ name: SELF, image: imageId, member: isUnknown(news.account) ? UNKNOWN_OWNER : b.account(news.account), status: news.status === "rejected" ? "rejected" : "accepted" });
    const { failures } = toFailures(validate(b.topology()), [], () => "profile");
    return failures.length ? { inputs: news, failures } : { inputs: news };
  }
  if (!identityKnown(news) || isUnknown(news.imageId) || !knownMember(news.member) || isUnknown(news.status)) return { inputs: news };

  const connected = await connectForCheck(news);
  if ("property" in connected) return { inputs: news, failures: [connected] };
  const { connection, service } = connected;
  let info: ImageInfo | undefined;
  try {
    info = await getImage(connection, service, imageId);
  } catch (e) {
    if (!isNotFound(e)) throw failure(`reading image ${q(imageId)} as ${q(news.account)}`, e);
  }
  b.account(news.account);
  if (news.project) b.project(news.account, news.project, news.region);
  const member = news.member;
  if (member.type === "project" && member.id !== news.project) {
    return { inputs: news, failures: [{ property: "member", reason: `ShareAcceptance: member: project ${member.id} is not the project the acceptance acts in (${news.project ?? "none"}): a member accepts for itself` }] };
  }
  if (member.type === "account" && member.id !== news.account) {
    return { inputs: news, failures: [{ property: "member", reason: `ShareAcceptance: member: account ${member.id} is not the account the acceptance acts as (${news.account}): a member accepts for itself` }] };
  }
  const vault = vaultFailure(news, info);
  if (vault) return { inputs: news, failures: [vault] };
  const ref = b.ref(member, region);
  if (info) {
    b.image(info);
    // Visible and shared with the caller: the cloud grants it (pending where the backend did not report the status).
    if (info.sharedWithCaller) b.observed.images[imageId] = { members: [{ member: ref, status: info.callerMemberStatus ?? "pending" }] };
  } else {
    b.account(UNKNOWN_OWNER);
    b.image({ id: imageId, region, owner: UNKNOWN_OWNER, kind: ASSUMED_KIND, name: imageId });
  }
  b.addStack(imageId, region);
  // A share of the stack not known yet may be the one granting this member: assume it does.
  if (!info && b.stackHasUnknownShares()) b.shares.push({ name: "(a share not known yet)", image: imageId, members: [ref] });
  b.acceptances.push({ name: SELF, image: imageId, member: ref, status: news.status });
  const topology = b.topology();
  // Trust needs the owner: not known while the image is not visible.
  if (!info) delete topology.trust;
  const property = (v: Violation): string => (v.rule === "untrusted-source" ? "imageId" : v.rule === "acceptance-unsupported" ? "profile" : "member");
  const { failures, warnings } = toFailures(validate(topology, b.observed), [], property);
  warn(`ShareAcceptance of image ${q(imageId)}`, warnings);
  return failures.length ? { inputs: news, failures } : { inputs: news };
}

/**
 * Accepting a full-ECS image made from a CBR backup needs the recipient's CBR vault: IMS refuses it
 * without vault_id (BatchUpdateMembers: "mandatory if you want to accept a shared full-ECS image
 * created from a CBR backup", huaweicloud-sdk-go-v3 BatchUpdateMembersRequestBody).
 */
function vaultFailure(news: Inputs, info: ImageInfo | undefined): { property: string; reason: string } | undefined {
  if (!info || news.status !== "accepted" || info.kind !== "full" || info.backupId === undefined || (news.vaultId !== undefined && news.vaultId !== "")) return undefined;
  return {
    property: "vaultId",
    reason:
      `ShareAcceptance: vaultId: image ${info.id} is a full-ECS image made from CBR backup ${info.backupId}, and IMS accepts it only with a vault of yours to hold that backup. ` +
      `Fix: create a server-backup vault in Cloud Backup and Recovery (CBR) in ${info.region}, then set vaultId to its id`,
  };
}

const REPLACE_KEYS = ["imageId", "profile", "region", "account", "project"] as const;

async function diff(_id: string, olds: Outputs, news: Inputs): Promise<dynamic.DiffResult> {
  const { replaces, connectionChanged } = identityDiff(olds, news, REPLACE_KEYS);
  if (JSON.stringify(olds.member) !== JSON.stringify(news.member)) replaces.push("member");
  const changes = replaces.length > 0 || olds.status !== news.status || olds.vaultId !== news.vaultId || connectionChanged;
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

async function apply(inputs: Inputs, action: string): Promise<Outputs> {
  assertKnown("a ShareAcceptance's inputs", { ...inputs, stack: undefined });
  const { connection, service } = await connect(inputs);
  try {
    await service.setMemberStatus(inputs.imageId, inputs.member, inputs.status, inputs.vaultId ? { vaultId: inputs.vaultId } : {});
  } catch (e) {
    throw failure(`${action}: setting ${describeMember(inputs.member)} to ${inputs.status} on image ${q(inputs.imageId)}`, e);
  } finally {
    invalidate(connection, inputs.imageId);
  }
  let owner = "";
  try {
    owner = (await getImage(connection, service, inputs.imageId, true)).owner;
  } catch {
    owner = ""; // rejected images may leave the recipient's view
  }
  return { ...inputs, owner } as Outputs;
}

async function create(inputs: Inputs): Promise<dynamic.CreateResult<Outputs>> {
  const outs = await apply(inputs, "accepting a share");
  return { id: `${inputs.imageId}/${inputs.member.type}:${inputs.member.id}`, outs };
}

async function update(_id: string, _olds: Outputs, news: Inputs): Promise<dynamic.UpdateResult<Outputs>> {
  return { outs: await apply(news, "changing an acceptance") };
}

async function read(id: string, given?: Outputs): Promise<dynamic.ReadResult<Outputs>> {
  const props = { ...(given ?? {}) } as Outputs;
  delete (props as Record<string, unknown>)[PROVIDER_KEY];
  const { connection, service } = await connect(props);
  let info: ImageInfo;
  try {
    info = await getImage(connection, service, props.imageId, true);
  } catch (e) {
    if (isNotFound(e)) {
      log(`refresh: image ${q(props.imageId)} is no longer shared with ${describeMember(props.member)}: the acceptance ${id} is gone`);
      return { id: "", props: {} as Outputs };
    }
    throw failure(`reading image ${q(props.imageId)}`, e);
  }
  const status = info.callerMemberStatus;
  if (status === "pending") {
    // The owner shared the image again (the member was removed and added): what was accepted no longer holds.
    log(`refresh: ${describeMember(props.member)} is pending again on image ${q(props.imageId)} (shared anew): the acceptance ${id} is gone, the next up accepts it again`);
    return { id: "", props: {} as Outputs };
  }
  if (status && status !== props.status) log(`refresh: ${describeMember(props.member)} is ${status} on image ${q(props.imageId)}, not ${props.status}, changed outside the stack`);
  return { id, props: { ...props, owner: info.owner, ...(status === "accepted" || status === "rejected" ? { status } : {}) } };
}

async function del(_id: string, props: Outputs): Promise<void> {
  const { connection, service } = await connect(props);
  try {
    await service.setMemberStatus(props.imageId, props.member, "rejected");
  } catch (e) {
    if (isNotFound(e)) return; // the share or the image is gone already
    throw failure(`rejecting image ${q(props.imageId)} for ${describeMember(props.member)}`, e);
  } finally {
    invalidate(connection, props.imageId);
  }
}

export const shareAcceptanceProvider: dynamic.ResourceProvider<Inputs, Outputs> = { check, diff, create, read, update, delete: del };
