import * as pulumi from "@pulumi/pulumi";
import type { ImageKind, ProfileId } from "../rules/model";
import type { MemberTarget } from "../backends/types";
import type { ConnectionInputs, ImageShareInputs, ImageShareOutputs, StackDeclarations } from "./wire";
import {
  checkProfile,
  connectionInput,
  dependsOnOf,
  inputError,
  membersInput,
  resourcesOf,
  type IdentityArgs,
  type MemberInput,
} from "./common";
import { register, stackFor, type Declaration } from "./ledger";
import { thinProvider } from "./thin";

/** The serialized provider: thin, see thinProvider. */
export const imageShareProvider = thinProvider<ImageShareInputs, ImageShareOutputs>("imageShareProvider");

export interface ImageShareArgs extends IdentityArgs {
  /** The image to share; the acting account must own it. */
  imageId: pulumi.Input<string>;
  /** Account ids, or { type: "account" | "project", id } (huaweicloud: either; opentelekomcloud: projects). */
  members: pulumi.Input<pulumi.Input<MemberInput>[]>;
}

/**
 * One image shared with a list of members, which the share manages: a change of members adds and
 * removes only the difference; delete removes every member it declares, also one that was on the
 * image before (the first apply warns of those). Members it does not declare are never touched.
 * Why, and what refresh does: provider/resources/provider/imageShare.ts ("Ownership").
 */
export class ImageShare extends pulumi.dynamic.Resource {
  declare public readonly profile: pulumi.Output<ProfileId>;
  declare public readonly region: pulumi.Output<string>;
  declare public readonly account: pulumi.Output<string>;
  declare public readonly project: pulumi.Output<string | undefined>;
  declare public readonly connection: pulumi.Output<ConnectionInputs>;
  declare public readonly imageId: pulumi.Output<string>;
  /** The members the share manages (as declared once applied; refresh drops those removed outside the stack). */
  declare public readonly members: pulumi.Output<MemberTarget[]>;
  declare public readonly imageKind: pulumi.Output<ImageKind>;
  /** What the rest of the stack declared when this resource was checked. */
  declare public readonly stack: pulumi.Output<StackDeclarations>;

  constructor(name: string, args: ImageShareArgs, opts?: pulumi.CustomResourceOptions) {
    if (!args) throw inputError(name, "arguments are required (profile, region, account, imageId, members)");
    checkProfile(name, args.profile);
    if (args.imageId === undefined || args.imageId === "") throw inputError(name, "imageId is required");
    const members = membersInput(name, args.members);
    const connection = connectionInput(name, args.connection);
    const declaration: Declaration = {
      kind: "share",
      name,
      profile: args.profile,
      fields: { imageId: args.imageId, members },
      settings: { limits: args.limits, trust: args.trust, strictTrust: args.strictTrust, regions: args.regions },
      deps: new Set([...resourcesOf(args), ...dependsOnOf(opts)]),
    };
    register(declaration);
    const props: Record<keyof ImageShareOutputs, unknown> = {
      profile: args.profile,
      region: args.region,
      account: args.account,
      project: args.project,
      connection,
      imageId: args.imageId,
      members,
      stack: stackFor(declaration),
      imageKind: undefined,
    };
    super(imageShareProvider, name, props, opts, "image-share", "ImageShare");
    declaration.resource = this;
  }
}
