import assert = require("node:assert/strict");
import { createHash, createHmac } from "node:crypto";
import { request as httpRequest } from "node:http";
import cvmSdk = require("tencentcloud-sdk-nodejs-cvm");
import { ImageServiceError } from "../../provider/backends/errors";
import type { DialectService } from "../../provider/backends/emulator/http/base";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { createTencentCloudDialect, type TencentDialectEmulator } from "../../provider/backends/emulator/http/tencentcloud";
import { createTencentCloudImageService } from "../../provider/backends/tencentcloud";

// Signature checks need only the access keys: the image service behind them knows no images.
const KEYS: Record<string, { secret: string; account: string }> = {
  AKIDplatform: { secret: "platform-secret", account: "100000000001" },
};
const calls: string[] = [];
const noImages: DialectService = new Proxy({} as DialectService, {
  get(_target, property) {
    if (property === "profile") return "tencentcloud";
    if (property === "region") return "ap-guangzhou";
    return async (...args: unknown[]) => {
      calls.push(String(property));
      if (property === "listImages") return [];
      throw new ImageServiceError("not-found", `no image ${String(args[0])}`);
    };
  },
});
const emulator: TencentDialectEmulator = {
  findAccessKey: (id) => KEYS[id],
  service: () => noImages,
};

function sdkClient(url: string, secretId: string, secretKey: string) {
  return new cvmSdk.cvm.v20170312.Client({
    credential: { secretId, secretKey },
    region: "ap-guangzhou",
    profile: { httpProfile: { endpoint: url.replace(/^http:\/\//, ""), protocol: "http://" } },
  });
}

/** Signs like the SDK does (TC3-HMAC-SHA256, host without port), for hand-made requests. */
function sign(opts: { secretId: string; secret: string; body: string; timestamp: number; service: string; host: string }): string {
  const date = new Date(opts.timestamp * 1000).toISOString().slice(0, 10);
  const hash = (s: string) => createHash("sha256").update(s).digest("hex");
  const canonical = ["POST", "/", "", `content-type:application/json\nhost:${opts.host}\n`, "content-type;host", hash(opts.body)].join("\n");
  const toSign = `TC3-HMAC-SHA256\n${opts.timestamp}\n${date}/${opts.service}/tc3_request\n${hash(canonical)}`;
  const h = (k: string | Buffer, d: string) => createHmac("sha256", k).update(d).digest();
  const key = h(h(h(`TC3${opts.secret}`, date), opts.service), "tc3_request");
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return `TC3-HMAC-SHA256 Credential=${opts.secretId}/${date}/${opts.service}/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
}

function post(server: EmulatorServer, headers: Record<string, string>, body: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}/`, { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("tencentcloud dialect: TC3-HMAC-SHA256 verification", () => {
  let server: EmulatorServer;
  before(async () => {
    server = await startEmulatorServer({ dialects: [createTencentCloudDialect(emulator)] });
  });
  after(() => server.close());

  it("accepts the SDK's own signature on an IP endpoint (service \"127\" in the credential scope)", async () => {
    calls.length = 0;
    const answer = await sdkClient(server.url, "AKIDplatform", "platform-secret").DescribeImages({ ImageIds: ["img-00000001"] });
    assert.deepEqual(answer.ImageSet, []);
    assert.equal(answer.TotalCount, 0);
    assert.ok(answer.RequestId);
    assert.deepEqual(calls, ["listImages"]);
  });

  it("refuses a wrong secret with AuthFailure.SignatureFailure, before touching the model", async () => {
    calls.length = 0;
    await assert.rejects(sdkClient(server.url, "AKIDplatform", "wrong-secret").DescribeImages({ ImageIds: ["img-00000001"] }), (e: any) => {
      assert.equal(e.code, "AuthFailure.SignatureFailure");
      return true;
    });
    assert.deepEqual(calls, []);
  });

  it("refuses an unknown SecretId with AuthFailure.SecretIdNotFound", async () => {
    await assert.rejects(sdkClient(server.url, "AKIDnobody", "x").DescribeImages({ ImageIds: ["img-00000001"] }), (e: any) => e.code === "AuthFailure.SecretIdNotFound");
  });

  it("the adapter surfaces a bad signature as an auth error naming the cloud's code", async () => {
    const service = createTencentCloudImageService({ region: "ap-guangzhou", endpoint: server.url, secretId: "AKIDplatform", secretKey: "nope", retry: { deadlineMs: 1000 } });
    await assert.rejects(service.getImage("img-00000001"), (e: unknown) => {
      assert.ok(e instanceof ImageServiceError);
      assert.equal(e.kind, "auth");
      assert.equal(e.cloudCode, "AuthFailure.SignatureFailure");
      assert.equal(e.retryable, false);
      return true;
    });
  });

  it("refuses a body other than the one signed", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signed = JSON.stringify({ ImageIds: ["img-00000001"] });
    const authorization = sign({ secretId: "AKIDplatform", secret: "platform-secret", body: signed, timestamp, service: "cvm", host: "127.0.0.1" });
    const headers = { authorization, "x-tc-action": "DescribeImages", "x-tc-version": "2017-03-12", "x-tc-region": "ap-guangzhou", "x-tc-timestamp": String(timestamp) };
    const good = await post(server, headers, signed);
    assert.equal(good.status, 200);
    assert.equal(good.json.Response.Error, undefined);
    const tampered = await post(server, headers, JSON.stringify({ ImageIds: ["img-00000002"] }));
    assert.equal(tampered.status, 200);
    assert.equal(tampered.json.Response.Error.Code, "AuthFailure.SignatureFailure");
    assert.ok(tampered.json.Response.RequestId);
  });

  it("refuses a signature for another service than the one in the scope, and an expired timestamp", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ ImageIds: ["img-00000001"] });
    const authorization = sign({ secretId: "AKIDplatform", secret: "platform-secret", body, timestamp, service: "cvm", host: "127.0.0.1" });
    const base = { "x-tc-action": "DescribeImages", "x-tc-version": "2017-03-12", "x-tc-region": "ap-guangzhou", "x-tc-timestamp": String(timestamp) };
    const wrongScope = authorization.replace("/cvm/tc3_request", "/cbs/tc3_request");
    assert.equal((await post(server, { ...base, authorization: wrongScope }, body)).json.Response.Error.Code, "AuthFailure.SignatureFailure");
    const old = timestamp - 3600;
    const stale = sign({ secretId: "AKIDplatform", secret: "platform-secret", body, timestamp: old, service: "cvm", host: "127.0.0.1" });
    const expired = await post(server, { ...base, "x-tc-timestamp": String(old), authorization: stale }, body);
    assert.equal(expired.json.Response.Error.Code, "AuthFailure.SignatureExpire");
  });

  it("answers a missing Authorization, an unknown action and an unknown version in Tencent's error shape", async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const body = "{}";
    const base = { "x-tc-version": "2017-03-12", "x-tc-region": "ap-guangzhou", "x-tc-timestamp": String(timestamp) };
    const none = await post(server, { ...base, "x-tc-action": "DescribeImages" }, body);
    assert.equal(none.json.Response.Error.Code, "AuthFailure.InvalidAuthorization");
    const authorization = sign({ secretId: "AKIDplatform", secret: "platform-secret", body, timestamp, service: "cvm", host: "127.0.0.1" });
    const unknown = await post(server, { ...base, authorization, "x-tc-action": "RunInstances" }, body);
    assert.equal(unknown.json.Response.Error.Code, "InvalidAction");
    const version = await post(server, { ...base, authorization, "x-tc-action": "DescribeImages", "x-tc-version": "2099-01-01" }, body);
    assert.equal(version.json.Response.Error.Code, "NoSuchVersion");
  });
});
