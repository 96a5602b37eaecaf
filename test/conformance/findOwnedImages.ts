/**
 * Conformance of `ImageService.findOwnedImages` (how `image-share plan` finds the copies an earlier
 * apply made, by name): a world that can seed images as they already are in the cloud. A
 * backend's test file calls
 *
 *   describeFindOwnedImagesConformance("alicloud over HTTP", async () => world);
 */
import assert = require("node:assert/strict");
import { ImageServiceError } from "../../provider/backends/errors";
import type { Emulator } from "../../provider/backends/emulator";
import type { ImageInfo, ImageStatus, MemberTarget } from "../../provider/backends/types";
import type { ProfileId } from "../../provider/rules/model";
import type { ConformanceWorld } from "./imageService";

/** An image as it is in the cloud already (the owner's, in the images' region, unless said). */
export interface SeededImage {
  name: string;
  /** The recipient's image, shared with the owner. */
  sharedWithOwner?: boolean;
  /** The owner's image in the world's other region. */
  inOtherRegion?: boolean;
  status?: ImageStatus;
  /** A copy of that image (still being made when `status` is creating). */
  copyOf?: string;
}

export interface ImageSeeding {
  addImages(images: SeededImage[]): Promise<string[]>;
  /** Images findOwnedImages reads per request (the suite makes more than a page of them); default 100. */
  imagePageSize?: number;
}

/** Who holds images in an emulator-backed world: an account, and on huaweicloud / opentelekomcloud its project in that region. */
export type Holder = (region: string) => { account: string; project?: string };

/**
 * Seeds `images` straight into the emulator behind a world (as they already are in the cloud):
 * the owner's, or the recipient's shared with the owner and accepted. Their ids.
 */
export function seedImages(emulator: Emulator, profile: ProfileId, where: { region: string; otherRegion: string; owner: Holder; recipient: Holder; ownerMember: MemberTarget }, images: SeededImage[]): string[] {
  return images.map((image) => {
    const region = image.inOtherRegion ? where.otherRegion : where.region;
    const by = (image.sharedWithOwner ? where.recipient : where.owner)(region);
    const id = emulator.addImage({
      profile,
      region,
      owner: by.account,
      ...(by.project ? { ownerProject: by.project } : {}),
      kind: "system",
      name: image.name,
      ...(image.status ? { status: image.status } : {}),
      ...(image.copyOf ? { sourceImageId: image.copyOf } : {}),
    });
    if (image.sharedWithOwner) emulator.addMembersDirectly(id, [{ ...where.ownerMember, status: "accepted" }]);
    return id;
  });
}

const ids = (images: ImageInfo[]) => images.map((i) => i.id).sort();

export function describeFindOwnedImagesConformance(name: string, setup: () => Promise<ConformanceWorld & ImageSeeding>): void {
  describe(`findOwnedImages conformance: ${name}`, function () {
    this.timeout(60_000);
    let w: ConformanceWorld & ImageSeeding;
    beforeEach(async () => {
      w = await setup();
    });
    afterEach(async () => {
      await w?.teardown();
    });

    it("finds the caller's images of exactly that name, whatever their status; not a longer name, one shared with it, one in another region", async () => {
      const [first, second, copying, failed] = await w.addImages([
        { name: "release-1.2" },
        { name: "release-1.2" },
        { name: "release-1.2", status: "creating", copyOf: w.systemImageId },
        { name: "release-1.2", status: "failed", copyOf: w.systemImageId },
      ]);
      const [, , recipientsOwn] = await w.addImages([
        { name: "release-1.2-rc1" },
        { name: "old-release-1.2" },
        { name: "release-1.2", sharedWithOwner: true },
        { name: "release-1.2", inOtherRegion: true },
      ]);
      // Shared out, an image is still the owner's (IMS lists it as __imagetype "shared").
      await w.owner.addMembers(second, [w.recipientMember]);
      const found = await w.owner.findOwnedImages("release-1.2");
      assert.deepEqual(ids(found), [first, second, copying, failed].sort());
      const byId = new Map(found.map((i) => [i.id, i]));
      assert.equal(byId.get(copying)?.status, "creating", "a copy still being made is found, as creating");
      assert.equal(byId.get(failed)?.status, "failed");
      assert.equal(byId.get(first)?.status, "available");
      for (const image of found) {
        assert.equal(image.name, "release-1.2");
        assert.equal(image.sharedWithCaller, false);
        assert.equal(image.region, w.owner.region);
      }
      assert.deepEqual(await w.owner.findOwnedImages("release-1"), [], "a part of a name finds nothing");
      assert.deepEqual(ids(await w.recipient.findOwnedImages("release-1.2")), [recipientsOwn], "the recipient finds its own image, not the owner's");
    });

    it("finds the copy a copyImage is making, by the name it was given, in the copy's region", async () => {
      const target = w.crossRegionCopy === false ? { region: w.owner.region, reader: w.owner } : { region: w.otherRegion, reader: w.ownerInOtherRegion };
      const job = await w.owner.copyImage({ imageId: w.systemImageId, region: target.region, name: "golden-copied" });
      const found = await target.reader.findOwnedImages("golden-copied");
      assert.equal(found.length, 1, `one copy named golden-copied in ${target.region}, found ${JSON.stringify(found)}`);
      if (job.imageId) assert.equal(found[0].id, job.imageId);
      assert.equal(found[0].region, target.region);
      assert.ok(["creating", "available"].includes(found[0].status), `the copy is ${found[0].status}`);
    });

    it("reads every page: more images of that name than a page holds", async () => {
      // Three pages: the second must lead on to the third.
      const n = 2 * (w.imagePageSize ?? 100) + 5;
      const seeded = await w.addImages(Array.from({ length: n }, () => ({ name: "fleet-node" })));
      await w.addImages([{ name: "fleet-node-2" }]);
      const found = await w.owner.findOwnedImages("fleet-node");
      assert.equal(found.length, n);
      assert.deepEqual(ids(found), [...seeded].sort());
    });

    it("finds nothing for a name no image has; refuses an empty name", async () => {
      assert.deepEqual(await w.owner.findOwnedImages("no-such-image"), []);
      await assert.rejects(w.owner.findOwnedImages(""), (e: unknown) => e instanceof ImageServiceError && e.kind === "invalid");
    });
  });
}
