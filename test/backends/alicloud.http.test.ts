import assert = require("node:assert/strict");
import { request as httpRequest } from "node:http";
import { createHash, randomUUID } from "node:crypto";
import Ecs = require("@alicloud/ecs20140526");
import OpenApi = require("@alicloud/openapi-core");
import { createAlibabaCloudImageService, type AlibabaCloudOptions } from "../../provider/backends/alicloud";
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  createAlibabaCloudDialect,
} from "../../provider/backends/emulator/http/alicloud";
import type { Dialect } from "../../provider/backends/emulator/http/dialect";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { isImageServiceError } from "../../provider/backends/errors";
import { listAllMembers } from "../../provider/backends/types";
import { TinyAlibabaModel } from "./alicloudModel";

const REGION = "cn-hangzhou";
const OWNER = "1000000000000001";
const RECIPIENT = "1000000000000002";
/** Longer than 2^53: must keep every digit through the SDK's JSON. */
const BIG_OWNER = "123456789012345678";
const accountsFrom = (start: number, n: number) => Array.from({ length: n }, (_, i) => String(2000000000000000 + start + i));
const members = (ids: string[]) => ids.map((id) => ({ type: "account" as const, id }));
const fastRetry = { baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 20_000 };

/** The dialect, with every request's AddAccount / RemoveAccount counts recorded. */
function recording(dialect: Dialect, log: { action: string; add: number; remove: number }[]): Dialect {
  return {
    name: dialect.name,
    matches: (r) => dialect.matches(r),
    handle(request, body, response) {
      const url = new URL(request.url ?? "/", "http://x");
      const keys = [...url.searchParams.keys()];
      log.push({
        action: String(request.headers["x-acs-action"] ?? url.searchParams.get("Action")),
        add: keys.filter((k) => k.startsWith("AddAccount.")).length,
        remove: keys.filter((k) => k.startsWith("RemoveAccount.")).length,
      });
      return dialect.handle(request, body, response);
    },
  };
}

