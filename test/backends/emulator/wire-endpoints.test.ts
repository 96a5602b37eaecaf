/**
 * The emulator's side of the wire audit: the endpoints real clients call beside ours (the clouds'
 * SDKs and Terraform providers), and the rules the clouds' references state, served by each
 * dialect as the reference shows them. Each request is sent by the cloud's own SDK (or its
 * signing core), so the signature and the shapes are the SDK's.
 */
import assert = require("node:assert/strict");
import Ecs = require("@alicloud/ecs20140526");
import OpenApi = require("@alicloud/openapi-core");
import cvmSdk = require("tencentcloud-sdk-nodejs-cvm");
import clientBuilder = require("@huaweicloud/huaweicloud-sdk-core/ClientBuilder");
import basicCredentials = require("@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials");
import { memoryEmulator, type Emulator } from "../../../provider/backends/emulator";
import { createAlibabaCloudDialect } from "../../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer, type EmulatorServer } from "../../../provider/backends/emulator/http/server";
import { createTencentCloudDialect } from "../../../provider/backends/emulator/http/tencentcloud";
import { createAlibabaCloudImageService } from "../../../provider/backends/alicloud";
import { createTencentCloudImageService } from "../../../provider/backends/tencentcloud";
import { ImageServiceError } from "../../../provider/backends/errors";
import { listAllMembers } from "../../../provider/backends/types";
import { huaweiWorld, type HuaweiWorld } from "../huaweicloudWorld";

type Json = Record<string, unknown>;

/** A Huawei SDK-core client acting as a project (the signing and error parsing of the official SDK). */
function imsClient(url: string, project: string) {
  const credentials = new basicCredentials.BasicCredentials().withAk(`AK${project.toUpperCase()}`).withSk(`sk-${project}`).withProjectId(project);
  const client = new clientBuilder.ClientBuilder((hc: unknown) => hc).withCredential(credentials).withEndpoint(url).build() as unknown as {
    sendRequest(options: Json): Promise<Json>;
    httpClient?: { _logger?: unknown };
  };
  if (client.httpClient) client.httpClient._logger = { debug() {}, info() {}, warn() {}, error() {} };
  return (method: string, url: string, data?: Json, queryParams: Json = {}) =>
    client.sendRequest({ method, url, contentType: "application/json", headers: {}, pathParams: {}, queryParams, ...(data ? { data } : {}) });
}

/** The SDK's error as {status, code}. */
async function imsRefusal(p: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await p;
  } catch (e) {
    const x = e as { httpStatusCode?: number; errorCode?: string };
    return { status: x.httpStatusCode ?? 0, code: String(x.errorCode ?? "") };
  }
  throw new Error("expected a refusal");
}

