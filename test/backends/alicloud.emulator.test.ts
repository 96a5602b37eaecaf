import assert = require("node:assert/strict");
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAlibabaCloudImageService, type AlibabaCloudOptions } from "../../provider/backends/alicloud";
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { allDialects } from "../../provider/backends/emulator/http/serve";
import { isImageServiceError } from "../../provider/backends/errors";
import { createImageService } from "../../provider/backends";
import { listAllMembers } from "../../provider/backends/types";
import { waitForJob } from "../../provider/backends/jobs";

// The alicloud backend against the emulator's own model (state in a temp file), over HTTP.
const REGION = "cn-hangzhou";
const OWNER = "1100000000000001";
const RECIPIENT = "1100000000000002";
const others = Array.from({ length: 60 }, (_, i) => String(1200000000000000 + i));
const members = (ids: string[]) => ids.map((id) => ({ type: "account" as const, id }));
const fastRetry = { baseDelayMs: 1, maxDelayMs: 10, deadlineMs: 30_000 };

describe("alicloud backend over HTTP against the emulator's model", () => {
  let dir: string;
  let emulator: Emulator;
  let server: EmulatorServer;
  let golden: string;
  let sys: string;

  const service = (options: Partial<AlibabaCloudOptions> = {}) =>
    createAlibabaCloudImageService({ region: REGION, endpoint: server.url, accessKeyId: "AK-OWNER", accessKeySecret: "owner-secret", retry: fastRetry, env: {}, ...options });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "alicloud-emulator-"));
    emulator = openEmulator(join(dir, "emulator.db"));
    for (const id of [OWNER, RECIPIENT, ...others]) emulator.addAccount({ id, profile: "alicloud" });
    emulator.addAccessKey({ accessKeyId: "AK-OWNER", secret: "owner-secret", account: OWNER });
    emulator.addAccessKey({ accessKeyId: "AK-RECIPIENT", secret: "recipient-secret", account: RECIPIENT });
    emulator.configure({ copyDurationMs: 30 });
    golden = emulator.addImage({ profile: "alicloud", region: REGION, owner: OWNER, kind: "full", name: "golden" });
    sys = emulator.addImage({ profile: "alicloud", region: REGION, owner: OWNER, kind: "system", name: "sys" });
    server = await startEmulatorServer({ dialects: [createAlibabaCloudDialect(emulator)] });
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads images with their kind and owner", async () => {
    const image = await service().getImage(golden);
    assert.deepEqual({ kind: image.kind, owner: image.owner, status: image.status, shared: image.sharedWithCaller }, { kind: "full", owner: OWNER, status: "available", shared: false });
    assert.equal((await service().getImage(sys)).kind, "system");
  });

  it("shares 25 accounts in 3 calls, pages them, and the recipient sees the image as shared", async () => {
    assert.equal((await service().addMembers(golden, members([RECIPIENT, ...others.slice(0, 24)]))).calls, 3);
    assert.equal(emulator.image(golden)?.members.length, 25);
    const page = await service().listMembers(golden, { pageSize: 10 });
    assert.equal(page.items.length, 10);
    assert.ok(page.nextPageToken);
    assert.equal((await listAllMembers(service({ pageSize: 10 }), golden)).length, 25);
    const seen = await service({ accessKeyId: "AK-RECIPIENT", accessKeySecret: "recipient-secret" }).getImage(golden);
    assert.deepEqual({ shared: seen.sharedWithCaller, owner: seen.owner }, { shared: true, owner: OWNER });
  });

  it("surfaces the 50-account quota with rule member-limit", async () => {
    await service().addMembers(golden, members(others.slice(0, 45)));
    await assert.rejects(service().addMembers(golden, members(others.slice(45, 55))), (e: unknown) => {
      return isImageServiceError(e, "quota-exceeded") && e.rule === "member-limit" && e.cloudCode === "QuotaExceed.ShareImageUser" && e.details.httpStatus === 403;
    });
  });

  it("refuses self-share, unknown accounts and re-shares in Alibaba Cloud's codes", async () => {
    await assert.rejects(service().addMembers(golden, members([OWNER])), (e: unknown) => isImageServiceError(e) && e.rule === "self-share" && e.cloudCode === "InvalidAccount.Forbbiden");
    await assert.rejects(service().addMembers(golden, members(["1999999999999999"])), (e: unknown) => isImageServiceError(e, "not-found") && e.cloudCode === "InvalidAccount.NotFound");
    await service().addMembers(golden, members([RECIPIENT]));
    const recipient = service({ accessKeyId: "AK-RECIPIENT", accessKeySecret: "recipient-secret" });
    await assert.rejects(recipient.addMembers(golden, members(others.slice(0, 1))), (e: unknown) => isImageServiceError(e, "forbidden") && e.rule === "reshare-forbidden");
  });

  it("retries throttling, server errors, dropped connections and half-applied batches to success", async () => {
    emulator.setFaults({ throttleEvery: 3, serverErrorEvery: 5, dropEvery: 7, halfBatch: 1 });
    const result = await service().addMembers(golden, members(others.slice(0, 30)));
    assert.equal(result.calls, 3);
    emulator.clearFaults();
    assert.deepEqual(emulator.image(golden)?.members.map((m) => m.id).sort(), others.slice(0, 30).sort());
  });

  it("refuses a bad signature", async () => {
    await assert.rejects(service({ accessKeySecret: "nope" }).getImage(golden), (e: unknown) => isImageServiceError(e, "auth") && e.cloudCode === "SignatureDoesNotMatch");
  });

  it("copies as a job that succeeds, and reports a failed copy", async () => {
    const s = service();
    const waitFor = (jobId: string) => waitForJob(s, jobId, { pollMs: 10, maxPollMs: 100, timeoutMs: 30_000 });
    const ok = await s.copyImage({ imageId: golden, region: "cn-shanghai", name: "golden-sh" });
    assert.equal((await waitFor(ok.id)).status, "succeeded");
    assert.equal((await service({ region: "cn-shanghai" }).getImage(ok.imageId!)).name, "golden-sh");
    emulator.setFaults({ failJobs: 1 });
    const bad = await s.copyImage({ imageId: golden, region: REGION });
    await assert.rejects(waitFor(bad.id), (e: unknown) => isImageServiceError(e, "job-failed") && /CreateFailed/.test(e.message));
  });

  it("refuses to delete a shared image until its members are removed", async () => {
    await service().addMembers(sys, members(others.slice(0, 2)));
    await assert.rejects(service().deleteImage(sys), (e: unknown) => isImageServiceError(e, "conflict") && e.rule === "delete-while-shared" && e.cloudCode === "ImageUseShared");
    await service().removeMembers(sys, members(others.slice(0, 2)));
    await service().deleteImage(sys);
    assert.equal(emulator.image(sys), undefined);
  });

  it("is what createImageService builds for backend alicloud (flat or nested connection)", async () => {
    const flat = createImageService({ backend: "alicloud", profile: "alicloud", region: REGION, account: OWNER, endpoint: server.url, accessKeyId: "AK-OWNER", accessKeySecret: "owner-secret" });
    assert.equal(flat.profile, "alicloud");
    assert.equal((await flat.getImage(golden)).owner, OWNER);
    const nested = createImageService({
      profile: "alicloud",
      region: REGION,
      account: OWNER,
      connection: { backend: "alicloud", endpoint: server.url, accessKeyId: "AK-OWNER", accessKeySecret: "owner-secret" },
    });
    assert.equal((await nested.getImage(sys)).kind, "system");
    assert.throws(
      () => createImageService({ backend: "alicloud", profile: "tencentcloud", region: REGION, account: OWNER, accessKeyId: "a", accessKeySecret: "s" }),
      /backend alicloud serves profile alicloud, not tencentcloud/,
    );
  });

  it("is served beside the other clouds' dialects (image-share emulator serve)", async () => {
    const all = await startEmulatorServer({ dialects: allDialects(emulator) });
    try {
      const s = createAlibabaCloudImageService({ region: REGION, endpoint: all.url, accessKeyId: "AK-OWNER", accessKeySecret: "owner-secret", env: {} });
      assert.equal((await s.addMembers(golden, members(others.slice(0, 11)))).calls, 2);
      assert.equal((await s.getImage(golden)).kind, "full");
      await assert.rejects(createAlibabaCloudImageService({ region: REGION, endpoint: all.url, accessKeyId: "AK-OWNER", accessKeySecret: "x", env: {} }).getImage(golden), (e: unknown) => isImageServiceError(e, "auth"));
    } finally {
      await all.close();
    }
  });
});
