/**
 * The topology file (README, "Topology files") as a zod 4 schema. Strict: an unknown key anywhere
 * is an input error, so a typo (`member:` for `members:`) never passes silently.
 *
 * The schema checks shapes only; references between sections (an image's owner, a share's
 * members, ...) and the clouds' id formats are checked by the loader (load.ts), which knows
 * every section at once and reports each error with its place in the file.
 *
 * A copy's new image name is `imageName`: its `name` is the copy's own (the resource's), and one
 * mapping cannot say `name` twice (a duplicate key in YAML cannot be read back).
 */
import { z } from "zod";
import { IMAGE_KINDS, PROFILE_IDS } from "../rules/model";

const key = z.string().min(1, "must not be empty");
const nonEmpty = z.string().min(1, "must not be empty");

export const ProfileSchema = z.enum(PROFILE_IDS).describe("The cloud: huaweicloud | opentelekomcloud | alicloud | tencentcloud");
export const ImageKindSchema = z.enum(IMAGE_KINDS).describe("system disk, data disk, or full-ECS (whole-machine) image");

export const LimitsSchema = z
  .strictObject({
    member: z.int().positive().optional().describe("Member limit of system and data-disk images (a raised quota); overrides the profile's"),
    fullMember: z.int().positive().optional().describe("Member limit of full-ECS images; overrides the profile's"),
  })
  .describe("Overrides of the profile's member limits, e.g. after the cloud raised a quota");

export const ProjectSchema = z
  .strictObject({
    id: nonEmpty.describe("The cloud's project id"),
    region: nonEmpty.describe("The project's region"),
  })
  .describe("huaweicloud / opentelekomcloud: a project (projects are per region)");

export const AccountSchema = z
  .strictObject({
    id: nonEmpty.describe("The cloud's account id (huaweicloud / opentelekomcloud: domain id; alicloud: account id; tencentcloud: UIN)"),
    site: z.enum(["cn", "intl"]).optional().describe("huaweicloud only: the China (cn) or the international (intl) site"),
    projects: z.record(key, ProjectSchema).optional().describe("huaweicloud / opentelekomcloud: project key -> id and region"),
  })
  .describe("An account, by key");

export const MemberStatusSchema = z.enum(["pending", "accepted", "rejected"]);

export const ExistingMemberSchema = z
  .strictObject({
    account: key.describe("An account key"),
    project: key.optional().describe("A project key of that account (huaweicloud / opentelekomcloud)"),
    status: MemberStatusSchema.optional().describe("The member's status in the cloud; default: pending where the cloud has an acceptance step (huaweicloud, opentelekomcloud), else accepted"),
  })
  .describe("A member the cloud holds for the image, outside the file's shares");

export const ImageSchema = z
  .strictObject({
    id: nonEmpty.optional().describe("The cloud's image id; omitted for an image that a copy produces"),
    region: nonEmpty.optional().describe("The image's region (required with id)"),
    owner: key.optional().describe("An account key (required with id)"),
    project: key.optional().describe("huaweicloud / opentelekomcloud: the owner's project holding the image (default: the owner's only project in the region)"),
    kind: ImageKindSchema.optional().describe("system | data | full (required with id)"),
    name: nonEmpty.optional().describe("The image's name (required with id)"),
    description: z.string().optional(),
    profile: ProfileSchema.optional().describe("The image's cloud, else the file's"),
    existingMembers: z
      .union([z.int().nonnegative().describe("How many"), z.array(ExistingMemberSchema).describe("Who, with their status")])
      .optional()
      .describe(
        "Members already present that no share of the file declares (they count toward the limit): how many, or who with their status. A list is the cloud's state for validate (offline); plan compares it with the cloud",
      ),
  })
  .superRefine((image, ctx) => {
    // An existing image (with an id) must say where it is and what it is; a copy's product takes
    // those from the copy.
    if (image.id === undefined) return;
    for (const field of ["region", "owner", "kind", "name"] as const) {
      if (image[field] === undefined) {
        ctx.addIssue({ code: "custom", path: [field], message: `is required for an image with an id` });
      }
    }
  })
  .describe("An image, by key: an existing image (with id) or the product of a copy (without id)");

export const MemberRefSchema = z
  .union([
    key.describe("An account key"),
    z.strictObject({ account: key.describe("An account key"), project: key.optional().describe("A project key of that account") }),
  ])
  .describe("An account key, or { account, project } with a project key of that account");

export const ShareSchema = z
  .strictObject({
    name: nonEmpty.describe("The share's resource name (unique in the file)"),
    image: key.describe("An image key (an image, or a copy's product)"),
    by: key.optional().describe("The sharing account key; default: the image's owner"),
    members: z.array(MemberRefSchema).describe("The members to share with"),
  })
  .describe("A share of one image with members");

export const AcceptanceSchema = z
  .strictObject({
    name: nonEmpty.describe("The acceptance's resource name (unique in the file)"),
    image: key.describe("An image key"),
    member: MemberRefSchema,
    status: z.enum(["accepted", "rejected"]),
  })
  .describe("huaweicloud / opentelekomcloud: a member accepting or rejecting a shared image");

export const CopySchema = z
  .strictObject({
    name: nonEmpty.describe("The copy's resource name (unique in the file)"),
    source: key.describe("An image key"),
    region: nonEmpty.describe("Destination region; the source's region means an in-region replicate"),
    by: key.optional().describe("The copying account key; default: the source's owner"),
    as: key.describe("The image key of the product, owned by `by`, usable by shares"),
    imageName: nonEmpty.optional().describe("Name of the new image (the copy's own name is `name`)"),
    description: z.string().optional().describe("Description of the new image"),
  })
  .describe("A copy of an image to a region (or an in-region replicate)");

export const TopologySchema = z
  .strictObject({
    $schema: z.string().optional().describe("The JSON Schema of this file, for editors"),
    profile: ProfileSchema,
    limits: LimitsSchema.optional(),
    trust: z.array(key).optional().describe("Account keys whose images may be accepted or copied"),
    strictTrust: z.boolean().optional().describe("true turns untrusted-source into an error"),
    regions: z
      .array(nonEmpty)
      .optional()
      .describe("Region ids the profile's region table does not know yet (a new region), accepted as well as the table's (docs/sources.md, Region tables)"),
    accounts: z.record(key, AccountSchema),
    images: z.record(key, ImageSchema),
    shares: z.array(ShareSchema).optional(),
    acceptances: z.array(AcceptanceSchema).optional(),
    copies: z.array(CopySchema).optional(),
  })
  .describe("An image-share topology file");

export type TopologyInput = z.infer<typeof TopologySchema>;
