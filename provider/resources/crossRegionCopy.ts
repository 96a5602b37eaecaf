import * as pulumi from "@pulumi/pulumi";
import type { ProfileId } from "../rules/model";
import type { ConnectionInputs, CrossRegionCopyInputs, CrossRegionCopyOutputs, StackDeclarations } from "./wire";
import { checkProfile, connectionInput, dependsOnOf, inputError, resourcesOf, type IdentityArgs } from "./common";
import { register, stackFor, type Declaration } from "./ledger";
import { thinProvider } from "./thin";

/** The serialized provider: thin, see thinProvider. */
export const crossRegionCopyProvider = thinProvider<CrossRegionCopyInputs, CrossRegionCopyOutputs>("crossRegionCopyProvider");

export interface CrossRegionCopyArgs extends IdentityArgs {
  /** The image to copy; `region` is its region, `account` the copying account. */
  sourceImageId: pulumi.Input<string>;
  /** The destination region; the source's own region means an in-region replicate (huaweicloud, opentelekomcloud). */
  targetRegion: pulumi.Input<string>;
  /** The new image's name. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** How long to wait for the copy job (minutes). */
  timeoutMinutes?: pulumi.Input<number>;
  /**
   * huaweicloud: the CBR vault in `targetRegion` that is to hold the backup of a full-ECS image
   * copied there (IMS copies a full-ECS image across regions only with one; check says so).
   */
  vaultId?: pulumi.Input<string>;
}

/**
 * A copy of an image to a region (or an in-region replicate), owned by the copying account.
 * Outputs the new image's id, region and owner; shares of the copy take `imageId`.
 */
export class CrossRegionCopy extends pulumi.dynamic.Resource {
  declare public readonly profile: pulumi.Output<ProfileId>;
  declare public readonly region: pulumi.Output<string>;
  declare public readonly account: pulumi.Output<string>;
  declare public readonly project: pulumi.Output<string | undefined>;
  declare public readonly connection: pulumi.Output<ConnectionInputs>;
  declare public readonly sourceImageId: pulumi.Output<string>;
  declare public readonly targetRegion: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string | undefined>;
  declare public readonly description: pulumi.Output<string | undefined>;
  declare public readonly timeoutMinutes: pulumi.Output<number | undefined>;
  declare public readonly vaultId: pulumi.Output<string | undefined>;
  /** The new image's id (available once the copy job succeeded). */
  declare public readonly imageId: pulumi.Output<string>;
  declare public readonly imageRegion: pulumi.Output<string>;
  declare public readonly imageOwner: pulumi.Output<string>;
  declare public readonly jobId: pulumi.Output<string>;
  declare public readonly stack: pulumi.Output<StackDeclarations>;

  constructor(name: string, args: CrossRegionCopyArgs, opts?: pulumi.CustomResourceOptions) {
    if (!args) throw inputError(name, "arguments are required (profile, region, account, sourceImageId, targetRegion)");
    checkProfile(name, args.profile);
    if (args.sourceImageId === undefined || args.sourceImageId === "") throw inputError(name, "sourceImageId is required");
    if (args.targetRegion === undefined || args.targetRegion === "") throw inputError(name, "targetRegion is required");
    const connection = connectionInput(name, args.connection);
    const declaration: Declaration = {
      kind: "copy",
      name,
      profile: args.profile,
      fields: { sourceImageId: args.sourceImageId, region: args.targetRegion, account: args.account },
      settings: { limits: args.limits, trust: args.trust, strictTrust: args.strictTrust, regions: args.regions },
      deps: new Set([...resourcesOf(args), ...dependsOnOf(opts)]),
    };
    register(declaration);
    const props: Record<keyof CrossRegionCopyOutputs, unknown> = {
      profile: args.profile,
      region: args.region,
      account: args.account,
      project: args.project,
      connection,
      sourceImageId: args.sourceImageId,
      targetRegion: args.targetRegion,
      name: args.name,
      description: args.description,
      timeoutMinutes: args.timeoutMinutes,
      vaultId: args.vaultId,
      stack: stackFor(declaration),
      imageId: undefined,
      imageRegion: undefined,
      imageOwner: undefined,
      jobId: undefined,
    };
    super(crossRegionCopyProvider, name, props, opts, "image-share", "CrossRegionCopy");
    declaration.resource = this;
    declaration.product = this.imageId;
  }
}
