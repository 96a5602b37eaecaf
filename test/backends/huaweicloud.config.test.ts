import assert = require("node:assert/strict");
import { ImageServiceError, isImageServiceError } from "../../provider/backends/errors";
import { createHuaweiCloudImageService, defaultEndpoint, fromJobFailure, fromSdkError, resolveHuaweiCloudOptions } from "../../provider/backends/huaweicloud";

describe("huaweicloud backend configuration", () => {
  it("reads HW_* on huaweicloud (as the Terraform provider does) and builds the default endpoint", () => {
    const o = resolveHuaweiCloudOptions({ env: { HW_ACCESS_KEY: "ak", HW_SECRET_KEY: "sk", HW_PROJECT_ID: "p1", HW_REGION_NAME: "cn-north-4" } });
    assert.deepEqual([o.profile, o.region, o.accessKey, o.secretKey, o.projectId, o.endpoint, o.batchSize], ["huaweicloud", "cn-north-4", "ak", "sk", "p1", "https://ims.cn-north-4.myhuaweicloud.com", 100]);
  });

  it("reads OS_* on opentelekomcloud and builds its endpoint", () => {
    const o = resolveHuaweiCloudOptions({ profile: "opentelekomcloud", env: { OS_ACCESS_KEY: "ak", OS_SECRET_KEY: "sk", OS_PROJECT_ID: "p1", OS_REGION_NAME: "eu-de", HW_ACCESS_KEY: "not-this" } });
    assert.equal(o.accessKey, "ak");
    assert.equal(o.endpoint, "https://ims.eu-de.otc.t-systems.com");
    assert.equal(defaultEndpoint("opentelekomcloud", "eu-nl"), "https://ims.eu-nl.otc.t-systems.com");
  });

  it("options win over the environment; an endpoint override keeps scheme, host and port", () => {
    const o = resolveHuaweiCloudOptions({ region: "cn-south-1", accessKey: "a", secretKey: "s", projectId: "p", endpoint: "http://127.0.0.1:4321/", env: { HW_ACCESS_KEY: "env" } });
    assert.equal(o.accessKey, "a");
    assert.equal(o.endpoint, "http://127.0.0.1:4321");
  });

  it("a missing or malformed value names the option and the variable to set", () => {
    const missing = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => isImageServiceError(e, "invalid") && pattern.test(e.message));
    missing(() => resolveHuaweiCloudOptions({ env: {} }), /HW_REGION_NAME/);
    missing(() => resolveHuaweiCloudOptions({ region: "eu-de", profile: "opentelekomcloud", env: {} }), /OS_ACCESS_KEY/);
    missing(() => resolveHuaweiCloudOptions({ region: "cn-north-4", accessKey: "a", secretKey: "s", env: {} }), /projectId option or the HW_PROJECT_ID/);
    missing(() => resolveHuaweiCloudOptions({ region: "North 4", accessKey: "a", secretKey: "s", projectId: "p", env: {} }), /not a region id/);
    missing(() => resolveHuaweiCloudOptions({ region: "cn-north-4", accessKey: "a", secretKey: "s", projectId: "p", endpoint: "ims.example", env: {} }), /not a URL/);
    missing(() => resolveHuaweiCloudOptions({ region: "cn-north-4", accessKey: "a", secretKey: "s", projectId: "p", batchSize: 0, env: {} }), /batchSize/);
  });

  it("refuses a bad member or page token before any request", async () => {
    const svc = createHuaweiCloudImageService({ region: "cn-north-4", accessKey: "a", secretKey: "s", projectId: "p", endpoint: "http://127.0.0.1:9", env: {} });
    await assert.rejects(svc.addMembers("img", [{ type: "group" as "account", id: "x" }]), (e: unknown) => isImageServiceError(e, "invalid"));
    // The page token is IMS's own marker, base64 (ims_03_0723): anything else is refused here.
    await assert.rejects(svc.listMembers("img", { pageToken: "not a marker!" }), (e: unknown) => isImageServiceError(e, "invalid"));
    await assert.rejects(svc.setMemberStatus("img", { type: "project", id: "other" }, "accepted"), /only the member project other/);
    await assert.rejects(svc.copyImage({ imageId: "img", region: "cn-south-1", name: "x" }), /agencyName/);
  });
});

describe("huaweicloud error mapping", () => {
  const sdk = (httpStatusCode: number | undefined, errorCode?: string, errorMsg = "msg") => ({ httpStatusCode, errorCode, errorMsg, requestId: "r1" });
  const cases: [ReturnType<typeof sdk>, string, string | undefined][] = [
    [sdk(400, "IMG.0088"), "quota-exceeded", "member-limit"],
    [sdk(400, "IMG.0027"), "not-found", undefined],
    [sdk(404, "IMG.0086"), "not-found", undefined],
    [sdk(400, "IMG.0047"), "forbidden", "reshare-forbidden"],
    [sdk(403, "IMG.0106"), "forbidden", "reshare-forbidden"],
    [sdk(400, "IMG.0076"), "invalid", "self-share"],
    [sdk(400, "IMG.0196"), "forbidden", "copy-requires-acceptance"],
    [sdk(400, "IMG.0060"), "throttled", undefined],
    [sdk(429, "APIGW.0308"), "throttled", undefined],
    [sdk(429), "throttled", undefined],
    [sdk(401, "APIGW.0301"), "auth", undefined],
    [sdk(500, "IMG.0999"), "transient", undefined],
    [sdk(503), "transient", undefined],
    [sdk(undefined, undefined, "socket hang up"), "transient", undefined],
    [sdk(400, "IMG.0001"), "invalid", undefined],
  ];
  for (const [input, kind, rule] of cases) {
    it(`${input.httpStatusCode ?? "no answer"} ${input.errorCode ?? ""} -> ${kind}${rule ? ` (${rule})` : ""}`, () => {
      const e = fromSdkError(input, "op");
      assert.equal(e.kind, kind);
      assert.equal(e.rule, rule);
      if (input.errorCode) assert.equal(e.cloudCode, input.errorCode);
      assert.match(e.message, /^op: /);
    });
  }

  it("a failed member job with a known code is reported in that code's kind; an unknown one as job-failed", () => {
    const quota = fromJobFailure("j1", "IMG.0088", "too many members", "share");
    assert.equal(quota.kind, "quota-exceeded");
    assert.equal(quota.rule, "member-limit");
    const other = fromJobFailure("j2", "IMG.0024", "snapshot failed", "copy");
    assert.equal(other.kind, "job-failed");
    assert.match(other.message, /snapshot failed/);
    assert.ok(fromSdkError(new ImageServiceError("auth", "x"), "op") instanceof ImageServiceError);
  });
});