describe("emulator dialects: the endpoints real clients call, and the references' rules", function () {
  this.timeout(30_000);

  describe("huaweicloud IMS", () => {
    let w: HuaweiWorld;
    let recipientAccount: string;
    beforeEach(async () => {
      w = await huaweiWorld("huaweicloud");
      recipientAccount = w.emulator.snapshot().accounts.find((a) => a.projects.some((p) => p.id === w.recipientProject))!.id;
    });
    afterEach(async () => w?.teardown());

    it("GET /v2/images/{id}/members/{member_id}: the owner reads any member, the member its own; others not found", async () => {
      w.emulator.addMembersDirectly(w.systemImageId, [{ type: "project", id: w.recipientProject }, { type: "account", id: recipientAccount, status: "accepted" }]);
      const owner = imsClient(w.server.url, w.ownerProject);
      const member = await owner("GET", `/v2/images/${w.systemImageId}/members/${w.recipientProject}`);
      // (the SDK core adds httpStatusCode to what it read)
      assert.deepEqual(Object.keys(member).filter((k) => k !== "httpStatusCode").sort(), ["created_at", "image_id", "member_id", "member_type", "schema", "status", "updated_at"]);
      assert.equal(member.member_id, w.recipientProject);
      assert.equal(member.member_type, "project");
      assert.equal(member.status, "pending");
      assert.equal(member.schema, "/v2/schemas/member");
      assert.match(String(member.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const domain = await owner("GET", `/v2/images/${w.systemImageId}/members/${recipientAccount}`);
      assert.equal(domain.member_type, "domain");
      assert.equal(domain.status, "accepted");
      // The member reads its own membership (its project), as OTC Terraform's accepter does.
      const own = await imsClient(w.server.url, w.recipientProject)("GET", `/v2/images/${w.systemImageId}/members/${w.recipientProject}`);
      assert.equal(own.status, "pending");
      const stranger = w.emulator.snapshot().accounts.find((a) => a.id !== w.ownerAccount && a.id !== recipientAccount)!;
      const other = await imsRefusal(imsClient(w.server.url, stranger.projects[0].id)("GET", `/v2/images/${w.systemImageId}/members/${w.recipientProject}`));
      assert.equal(other.status, 404);
      const none = await imsRefusal(owner("GET", `/v2/images/${w.systemImageId}/members/${"f".repeat(32)}`));
      assert.equal(none.status, 404);
    });

    it("an organization member is listed as IMS lists it (member_type organization, its id, urn) and read back by the backend as an account named by its URN", async () => {
      const urn = "organizations::3a2d95404f964a6aba78819bf8ddc1e3:organization:o-wvntq58r3poyv180t5df1mdna4uwy9se";
      w.emulator.addMembersDirectly(w.systemImageId, [{ type: "account", id: urn, status: "accepted" }]);
      const listed = await imsClient(w.server.url, w.ownerProject)("GET", `/v2/images/${w.systemImageId}/members`);
      const [member] = listed.members as Json[];
      assert.deepEqual([member.member_type, member.member_id, member.urn], ["organization", "o-wvntq58r3poyv180t5df1mdna4uwy9se", urn]);
      assert.deepEqual(await listAllMembers(w.owner, w.systemImageId), [{ type: "account", id: urn, status: "accepted" }]);
    });

    it("PUT /v2/images/{id}/members/{member_id}: the member accepts at once and gets the member back; the owner cannot", async () => {
      w.emulator.addMembersDirectly(w.systemImageId, [{ type: "project", id: w.recipientProject }]);
      const recipient = imsClient(w.server.url, w.recipientProject);
      const answer = await recipient("PUT", `/v2/images/${w.systemImageId}/members/${w.recipientProject}`, { status: "accepted" });
      assert.equal(answer.status, "accepted");
      assert.equal(answer.member_id, w.recipientProject);
      assert.equal(w.emulator.image(w.systemImageId)!.members[0].status, "accepted");
      const bad = await imsRefusal(recipient("PUT", `/v2/images/${w.systemImageId}/members/${w.recipientProject}`, { status: "maybe" }));
      assert.deepEqual(bad, { status: 400, code: "IMG.0001" });
      const byOwner = await imsRefusal(imsClient(w.server.url, w.ownerProject)("PUT", `/v2/images/${w.systemImageId}/members/${w.recipientProject}`, { status: "rejected" }));
      assert.equal(byOwner.status, 403);
      assert.equal(w.emulator.image(w.systemImageId)!.members[0].status, "accepted");
    });

    it("GET /v1/{project_id}/cloudimages/{id}/members[/{member_id}]: ListImageMembers paged as Glance's, ShowImageMember; the URL's project is the caller's", async () => {
      const members = await w.extraMembers(5);
      await w.owner.addMembers(w.systemImageId, members);
      const owner = imsClient(w.server.url, w.ownerProject);
      const first = await owner("GET", `/v1/${w.ownerProject}/cloudimages/${w.systemImageId}/members`, undefined, { limit: 3 });
      const page = first.members as Json[];
      assert.equal(page.length, 3);
      const info = first.page_info as Json;
      assert.equal(info.current_count, 3);
      const rest = await owner("GET", `/v1/${w.ownerProject}/cloudimages/${w.systemImageId}/members`, undefined, { limit: 3, marker: info.next_marker });
      assert.equal((rest.members as Json[]).length, 2);
      assert.equal(rest.page_info, undefined);
      assert.deepEqual([...page, ...(rest.members as Json[])].map((m) => m.member_id).sort(), members.map((m) => m.id).sort());
      const one = await owner("GET", `/v1/${w.ownerProject}/cloudimages/${w.systemImageId}/members/${members[0].id}`);
      assert.equal(one.member_id, members[0].id);
      assert.equal(one.member_type, "domain");
      const foreign = await imsRefusal(owner("GET", `/v1/${w.recipientProject}/cloudimages/${w.systemImageId}/members`));
      assert.equal(foreign.status, 403);
    });

    it("GET /v1/cloudimages/job/{job_id} (ShowJobProgress) reads the jobs ShowJob reads; a member job's results name each project", async () => {
      const owner = imsClient(w.server.url, w.ownerProject);
      const add = await owner("POST", "/v1/cloudimages/members", { images: [w.systemImageId], projects: [w.recipientProject] });
      let job: Json;
      do job = await owner("GET", `/v1/cloudimages/job/${String(add.job_id)}`);
      while (job.status === "RUNNING");
      assert.equal(job.status, "SUCCESS");
      assert.equal(job.job_type, "imsBatchAddMembers");
      assert.deepEqual((job.entities as Json).results, [{ image_id: w.systemImageId, project_id: w.recipientProject, status: "success" }]);
      const copy = await owner("POST", `/v1/cloudimages/${w.systemImageId}/copy`, { name: "replica" });
      const progress = await owner("GET", `/v1/cloudimages/job/${String(copy.job_id)}`);
      assert.ok(["RUNNING", "SUCCESS"].includes(String(progress.status)));
      assert.equal(typeof (progress.entities as Json).process_percent, "number");
      const missing = await imsRefusal(owner("GET", `/v1/cloudimages/job/${"0".repeat(32)}`));
      assert.deepEqual(missing, { status: 404, code: "IMG.0086" });
    });

    it("GET /v2/cloudimages (ListImages): filters by name exactly, owner, __imagetype (shared once shared out), status; pages by limit and marker; refuses a bad limit, a value off the page's lists, a parameter not served", async () => {
      const owner = imsClient(w.server.url, w.ownerProject);
      const named = (name: string, status?: "creating") => w.emulator.addImage({ profile: "huaweicloud", region: "cn-north-4", owner: w.ownerAccount, ownerProject: w.ownerProject, kind: "system", name, ...(status ? { status } : {}) });
      const ids = [named("listed"), named("listed"), named("listed", "creating"), named("listed-not")];
      w.emulator.addMembersDirectly(ids[0], [{ type: "project", id: w.recipientProject }]);
      const list = async (query: Json) => ((await owner("GET", "/v2/cloudimages", undefined, query)).images as Json[]).map((i) => i.id as string);
      assert.deepEqual((await list({ name: "listed", owner: w.ownerProject })).sort(), ids.slice(0, 3).sort());
      assert.deepEqual(await list({ name: "listed", __imagetype: "shared" }), [ids[0]]);
      assert.deepEqual((await list({ name: "listed", __imagetype: "private" })).sort(), ids.slice(1, 3).sort());
      assert.deepEqual(await list({ name: "listed", status: "queued" }), [ids[2]]);
      assert.deepEqual(await list({ name: "listed", owner: w.recipientProject }), []);
      const first = await list({ name: "listed", limit: 2 });
      assert.equal(first.length, 2);
      const rest = await list({ name: "listed", limit: 2, marker: first[1] });
      assert.deepEqual([...first, ...rest].sort(), ids.slice(0, 3).sort());
      for (const query of [{ limit: 0 }, { limit: "ten" }, { limit: 1.5 }, { visibility: "everyone" }, { sort_key: "name" }, { colour: "blue" }, { marker: "not-an-image" }]) {
        assert.deepEqual(await imsRefusal(owner("GET", "/v2/cloudimages", undefined, query)), { status: 400, code: "IMG.0001" }, JSON.stringify(query));
      }
    });
  });

  describe("alicloud ECS", () => {
    const OWNER = "1000000000000001";
    const RECIPIENT = "1000000000000002";
    let emulator: Emulator;
    let server: EmulatorServer;
    const ecs = (account: string, region = "cn-hangzhou") =>
      new Ecs.default(new OpenApi.$OpenApiUtil.Config({ accessKeyId: `LTAI${account}`, accessKeySecret: `secret-${account}`, endpoint: new URL(server.url).host, protocol: "HTTP", regionId: region }));
    const backend = (account: string, region = "cn-hangzhou") =>
      createAlibabaCloudImageService({ region, endpoint: server.url, accessKeyId: `LTAI${account}`, accessKeySecret: `secret-${account}`, retry: { baseDelayMs: 2, maxDelayMs: 10, deadlineMs: 5_000 }, env: {} });
    /** The SDK's refusal as {statusCode, code}. */
    async function ecsRefusal(p: Promise<unknown>): Promise<{ statusCode: number; code: string }> {
      try {
        await p;
      } catch (e) {
        const x = e as { statusCode?: number; code?: string };
        return { statusCode: x.statusCode ?? 0, code: String(x.code ?? "") };
      }
      throw new Error("expected a refusal");
    }
    let golden: string;
    beforeEach(async () => {
      emulator = memoryEmulator();
      for (const id of [OWNER, RECIPIENT]) {
        emulator.addAccount({ id, profile: "alicloud" });
        emulator.addAccessKey({ accessKeyId: `LTAI${id}`, secret: `secret-${id}`, account: id });
      }
      emulator.configure({ copyDurationMs: 60_000 });
      golden = emulator.addImage({ profile: "alicloud", region: "cn-hangzhou", owner: OWNER, kind: "system", name: "golden-ubuntu" });
      emulator.addImage({ profile: "alicloud", region: "cn-hangzhou", owner: OWNER, kind: "data", name: "data-disk" });
      emulator.addImage({ profile: "alicloud", region: "cn-shanghai", owner: OWNER, kind: "system", name: "golden-ubuntu" });
      server = await startEmulatorServer({ dialects: [createAlibabaCloudDialect(emulator)] });
    });
    afterEach(async () => server?.close());

    it("DescribeImages without ImageId lists the region's images: ImageName (fuzzy), ImageOwnerAlias, Status, pages", async () => {
      const all = await ecs(OWNER).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou" }));
      assert.equal(all.body?.totalCount, 2);
      assert.deepEqual(all.body?.images?.image?.map((i) => i.imageName).sort(), ["data-disk", "golden-ubuntu"]);
      const named = await ecs(OWNER).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou", imageName: "ubuntu" }));
      assert.deepEqual(named.body?.images?.image?.map((i) => i.imageId), [golden]);
      const paged = await ecs(OWNER).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou", pageSize: 1, pageNumber: 2 }));
      assert.equal(paged.body?.totalCount, 2);
      assert.equal(paged.body?.images?.image?.length, 1);
      // The recipient sees a shared image as others'; not before it is shared.
      assert.equal((await ecs(RECIPIENT).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou" }))).body?.totalCount, 0);
      emulator.addMembersDirectly(golden, [{ type: "account", id: RECIPIENT }]);
      const shared = await ecs(RECIPIENT).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou", imageOwnerAlias: "others" }));
      assert.deepEqual(shared.body?.images?.image?.map((i) => [i.imageId, i.imageOwnerAlias]), [[golden, "others"]]);
      assert.equal((await ecs(RECIPIENT).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou", imageOwnerAlias: "self" }))).body?.totalCount, 0);
      // A copy still being made shows only with Status naming Creating.
      await ecs(OWNER).copyImage(new Ecs.CopyImageRequest({ regionId: "cn-hangzhou", imageId: golden, destinationRegionId: "cn-hangzhou", destinationImageName: "golden-copy" }));
      assert.equal((await ecs(OWNER).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou" }))).body?.totalCount, 2);
      assert.equal((await ecs(OWNER).describeImages(new Ecs.DescribeImagesRequest({ regionId: "cn-hangzhou", status: "Creating" }))).body?.totalCount, 1);
    });

    it("refuses a cross-region copy of an image shared with the caller; copies it within its region", async () => {
      emulator.addMembersDirectly(golden, [{ type: "account", id: RECIPIENT }]);
      const refused = await ecsRefusal(ecs(RECIPIENT).copyImage(new Ecs.CopyImageRequest({ regionId: "cn-hangzhou", imageId: golden, destinationRegionId: "cn-shanghai" })));
      assert.equal(refused.code, "InvalidImageId.NotFound");
      assert.equal(emulator.snapshot().jobs.length, 0, "no copy was started");
      // The backend names the rule.
      const e = await backend(RECIPIENT)
        .copyImage({ imageId: golden, region: "cn-shanghai" })
        .then(() => undefined, (x: unknown) => x);
      assert.ok(e instanceof ImageServiceError);
      assert.equal(e.rule, "copy-of-shared-image");
      assert.match(e.message, /within its region|same region/);
      const inRegion = await ecs(RECIPIENT).copyImage(new Ecs.CopyImageRequest({ regionId: "cn-hangzhou", imageId: golden, destinationRegionId: "cn-hangzhou" }));
      const copy = emulator.image(inRegion.body!.imageId!)!;
      assert.equal(copy.owner, RECIPIENT, "the in-region copy is the recipient's own image");
    });

    it("refuses DeleteImage of a copy still being made (403 OperationDenied.ImageCopying); CancelCopyImage deletes it; a finished copy cannot be cancelled", async () => {
      const copy = await ecs(OWNER).copyImage(new Ecs.CopyImageRequest({ regionId: "cn-hangzhou", imageId: golden, destinationRegionId: "cn-shanghai" }));
      const copyId = copy.body!.imageId!;
      const refused = await ecsRefusal(ecs(OWNER, "cn-shanghai").deleteImage(new Ecs.DeleteImageRequest({ regionId: "cn-shanghai", imageId: copyId })));
      assert.deepEqual(refused, { statusCode: 403, code: "OperationDenied.ImageCopying" });
      assert.ok(emulator.image(copyId), "the copy is still there");
      await ecs(OWNER, "cn-shanghai").cancelCopyImage(new Ecs.CancelCopyImageRequest({ regionId: "cn-shanghai", imageId: copyId }));
      assert.equal(emulator.image(copyId), undefined, "cancelling deleted the image being made");
      assert.equal(emulator.snapshot().jobs[0].status, "failed");
      const again = await ecsRefusal(ecs(OWNER, "cn-shanghai").cancelCopyImage(new Ecs.CancelCopyImageRequest({ regionId: "cn-shanghai", imageId: copyId })));
      assert.equal(again.code, "InvalidImageId.NotFound");
      const done = await ecsRefusal(ecs(OWNER).cancelCopyImage(new Ecs.CancelCopyImageRequest({ regionId: "cn-hangzhou", imageId: golden })));
      assert.deepEqual(done, { statusCode: 403, code: "IncorrectImageStatus" });
    });

    it("the backend's deleteImage of a copy still being made cancels it, through the served API", async () => {
      const job = await backend(OWNER).copyImage({ imageId: golden, region: "cn-shanghai", name: "to-cancel" });
      await backend(OWNER, "cn-shanghai").deleteImage(job.imageId!);
      assert.equal(emulator.image(job.imageId!), undefined);
      assert.equal((await backend(OWNER).getJob(job.id)).status, "failed");
    });
  });

  describe("tencentcloud CVM", () => {
    const OWNER = "100000000001";
    const RECIPIENT = "100000000002";
    let emulator: Emulator;
    let server: EmulatorServer;
    let golden: string;
    const cvm = (account: string, region = "ap-guangzhou") =>
      new cvmSdk.cvm.v20170312.Client({ credential: { secretId: `AKID${account}`, secretKey: `secret-${account}` }, region, profile: { httpProfile: { endpoint: new URL(server.url).host, protocol: "http://" } } });
    async function cvmRefusal(p: Promise<unknown>): Promise<string> {
      try {
        await p;
      } catch (e) {
        return String((e as { code?: string }).code);
      }
      throw new Error("expected a refusal");
    }
    beforeEach(async () => {
      emulator = memoryEmulator();
      for (const id of [OWNER, RECIPIENT]) {
        emulator.addAccount({ id, profile: "tencentcloud" });
        emulator.addAccessKey({ accessKeyId: `AKID${id}`, secret: `secret-${id}`, account: id });
      }
      emulator.configure({ copyDurationMs: 60_000 });
      golden = emulator.addImage({ profile: "tencentcloud", region: "ap-guangzhou", owner: OWNER, kind: "system", name: "golden-tencentos" });
      emulator.addImage({ profile: "tencentcloud", region: "ap-guangzhou", owner: OWNER, kind: "full", name: "whole-machine" });
      server = await startEmulatorServer({ dialects: [createTencentCloudDialect(emulator)] });
    });
    afterEach(async () => server?.close());

    it("DescribeImages with Filters: image-type, image-name (fuzzy), image-id; never with ImageIds; unknown filters refused", async () => {
      emulator.addMembersDirectly(golden, [{ type: "account", id: RECIPIENT }]);
      const owned = await cvm(OWNER).DescribeImages({ Filters: [{ Name: "image-type", Values: ["PRIVATE_IMAGE"] }] });
      assert.equal(owned.TotalCount, 2);
      const named = await cvm(OWNER).DescribeImages({ Filters: [{ Name: "image-type", Values: ["PRIVATE_IMAGE"] }, { Name: "image-name", Values: ["tencentos"] }], Limit: 100 });
      assert.deepEqual(named.ImageSet?.map((i) => i.ImageId), [golden]);
      const shared = await cvm(RECIPIENT).DescribeImages({ Filters: [{ Name: "image-type", Values: ["SHARED_IMAGE"] }] });
      assert.deepEqual(shared.ImageSet?.map((i) => [i.ImageId, i.ImageType]), [[golden, "SHARED_IMAGE"]]);
      assert.equal((await cvm(RECIPIENT).DescribeImages({ Filters: [{ Name: "image-type", Values: ["PRIVATE_IMAGE"] }] })).TotalCount, 0);
      assert.equal((await cvm(OWNER).DescribeImages({ Filters: [{ Name: "image-id", Values: [golden] }] })).TotalCount, 1);
      assert.equal((await cvm(OWNER).DescribeImages({ Filters: [{ Name: "tag-key", Values: ["team"] }] })).TotalCount, 0, "the emulator's images have no tags");
      assert.equal((await cvm(OWNER).DescribeImages({})).TotalCount, 2, "no filter: every image the caller sees");
      assert.equal(await cvmRefusal(cvm(OWNER).DescribeImages({ ImageIds: [golden], Filters: [{ Name: "image-type", Values: ["PRIVATE_IMAGE"] }] })), "InvalidParameter.InvalidParameterCoexistImageIdsFilters");
      assert.equal(await cvmRefusal(cvm(OWNER).DescribeImages({ Filters: [{ Name: "colour", Values: ["blue"] }] })), "InvalidFilter");
      assert.equal(await cvmRefusal(cvm(OWNER).DescribeImages({ Filters: [{ Name: "image-id", Values: ["a", "b", "c", "d", "e", "f"] }] })), "InvalidFilterValue.LimitExceeded");
    });

    it("SyncImages: a shared image only to its source region (the recipient's own custom image there), an owned one only to other regions", async () => {
      emulator.addMembersDirectly(golden, [{ type: "account", id: RECIPIENT }]);
      const own = await cvm(RECIPIENT).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-guangzhou"], ImageSetRequired: true });
      const copyId = own.ImageSet![0].ImageId!;
      assert.equal(emulator.image(copyId)!.owner, RECIPIENT);
      assert.equal(emulator.image(copyId)!.region, "ap-guangzhou");
      const away = await cvmRefusal(cvm(RECIPIENT).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-shanghai"] }));
      assert.equal(away, "UnauthorizedOperation.ImageNotBelongToAccount");
      assert.equal(await cvmRefusal(cvm(OWNER).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-guangzhou"] })), "InvalidParameterValue.InvalidRegion");
      const before = emulator.snapshot().jobs.length;
      assert.equal(await cvmRefusal(cvm(OWNER).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-shanghai", "ap-guangzhou"] })), "InvalidParameterValue.InvalidRegion");
      assert.equal(emulator.snapshot().jobs.length, before, "a list that breaks the rules starts no copy");
      const many = await cvm(OWNER).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-shanghai", "ap-beijing"], ImageSetRequired: true });
      assert.deepEqual(many.ImageSet?.map((s) => s.Region), ["ap-shanghai", "ap-beijing"]);
    });

    it("a retried SyncImages meets InvalidImageName.Duplicate; the backend adopts the copy it finds by DescribeImages Filters", async () => {
      const first = await cvm(OWNER).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-shanghai"], ImageName: "golden-sh", ImageSetRequired: true });
      assert.equal(await cvmRefusal(cvm(OWNER).SyncImages({ ImageIds: [golden], DestinationRegions: ["ap-shanghai"], ImageName: "golden-sh" })), "InvalidImageName.Duplicate");
      // The backend's first SyncImages is answered InternalError (the copy may have started): its
      // retry meets the duplicate name and adopts the copy syncing under that name.
      let faulted = 0;
      const dialect = createTencentCloudDialect(emulator, { fault: (action) => (action === "SyncImages" && !faulted++ ? { kind: "internal-error" } : undefined) });
      const faulty = await startEmulatorServer({ dialects: [dialect] });
      try {
        const service = createTencentCloudImageService({ region: "ap-guangzhou", endpoint: faulty.url, secretId: `AKID${OWNER}`, secretKey: `secret-${OWNER}`, retry: { baseDelayMs: 2, maxDelayMs: 10, deadlineMs: 5_000 } });
        const job = await service.copyImage({ imageId: golden, region: "ap-shanghai", name: "golden-sh" });
        assert.equal(job.imageId, first.ImageSet![0].ImageId);
        assert.equal(emulator.snapshot().jobs.length, 1, "one copy, adopted");
      } finally {
        await faulty.close();
      }
    });
  });
});
