import assert = require("node:assert/strict");
import { resolveOptions, toImageServiceError, imageKind, imageStatus, AlibabaCloudImageService } from "../../provider/backends/alicloud";
import { isImageServiceError } from "../../provider/backends/errors";

describe("alicloud backend: configuration", () => {
  it("reads region and credentials from ALICLOUD_* variables", () => {
    const o = resolveOptions({ env: { ALICLOUD_REGION: "cn-shanghai", ALICLOUD_ACCESS_KEY: "ak", ALICLOUD_SECRET_KEY: "sk" } });
    assert.equal(o.region, "cn-shanghai");
    assert.equal(o.accessKeyId, "ak");
    assert.equal(o.accessKeySecret, "sk");
    assert.equal(o.endpoint, undefined, "no override: the SDK's regional endpoint");
    assert.equal(o.protocol, "HTTPS");
    assert.equal(o.batchSize, 10);
    assert.equal(o.pageSize, 100);
  });

  it("falls back to ALIBABA_CLOUD_* variables, and options win over the environment", () => {
    const env = { ALIBABA_CLOUD_REGION_ID: "cn-beijing", ALIBABA_CLOUD_ACCESS_KEY_ID: "ak2", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "sk2" };
    const o = resolveOptions({ env });
    assert.deepEqual([o.region, o.accessKeyId, o.accessKeySecret], ["cn-beijing", "ak2", "sk2"]);
    const p = resolveOptions({ env, region: "eu-central-1", accessKeyId: "a", accessKeySecret: "s" });
    assert.deepEqual([p.region, p.accessKeyId, p.accessKeySecret], ["eu-central-1", "a", "s"]);
  });

  it("takes an endpoint URL: host for the SDK, scheme as the protocol", () => {
    const o = resolveOptions({ env: {}, region: "cn-hangzhou", accessKeyId: "a", accessKeySecret: "s", endpoint: "http://127.0.0.1:8080" });
    assert.equal(o.endpoint, "127.0.0.1:8080");
    assert.equal(o.protocol, "HTTP");
    const h = resolveOptions({ env: {}, region: "cn-hangzhou", accessKeyId: "a", accessKeySecret: "s", endpoint: "ecs.cn-hangzhou.aliyuncs.com" });
    assert.equal(h.endpoint, "ecs.cn-hangzhou.aliyuncs.com");
    assert.equal(h.protocol, "HTTPS");
  });

  it("names what is missing or wrong", () => {
    assert.throws(() => resolveOptions({ env: {} }), (e: unknown) => isImageServiceError(e, "invalid") && /region/.test(e.message));
    assert.throws(
      () => resolveOptions({ env: { ALICLOUD_REGION: "cn-hangzhou" } }),
      (e: unknown) => isImageServiceError(e, "auth") && /ALICLOUD_ACCESS_KEY/.test(e.message),
    );
    const base = { env: {}, region: "cn-hangzhou", accessKeyId: "a", accessKeySecret: "s" };
    assert.throws(() => resolveOptions({ ...base, batchSize: 11 }), /batchSize must be an integer from 1 to 10/);
    assert.throws(() => resolveOptions({ ...base, pageSize: 101 }), /pageSize must be an integer from 1 to 100/);
    assert.throws(() => resolveOptions({ ...base, endpoint: "ftp://x" }), /http or https/);
    assert.throws(() => resolveOptions({ ...base, region: "CN Hangzhou" }), /not an Alibaba Cloud region id/);
  });

  it("has no acceptance step: setMemberStatus names rule acceptance-unsupported", async () => {
    const s = new AlibabaCloudImageService({ env: {}, region: "cn-hangzhou", accessKeyId: "a", accessKeySecret: "s" });
    await assert.rejects(s.setMemberStatus("m-1", { type: "account", id: "123" }, "accepted"), (e: unknown) => {
      return isImageServiceError(e, "invalid") && e.rule === "acceptance-unsupported" && /no acceptance step/.test(e.message);
    });
  });

  it("refuses project members: Alibaba Cloud shares with accounts only", async () => {
    const s = new AlibabaCloudImageService({ env: {}, region: "cn-hangzhou", accessKeyId: "a", accessKeySecret: "s" });
    await assert.rejects(s.addMembers("m-1", [{ type: "project", id: "p1" }]), /members\[0\] is a project/);
  });
});

