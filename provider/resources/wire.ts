/**
 * The plain-JSON shapes that cross from the Pulumi program (resource classes) to the provider
 * (runtime.ts, loaded in the engine's dynamic-provider host by package name). Everything here is
 * data the engine stores in state: never a credential value, only the names where to find one.
 */
import type { ImageKind, Limits, ProfileId } from "../rules/model";
import type { MemberTarget } from "../backends/types";

/** Where a credential is read at run time, inside the provider: an environment variable or a Pulumi config key. */
export interface SecretRef {
  env?: string;
  /** A Pulumi config key, e.g. "image-share:hwSecretKey" (read through the provider's configure()). */
  config?: string;
}

export interface ConnectionInputs {
  /** "emulator" (the embedded default) or "cloud" (the real cloud API of `profile`). */
  backend: "emulator" | "cloud";
  /** emulator: its state file; default `.image-share/emulator.db` under the stack's directory. */
  emulatorPath?: string;
  /** cloud: an endpoint override (e.g. a private endpoint, or the served emulator in tests). */
  endpoint?: string;
  /** cloud: where to read the access key pair; default: the cloud's usual environment variables. */
  credentials?: { accessKey?: SecretRef; secretKey?: SecretRef };
  /**
   * cloud, huaweicloud / opentelekomcloud: the IAM agency that lets IMS copy an image to another
   * region (agency_name; IMS refuses a cross-region copy without one).
   */
  agencyName?: string;
  /**
   * cloud, huaweicloud / opentelekomcloud: project id -> account (domain) id of other accounts'
   * projects. IMS names an image's owner by its project only; with this an image owned by one of
   * these projects reports the account as its owner (a recipient's view, trust rules). The acting
   * account's own projects need no entry. Ids, not secrets.
   */
  projectAccounts?: Record<string, string>;
  /**
   * One deadline, in ms, for all the retries of one operation of this resource (its check, create,
   * update, delete or read): throttled and transient requests are retried until then (default:
   * each request's own deadline, 120 s). A connection change is an in-place update.
   */
  retryDeadlineMs?: number;
}

/** The acting identity: an account, and on huaweicloud / opentelekomcloud one of its projects. */
export interface IdentityInputs {
  profile: ProfileId;
  region: string;
  /** Account id the resource acts as. */
  account: string;
  /** Project id the resource acts in (huaweicloud / opentelekomcloud). */
  project?: string;
  connection: ConnectionInputs;
}

/**
 * In `stack`, a value the program could not know when it declared the resource: an output of a
 * resource not created yet (preview), or one this resource cannot wait for without making the
 * stack's dependency graph cyclic. Any string of a `stack` entry (imageId, a member's id, status,
 * region, account) may be this. Rules treat it as unknown: they never report a violation that
 * rests on it (a sum of known members over a limit is still a violation).
 */
export const UNKNOWN_IN_STACK = "(unknown)";
/** Pulumi's own unknown value, as it reaches `check` in top-level inputs during preview (`unknownValue` of @pulumi/pulumi/runtime/rpc). */
export const PULUMI_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Whether a value that reached the provider is not known yet (either marker). */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_IN_STACK || value === PULUMI_UNKNOWN;
}

/**
 * What the rest of the stack declares, for rules that span resources (limits summed, conflicts,
 * acceptances). Built by the resource classes (provider/resources/ledger.ts) once the program has
 * declared its resources. The resource's own declaration is NOT in it: the provider adds its own
 * inputs. Only declarations of the same profile that bear on the resource's image are listed (of
 * that image or of images joined to it by copies; to an acceptance, also the shares of images not
 * known yet: ledger.ts bearingOn), in declaration order.
 */
export interface StackDeclarations {
  /** `membersUnknown`: the member list as a whole is not known (`members` is then empty). */
  shares: Array<{ resource: string; imageId: string; members: MemberTarget[]; membersUnknown?: boolean }>;
  acceptances: Array<{ resource: string; imageId: string; member: MemberTarget; status: "accepted" | "rejected" }>;
  /** `region` is the destination; `imageId` the product (absent or unknown until the copy exists). */
  copies: Array<{ resource: string; sourceImageId: string; region: string; account: string; imageId?: string }>;
  /** Rule settings of the stack. */
  limits?: Limits;
  trust?: string[];
  strictTrust?: boolean;
  /** Region ids added to the profile's region table (IdentityArgs.regions, a topology file's regions:). */
  regions?: string[];
}

export interface ImageShareInputs extends IdentityInputs {
  imageId: string;
  members: MemberTarget[];
  /**
   * Filled in by the resource class from the stack's other resources; absent = this resource alone.
   * It changes whenever another resource of the stack changes: not a property of the cloud
   * resource, so a diff never reports it (or every share would update when any other does).
   */
  stack?: StackDeclarations;
}

/**
 * `members` in the outputs: the members the share manages (those it declares; after a failed
 * apply also those it may have added or not yet removed). Delete removes exactly these.
 */
export interface ImageShareOutputs extends ImageShareInputs {
  /** The image's kind as the cloud reports it. */
  imageKind: ImageKind;
}

export interface ShareAcceptanceInputs extends IdentityInputs {
  imageId: string;
  /** The member the share targets: the acting account, or one of its projects. */
  member: MemberTarget;
  status: "accepted" | "rejected";
  /**
   * huaweicloud / opentelekomcloud: the recipient's CBR vault that is to hold the backup of a
   * full-ECS image made from a CBR backup; IMS accepts such an image only with it (BatchUpdateMembers
   * vault_id). Required at check for such an image.
   */
  vaultId?: string;
  stack?: StackDeclarations;
}

export type ShareAcceptanceOutputs = ShareAcceptanceInputs & { owner: string };

export interface CrossRegionCopyInputs extends IdentityInputs {
  sourceImageId: string;
  /** Destination region; `region` (the identity's) is the source's. */
  targetRegion: string;
  name?: string;
  description?: string;
  /** Job wait deadline. */
  timeoutMinutes?: number;
  /**
   * huaweicloud: the CBR vault in `targetRegion` that is to hold the backup of a full-ECS image
   * copied there (CopyImageCrossRegion vault_id, "mandatory" for a full-ECS image). Required at
   * check for a cross-region copy of a full-ECS image.
   */
  vaultId?: string;
  stack?: StackDeclarations;
}

export interface CrossRegionCopyOutputs extends CrossRegionCopyInputs {
  imageId: string;
  imageRegion: string;
  imageOwner: string;
  jobId: string;
}

/**
 * Optional extras of CrossRegionCopy that the provider reads and writes (kept apart from the
 * interfaces above so that code mapping every key of those stays valid).
 */
export interface CrossRegionCopyExtraInputs {
  /**
   * huaweicloud / opentelekomcloud: the copying account's project in `targetRegion` (projects are
   * regional), used to read and delete the copy. Optional: the copy is read and deleted as the
   * account, and the cloud places it in the account's only project there.
   */
  targetProject?: string;
}
export interface CrossRegionCopyExtraOutputs {
  /**
   * The copy job as last seen: "running" after a wait that timed out (the next up waits again),
   * "failed" after a failed job (the next up replaces the copy).
   */
  jobStatus?: "running" | "succeeded" | "failed";
}