describe("alicloud backend over HTTP against the emulator's ECS dialect", () => {
  let model: TinyAlibabaModel;
  let server: EmulatorServer;
  let log: { action: string; add: number; remove: number }[];

  const service = (options: Partial<AlibabaCloudOptions> = {}) =>
    createAlibabaCloudImageService({ region: REGION, endpoint: server.url, accessKeyId: "AK-OWNER", accessKeySecret: "owner-secret", retry: fastRetry, env: {}, ...options });
  const recipient = () => service({ accessKeyId: "AK-RECIPIENT", accessKeySecret: "recipient-secret" });
  const modifyRequests = () => log.filter((l) => l.action === "ModifyImageSharePermission");

  beforeEach(async () => {
    model = new TinyAlibabaModel();
    model.addAccessKey("AK-OWNER", "owner-secret", OWNER);
    model.addAccessKey("AK-RECIPIENT", "recipient-secret", RECIPIENT);
    model.addAccessKey("AK-BIG", "big-secret", BIG_OWNER);
    for (const id of accountsFrom(0, 120)) model.addAccount(id);
    model.addImage({ id: "m-golden", region: REGION, owner: OWNER, kind: "full", name: "golden" });
    model.addImage({ id: "m-sys", region: REGION, owner: OWNER, kind: "system", name: "sys" });
    model.addImage({ id: "m-big", region: REGION, owner: BIG_OWNER, kind: "data", name: "big", members: [RECIPIENT] });
    log = [];
    server = await startEmulatorServer({ dialects: [recording(createAlibabaCloudDialect(model), log)] });
  });
  afterEach(async () => {
    await server.close();
  });

  it("reads an image: kind from its disks, owner, shared or owned", async () => {
    const golden = await service().getImage("m-golden");
    assert.deepEqual(
      { kind: golden.kind, owner: golden.owner, status: golden.status, shared: golden.sharedWithCaller, name: golden.name },
      { kind: "full", owner: OWNER, status: "available", shared: false, name: "golden" },
    );
    assert.equal((await service().getImage("m-sys")).kind, "system");
    const big = await recipient().getImage("m-big");
    assert.deepEqual({ kind: big.kind, owner: big.owner, shared: big.sharedWithCaller }, { kind: "data", owner: BIG_OWNER, shared: true });
    await assert.rejects(service().getImage("m-nope"), (e: unknown) => isImageServiceError(e, "not-found") && e.cloudCode === "InvalidImageId.NotFound");
  });

  it("adds 25 accounts in 3 calls of at most 10, and lists them page by page", async () => {
    const ids = accountsFrom(0, 25);
    const result = await service().addMembers("m-golden", members(ids));
    assert.equal(result.calls, 3);
    assert.deepEqual(modifyRequests().map((r) => r.add).sort(), [10, 10, 5]);
    assert.deepEqual(model.members("m-golden").sort(), [...ids].sort());

    const first = await service().listMembers("m-golden", { pageSize: 10 });
    assert.equal(first.items.length, 10);
    assert.equal(first.nextPageToken, "2");
    assert.ok(first.items.every((m) => m.type === "account" && m.status === "accepted"));
    const all = await listAllMembers(service({ pageSize: 10 }), "m-golden");
    assert.deepEqual(all.map((m) => m.id).sort(), [...ids].sort());
  });

  it("pages past 100 members (the API's largest page)", async () => {
    model.memberLimit = 200;
    const ids = accountsFrom(0, 120);
    assert.equal((await service({ concurrency: 8 }).addMembers("m-golden", members(ids))).calls, 12);
    const first = await service().listMembers("m-golden");
    assert.equal(first.items.length, 100);
    assert.equal(first.nextPageToken, "2");
    const second = await service().listMembers("m-golden", { pageToken: first.nextPageToken });
    assert.equal(second.items.length, 20);
    assert.equal(second.nextPageToken, undefined);
    assert.ok(modifyRequests().every((r) => r.add <= 10), "never more than 10 accounts in one call");
  });

  it("finds the owner's images by exact name page by page (pageSize 2): ImageName is fuzzy, a shared image is not the caller's", async () => {
    for (let i = 0; i < 4; i++) model.addImage({ id: `m-fleet${i}`, region: REGION, owner: OWNER, kind: "system", name: "fleet" });
    model.addImage({ id: "m-fleet-b", region: REGION, owner: OWNER, kind: "system", name: "fleet-b" });
    model.addImage({ id: "m-fleet-shared", region: REGION, owner: BIG_OWNER, kind: "system", name: "fleet", members: [OWNER] });
    const copy = await service().copyImage({ imageId: "m-sys", region: REGION, name: "fleet" });
    log.length = 0;
    const found = await service({ pageSize: 2 }).findOwnedImages("fleet");
    assert.deepEqual(found.map((i) => i.id).sort(), ["m-fleet0", "m-fleet1", "m-fleet2", "m-fleet3", copy.imageId].sort());
    assert.ok(found.every((i) => i.name === "fleet" && !i.sharedWithCaller && i.owner === OWNER));
    // Six own images match "fleet" fuzzily: three pages of two.
    assert.equal(log.filter((l) => l.action === "DescribeImages").length, 3);
  });

  it("is idempotent: present members cost no add, absent ones no remove", async () => {
    const ids = accountsFrom(0, 12);
    await service().addMembers("m-golden", members(ids.slice(0, 7)));
    log.length = 0;
    assert.equal((await service().addMembers("m-golden", members(ids))).calls, 1);
    assert.deepEqual(modifyRequests().map((r) => r.add), [5]);
    assert.equal((await service().addMembers("m-golden", members(ids))).calls, 0);
    log.length = 0;
    assert.equal((await service().removeMembers("m-golden", members([...ids.slice(0, 3), ...accountsFrom(50, 4)]))).calls, 1);
    assert.deepEqual(modifyRequests().map((r) => r.remove), [3]);
    assert.equal((await service().removeMembers("m-golden", members(ids.slice(0, 3)))).calls, 0);
    assert.deepEqual(model.members("m-golden").sort(), ids.slice(3).sort());
  });

  it("surfaces the member quota at once: QuotaExceed.ShareImageUser, rule member-limit", async () => {
    await service().addMembers("m-golden", members(accountsFrom(0, 45)));
    model.changes.length = 0;
    await assert.rejects(service({ concurrency: 1 }).addMembers("m-golden", members(accountsFrom(45, 10))), (e: unknown) => {
      return (
        isImageServiceError(e, "quota-exceeded") &&
        e.rule === "member-limit" &&
        e.cloudCode === "QuotaExceed.ShareImageUser" &&
        e.details.httpStatus === 403 &&
        /limits\.member/.test(e.message) &&
        !e.retryable
      );
    });
    assert.equal(model.changes.length, 1, "not retried");
  });

  it("refuses sharing with the owner (InvalidAccount.Forbbiden, rule self-share) and unknown accounts", async () => {
    await assert.rejects(service().addMembers("m-golden", members([OWNER])), (e: unknown) => {
      return isImageServiceError(e, "invalid") && e.rule === "self-share" && e.cloudCode === "InvalidAccount.Forbbiden" && e.details.httpStatus === 404;
    });
    await assert.rejects(service().addMembers("m-golden", members(["9999999999999999"])), (e: unknown) => {
      return isImageServiceError(e, "not-found") && e.cloudCode === "InvalidAccount.NotFound";
    });
  });

  it("tells a re-share apart from a missing image: rule reshare-forbidden", async () => {
    await assert.rejects(recipient().addMembers("m-big", members(accountsFrom(0, 1))), (e: unknown) => {
      return isImageServiceError(e, "forbidden") && e.rule === "reshare-forbidden" && e.cloudCode === "InvalidImageId.NotFound" && e.message.includes(BIG_OWNER);
    });
    await assert.rejects(service().addMembers("m-nope", members(accountsFrom(0, 1))), (e: unknown) => {
      return isImageServiceError(e, "not-found") && e.rule === undefined;
    });
  });

  it("refuses bad signatures and unknown keys with Alibaba Cloud's auth errors, never retried", async () => {
    await assert.rejects(service({ accessKeySecret: "wrong" }).getImage("m-golden"), (e: unknown) => {
      return isImageServiceError(e, "auth") && e.cloudCode === "SignatureDoesNotMatch" && e.details.httpStatus === 400;
    });
    await assert.rejects(service({ accessKeyId: "AK-NOBODY" }).getImage("m-golden"), (e: unknown) => {
      return isImageServiceError(e, "auth") && e.cloudCode === "InvalidAccessKeyId.NotFound" && e.details.httpStatus === 404;
    });
    await assert.rejects(service({ accessKeySecret: "wrong", signatureAlgorithm: "v2" }).getImage("m-golden"), (e: unknown) => {
      return isImageServiceError(e, "auth") && e.cloudCode === "SignatureDoesNotMatch";
    });
    assert.equal(log.length, 3, "one request each");
  });

  it("works with the older RPC signature too", async () => {
    const s = service({ signatureAlgorithm: "v2" });
    assert.equal((await s.addMembers("m-golden", members(accountsFrom(0, 11)))).calls, 2);
    assert.equal((await s.getImage("m-golden")).kind, "full");
  });

  for (const fault of [
    { kind: "throttle" },
    { kind: "internal-error" },
    { kind: "service-unavailable" },
    { kind: "http-status", status: 502 },
    { kind: "drop" },
    { kind: "latency", ms: 50 },
  ] as const) {
    it(`retries through a fault to success: ${fault.kind}`, async () => {
      model.faults = [fault, fault];
      const result = await service().addMembers("m-golden", members(accountsFrom(0, 3)));
      assert.equal(result.calls, 1);
      assert.equal(model.faults.length, 0, "both faults were served");
      assert.equal(model.members("m-golden").length, 3);
    });
  }

  it("gives up at the retry deadline with the cloud's throttling code", async () => {
    model.faults = Array.from({ length: 1000 }, () => ({ kind: "throttle" as const }));
    await assert.rejects(service({ retry: { baseDelayMs: 5, maxDelayMs: 5, deadlineMs: 200 } }).getImage("m-golden"), (e: unknown) => {
      return isImageServiceError(e, "throttled") && e.cloudCode === "Throttling.User";
    });
  });

  it("copies an image as a job: Creating until done, then Available", async () => {
    const s = service();
    const job = await s.copyImage({ imageId: "m-golden", region: "cn-shanghai", name: "golden-sh" });
    assert.equal(job.status, "running");
    assert.ok(job.imageId);
    let state = await s.getJob(job.id);
    for (let i = 0; i < 5 && state.status === "running"; i++) state = await s.getJob(job.id);
    assert.equal(state.status, "succeeded");
    assert.equal(state.imageId, job.imageId);
    const copy = await service({ region: "cn-shanghai" }).getImage(job.imageId!);
    assert.deepEqual({ status: copy.status, name: copy.name, kind: copy.kind }, { status: "available", name: "golden-sh", kind: "full" });
  });

  it("reports a failed copy with the cloud's status", async () => {
    model.failNextCopy = true;
    const s = service();
    const job = await s.copyImage({ imageId: "m-golden", region: REGION });
    let state = await s.getJob(job.id);
    for (let i = 0; i < 5 && state.status === "running"; i++) state = await s.getJob(job.id);
    assert.equal(state.status, "failed");
    assert.match(state.reason ?? "", /CreateFailed/);
  });

  it("a retried CopyImage (answer lost) returns the first copy, not a second", async () => {
    model.faults = [{ kind: "drop" }];
    const s = service();
    const job = await s.copyImage({ imageId: "m-golden", region: REGION });
    // The drop happens before the dialect serves, so exactly one copy exists; the ClientToken
    // path is exercised by a raw repeat below.
    assert.ok(job.imageId);
    const client = sdkClient("AK-OWNER", "owner-secret");
    const request = new Ecs.CopyImageRequest({ regionId: REGION, imageId: "m-golden", destinationRegionId: REGION, clientToken: "token-1" });
    const a = await client.copyImage(request);
    const b = await client.copyImage(request);
    assert.equal(a.body?.imageId, b.body?.imageId);
  });

  it("hides a copy still Creating from a DescribeImages without Status, as the cloud does", async () => {
    model.copyPollsToFinish = 10;
    const job = await service().copyImage({ imageId: "m-golden", region: REGION });
    const client = sdkClient("AK-OWNER", "owner-secret");
    const plain = await client.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageId: job.imageId }));
    assert.equal(plain.body?.totalCount, 0);
    const all = await client.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageId: job.imageId, status: "Creating,Available" }));
    assert.equal(all.body?.images?.image?.[0]?.status, "Creating");
  });

  it("refuses to delete a shared image (ImageUseShared, rule delete-while-shared); deletes once unshared", async () => {
    const s = service();
    await s.addMembers("m-sys", members(accountsFrom(0, 2)));
    await assert.rejects(s.deleteImage("m-sys"), (e: unknown) => {
      return isImageServiceError(e, "conflict") && e.rule === "delete-while-shared" && e.cloudCode === "ImageUseShared" && e.details.httpStatus === 403;
    });
    await s.removeMembers("m-sys", members(accountsFrom(0, 2)));
    await s.deleteImage("m-sys");
    await s.deleteImage("m-sys"); // DeleteImage ignores an image that is gone
    await assert.rejects(s.getImage("m-sys"), (e: unknown) => isImageServiceError(e, "not-found"));
  });

  it("like the cloud, a raw call with more than 10 accounts shares the first 10 and silently ignores the rest", async () => {
    const ids = accountsFrom(0, 15);
    const client = sdkClient("AK-OWNER", "owner-secret");
    const answer = await client.modifyImageSharePermission(new Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId: "m-golden", addAccount: ids }));
    assert.equal(answer.statusCode, 200);
    assert.deepEqual(model.members("m-golden").sort(), ids.slice(0, 10).sort());
  });

  it("answers DescribeImageSharePermission in the API's shape", async () => {
    await service().addMembers("m-golden", members(accountsFrom(0, 12)));
    const client = sdkClient("AK-OWNER", "owner-secret");
    const page = await client.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId: "m-golden", pageNumber: 2, pageSize: 5 }));
    assert.equal(page.body?.totalCount, 12);
    assert.equal(page.body?.pageNumber, 2);
    assert.equal(page.body?.pageSize, 5);
    assert.equal(page.body?.imageId, "m-golden");
    assert.equal(page.body?.accounts?.account?.length, 5);
    assert.match(page.body?.requestId ?? "", /^[0-9A-F-]{36}$/);
  });

  describe("raw requests", () => {
    /** Signs and sends one ACS3 request as the SDK would; `tamper` changes it after signing. */
    function send(
      query: Record<string, string>,
      options: { secret?: string; nonce?: string; tamper?: (q: URLSearchParams, h: Record<string, string>) => void } = {},
    ): Promise<{ status: number; body: Record<string, string> }> {
      const url = new URL(server.url);
      const body = Buffer.alloc(0);
      const headers: Record<string, string> = {
        host: url.host,
        "x-acs-action": "DescribeImages",
        "x-acs-version": "2014-05-26",
        "x-acs-date": new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        "x-acs-signature-nonce": options.nonce ?? randomUUID(),
        "x-acs-content-sha256": createHash("sha256").update(body).digest("hex"),
      };
      const signed = Object.keys(headers).sort();
      const canonical = acs3CanonicalRequest({ method: "POST", pathname: "/", query, headers, signedHeaders: signed, payloadHash: headers["x-acs-content-sha256"] });
      const signature = acs3Signature(options.secret ?? "owner-secret", acs3StringToSign(canonical));
      headers.authorization = `ACS3-HMAC-SHA256 Credential=AK-OWNER,SignedHeaders=${signed.join(";")},Signature=${signature}`;
      const q = new URLSearchParams(query);
      options.tamper?.(q, headers);
      return new Promise((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: `/?${q.toString()}`, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, string> }));
        });
        req.on("error", reject);
        req.end(body);
      });
    }

    it("serves a correctly signed request", async () => {
      const answer = await send({ RegionId: REGION, ImageId: "m-golden" });
      assert.equal(answer.status, 200);
      assert.equal((answer.body as unknown as { TotalCount: number }).TotalCount, 1);
    });

    it("refuses a parameter changed after signing: SignatureDoesNotMatch, HTTP 400", async () => {
      const answer = await send({ RegionId: REGION, ImageId: "m-golden" }, { tamper: (q) => q.set("ImageId", "m-sys") });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.Code, "SignatureDoesNotMatch");
      assert.match(answer.body.Message, /server string to sign is:ACS3-HMAC-SHA256\n/);
    });

    it("refuses a replayed nonce and a header left unsigned", async () => {
      assert.equal((await send({ RegionId: REGION }, { nonce: "n-1" })).status, 200);
      const replay = await send({ RegionId: REGION }, { nonce: "n-1" });
      assert.deepEqual([replay.status, replay.body.Code], [400, "SignatureNonceUsed"]);
      const unsigned = await send({ RegionId: REGION }, {
        tamper: (_q, h) => {
          h.authorization = h.authorization.replace("SignedHeaders=host;", "SignedHeaders=");
        },
      });
      assert.deepEqual([unsigned.status, unsigned.body.Code], [400, "IncompleteSignature"]);
    });

    it("answers unknown actions and a missing RegionId in Alibaba Cloud's shape", async () => {
      const unknown = await send({ RegionId: REGION }, { tamper: (_q, h) => (h["x-acs-action"] = "RunInstances") });
      // The action header is signed: changing it breaks the signature first.
      assert.equal(unknown.body.Code, "SignatureDoesNotMatch");
      const noRegion = await send({ ImageId: "m-golden" });
      assert.deepEqual([noRegion.status, noRegion.body.Code], [400, "MissingParameter"]);
      assert.ok(noRegion.body.RequestId && noRegion.body.HostId && noRegion.body.Recommend);
    });
  });

  function sdkClient(accessKeyId: string, accessKeySecret: string) {
    return new Ecs.default(new OpenApi.$OpenApiUtil.Config({ accessKeyId, accessKeySecret, endpoint: new URL(server.url).host, protocol: "HTTP", regionId: REGION }));
  }
});
