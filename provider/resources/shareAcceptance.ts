import * as pulumi from "@pulumi/pulumi";
import type { ProfileId } from "../rules/model";
import type { MemberTarget } from "../backends/types";
import { PROFILES } from "../rules/profiles";
import type { ConnectionInputs, ShareAcceptanceInputs, ShareAcceptanceOutputs, StackDeclarations } from "./wire";
import {
  checkProfile,
  connectionInput,
  containsOutput,
  dependsOnOf,
  inputError,
  normalizeMember,
  resourcesOf,
  type IdentityArgs,
  type MemberInput,
} from "./common";
import { register, stackFor, type Declaration } from "./ledger";
import { thinProvider } from "./thin";

/** The serialized provider: thin, see thinProvider. */
export const shareAcceptanceProvider = thinProvider<ShareAcceptanceInputs, ShareAcceptanceOutputs>("shareAcceptanceProvider");

export interface ShareAcceptanceArgs extends IdentityArgs {
  /** The image shared with the recipient. `account` / `project`: the recipient's, and `region` the image's. */
  imageId: pulumi.Input<string>;
  /**
   * The member the share targets. Default: the recipient's project on opentelekomcloud (shares
   * target projects there), the recipient's account on huaweicloud.
   */
  member?: pulumi.Input<MemberInput>;
  /** Default "accepted". */
  status?: pulumi.Input<"accepted" | "rejected">;
  /**
   * huaweicloud / opentelekomcloud: your CBR vault that is to hold the backup of a full-ECS image
   * made from a CBR backup (IMS accepts such an image only with one; check says so).
   */
  vaultId?: pulumi.Input<string>;
}

/**
 * The recipient's answer to a share (huaweicloud, opentelekomcloud), acting with the recipient's
 * own identity. Delete sets the member back to rejected, so the image leaves the recipient's list.
 */
export class ShareAcceptance extends pulumi.dynamic.Resource {
  declare public readonly profile: pulumi.Output<ProfileId>;
  declare public readonly region: pulumi.Output<string>;
  declare public readonly account: pulumi.Output<string>;
  declare public readonly project: pulumi.Output<string | undefined>;
  declare public readonly connection: pulumi.Output<ConnectionInputs>;
  declare public readonly imageId: pulumi.Output<string>;
  declare public readonly member: pulumi.Output<MemberTarget>;
  declare public readonly status: pulumi.Output<"accepted" | "rejected">;
  declare public readonly vaultId: pulumi.Output<string | undefined>;
  /** The image's owning account, as the cloud reports it. */
  declare public readonly owner: pulumi.Output<string>;
  declare public readonly stack: pulumi.Output<StackDeclarations>;

  constructor(name: string, args: ShareAcceptanceArgs, opts?: pulumi.CustomResourceOptions) {
    if (!args) throw inputError(name, "arguments are required (profile, region, account, imageId)");
    checkProfile(name, args.profile);
    if (args.imageId === undefined || args.imageId === "") throw inputError(name, "imageId is required");
    const status = args.status ?? "accepted";
    if (typeof status === "string" && status !== "accepted" && status !== "rejected") {
      throw inputError(name, `status must be "accepted" or "rejected", not "${status}"`);
    }
    const member = memberInput(name, args);
    const connection = connectionInput(name, args.connection);
    const declaration: Declaration = {
      kind: "acceptance",
      name,
      profile: args.profile,
      fields: { imageId: args.imageId, member, status },
      settings: { limits: args.limits, trust: args.trust, strictTrust: args.strictTrust, regions: args.regions },
      deps: new Set([...resourcesOf(args), ...dependsOnOf(opts)]),
    };
    register(declaration);
    const props: Record<keyof ShareAcceptanceOutputs, unknown> = {
      profile: args.profile,
      region: args.region,
      account: args.account,
      project: args.project,
      connection,
      imageId: args.imageId,
      member,
      status,
      vaultId: args.vaultId,
      stack: stackFor(declaration),
      owner: undefined,
    };
    super(shareAcceptanceProvider, name, props, opts, "image-share", "ShareAcceptance");
    declaration.resource = this;
  }
}

function defaultMember(name: string, profile: unknown, account: unknown, project: unknown): MemberTarget {
  if (typeof profile === "string" && Object.prototype.hasOwnProperty.call(PROFILES, profile) && PROFILES[profile as ProfileId].shareTarget === "project") {
    if (typeof project !== "string" || project === "") {
      throw inputError(name, `${profile} shares target projects: give project (the recipient's project in the image's region) or member`);
    }
    return { type: "project", id: project };
  }
  if (typeof account !== "string" || account === "") throw inputError(name, "account is required");
  return { type: "account", id: account };
}

function memberInput(name: string, args: ShareAcceptanceArgs): pulumi.Input<MemberTarget> {
  if (args.member !== undefined) {
    return containsOutput(args.member)
      ? pulumi.output(args.member).apply((m) => normalizeMember(name, "member", m))
      : normalizeMember(name, "member", args.member);
  }
  if (!containsOutput([args.profile, args.account, args.project])) {
    return defaultMember(name, args.profile, args.account, args.project);
  }
  return pulumi.all([args.profile, args.account, args.project]).apply(([profile, account, project]) =>
    defaultMember(name, profile, account, project),
  );
}
