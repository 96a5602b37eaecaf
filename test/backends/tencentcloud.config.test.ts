import assert = require("node:assert/strict");
import { ImageServiceError } from "../../provider/backends/errors";
import { imageKind, imageStatus, parseEndpoint, resolveTencentCloudOptions, toImageServiceError } from "../../provider/backends/tencentcloud";

describe("tencentcloud backend: configuration and error mapping", () => {
  it("reads region and credentials from the TENCENTCLOUD_* environment variables, options first", () => {
    const env = { TENCENTCLOUD_REGION: "ap-shanghai", TENCENTCLOUD_SECRET_ID: "AKIDenv", TENCENTCLOUD_SECRET_KEY: "envkey", TENCENTCLOUD_SECURITY_TOKEN: "tok" };
    const fromEnv = resolveTencentCloudOptions({}, env);
    assert.equal(fromEnv.region, "ap-shanghai");
    assert.equal(fromEnv.secretId, "AKIDenv");
    assert.equal(fromEnv.token, "tok");
    assert.equal(fromEnv.host, "cvm.tencentcloudapi.com");
    assert.equal(fromEnv.protocol, "https://");
    const fromOptions = resolveTencentCloudOptions({ region: "ap-guangzhou", secretId: "AKIDopt", secretKey: "k", endpoint: "http://127.0.0.1:8443" }, env);
    assert.equal(fromOptions.region, "ap-guangzhou");
    assert.equal(fromOptions.secretId, "AKIDopt");
    assert.deepEqual({ host: fromOptions.host, protocol: fromOptions.protocol }, { host: "127.0.0.1:8443", protocol: "http://" });
  });

  it("names what is missing or malformed", () => {
    assert.throws(() => resolveTencentCloudOptions({}, {}), /TENCENTCLOUD_REGION/);
    assert.throws(() => resolveTencentCloudOptions({ region: "ap-guangzhou" }, {}), /TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY/);
    assert.throws(() => resolveTencentCloudOptions({ region: "Guangzhou!", secretId: "a", secretKey: "b" }, {}), /does not look like a Tencent Cloud region/);
    assert.throws(() => resolveTencentCloudOptions({ region: "ap-guangzhou", secretId: "a", secretKey: "b", batchSize: 0 }, {}), /batchSize/);
    assert.throws(() => parseEndpoint("http://host/path"), /neither a host name nor an http\(s\) URL/);
    assert.deepEqual(parseEndpoint("cvm.intl.tencentcloudapi.com"), { host: "cvm.intl.tencentcloudapi.com", protocol: "https://" });
  });

  it("maps the cloud's codes to kinds and rule ids, with the code kept", () => {
    const cases: [string, string, string | undefined][] = [
      ["OverQuota", "quota-exceeded", "member-limit"],
      ["FailedOperation.AccountIsYourSelf", "invalid", "self-share"],
      ["UnauthorizedOperation.ImageNotBelongToAccount", "forbidden", "reshare-forbidden"],
      ["InvalidImageId.InShared", "conflict", "delete-while-shared"],
      ["InvalidAccountId.NotFound", "not-found", undefined],
      ["RequestLimitExceeded", "throttled", undefined],
      ["RequestLimitExceeded.UinLimitExceeded", "throttled", undefined],
      ["InternalError", "transient", undefined],
      ["AuthFailure.SignatureFailure", "auth", undefined],
    ];
    for (const [code, kind, rule] of cases) {
      const e = toImageServiceError(Object.assign(new Error("cloud says no"), { code, requestId: "req-1" }), { action: "ModifyImageSharePermission", doing: "sharing image img-1" });
      assert.ok(e instanceof ImageServiceError);
      assert.equal(e.kind, kind, code);
      assert.equal(e.cloudCode, code);
      assert.equal(e.rule, rule);
      assert.equal(e.details.requestId, "req-1");
      assert.match(e.message, new RegExp(`ModifyImageSharePermission failed while sharing image img-1: ${code.replace(/\./g, "\\.")}`));
      if (rule) assert.match(e.message, new RegExp(`rule ${rule}`));
    }
    const status = toImageServiceError(Object.assign(new Error("Bad Gateway"), { httpCode: 502 }), { action: "DescribeImages", doing: "reading" });
    assert.equal(status.kind, "transient");
    assert.equal(status.details.httpStatus, 502);
    const dropped = toImageServiceError(new Error("socket hang up"), { action: "DescribeImages", doing: "reading" });
    assert.equal(dropped.kind, "transient");
  });

  it("tells image kinds and states apart as DescribeImages reports them", () => {
    assert.equal(imageKind({ SnapshotSet: [{ DiskUsage: "SYSTEM_DISK" }] }), "system");
    assert.equal(imageKind({ SnapshotSet: [{ DiskUsage: "SYSTEM_DISK" }, { DiskUsage: "DATA_DISK" }] }), "full");
    assert.equal(imageKind({ SnapshotSet: [{ DiskUsage: "DATA_DISK" }] }), "data");
    assert.equal(imageKind({}), "system");
    assert.equal(imageStatus("NORMAL"), "available");
    assert.equal(imageStatus("SYNCING"), "creating");
    assert.equal(imageStatus("CREATING"), "creating");
    assert.equal(imageStatus("CREATEFAILED"), "failed");
  });
});