describe("alicloud backend: error codes", () => {
  const sdkError = (statusCode: number, code: string, message = "m") => ({
    name: "ClientError",
    statusCode,
    code,
    requestId: "R1",
    message: `code: ${statusCode}, ${message} request id: R1`,
    data: { Code: code, Message: message, RequestId: "R1" },
  });

  const cases: [number, string, string, string | undefined][] = [
    [403, "QuotaExceed.ShareImageUser", "quota-exceeded", "member-limit"],
    [404, "InvalidAccount.Forbbiden", "invalid", "self-share"],
    [404, "InvalidAccount.NotFound", "not-found", undefined],
    [404, "InvalidImageId.NotFound", "not-found", undefined],
    [403, "ImageUseShared", "conflict", "delete-while-shared"],
    [400, "Throttling.User", "throttled", undefined],
    [400, "Throttling", "throttled", undefined],
    [503, "ServiceUnavailable", "transient", undefined],
    [500, "InternalError", "transient", undefined],
    [502, "SomethingNew", "transient", undefined],
    [400, "SignatureDoesNotMatch", "auth", undefined],
    [404, "InvalidAccessKeyId.NotFound", "auth", undefined],
    [400, "IncompleteSignature", "auth", undefined],
    [400, "MissingParameter", "invalid", undefined],
  ];
  for (const [status, code, kind, rule] of cases) {
    it(`${code} (HTTP ${status}) -> ${kind}${rule ? ` with rule ${rule}` : ""}`, () => {
      const e = toImageServiceError(sdkError(status, code, "the cloud's words"), "ModifyImageSharePermission");
      assert.equal(e.kind, kind);
      assert.equal(e.cloudCode, code);
      assert.equal(e.rule, rule);
      assert.equal(e.details.httpStatus, status);
      assert.equal(e.details.requestId, "R1");
      assert.match(e.message, new RegExp(`ModifyImageSharePermission: ${code.replace(/\./g, "\\.")}: the cloud's words`));
      if (rule) assert.match(e.message, new RegExp(`rule ${rule}`));
    });
  }

  it("a dropped connection or a read timeout is transient; an unknown host is a configuration error", () => {
    assert.equal(toImageServiceError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }), "X").kind, "transient");
    assert.equal(toImageServiceError(Object.assign(new Error("ReadTimeout(30000). POST http://x failed."), { name: "RequestTimeoutError" }), "X").kind, "transient");
    assert.equal(toImageServiceError(Object.assign(new Error("getaddrinfo ENOTFOUND x"), { code: "ENOTFOUND" }), "X").kind, "invalid");
  });
});

describe("alicloud backend: image kind and status", () => {
  it("tells full-machine, system-disk and data-disk images apart by their disk mappings", () => {
    const img = (...types: string[]) => ({ ImageId: "m-1", DiskDeviceMappings: { DiskDeviceMapping: types.map((Type) => ({ Type })) } });
    assert.equal(imageKind(img("system")), "system");
    assert.equal(imageKind(img("system", "data", "data")), "full");
    assert.equal(imageKind(img("data")), "data");
    assert.equal(imageKind({ ImageId: "m-1" }), "system");
  });
  it("maps ECS image statuses", () => {
    assert.equal(imageStatus("Creating"), "creating");
    assert.equal(imageStatus("Waiting"), "creating");
    assert.equal(imageStatus("Available"), "available");
    assert.equal(imageStatus("CreateFailed"), "failed");
    assert.equal(imageStatus("UnAvailable"), "failed");
  });
});
