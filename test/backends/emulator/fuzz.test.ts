import assert = require("node:assert/strict");
import fc = require("fast-check");
import { createHash } from "node:crypto";
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { createAlibabaCloudImageService } from "../../../provider/backends/alicloud";
import { openEmulator } from "../../../provider/backends/emulator";
import { createHuaweiCloudImageService } from "../../../provider/backends/huaweicloud";
import { createTencentCloudImageService } from "../../../provider/backends/tencentcloud";
import { listAllMembers } from "../../../provider/backends/types";
import { alibabaSigned, huaweiSigned, raw, request, serve, tencentSigned, type RawAnswer, type Served } from "./wire";
import { seedServedWorld, WORLD, type SeededWorld } from "./servedWorld";

/**
 * Fuzzing `image-share emulator serve` (spawned, as users run it) with malformed request lines,
 * targets, headers, bodies and signatures, and with correctly signed requests of random
 * parameters to every dialect: each request must be answered (or its connection closed) by the
 * server, never with a defect; afterwards the process is alive, answers each cloud's SDK
 * correctly, nothing it should not have touched changed, and its peak memory stayed bounded.
 *
 * IMAGE_SHARE_SOAK_ITERATIONS sets the number of requests (default 1200 here: a few seconds).
 */
const REQUESTS = Number(process.env.IMAGE_SHARE_SOAK_ITERATIONS ?? 1200);
const BATCH = 12;
const SEED = Number(process.env.IMAGE_SHARE_FUZZ_SEED ?? 20261201);

type Kind = "garbage" | "malformed" | "headers" | "signed" | "tampered";
interface Case {
  kind: Kind;
  /** The request, built once the server's port is known. */
  build(port: number, url: string): Buffer;
  /** What the answer must be; returns a complaint, or undefined. */
  check?(answer: RawAnswer): string | undefined;
}

let world: SeededWorld;

// ---- building blocks ----

const anyText = fc.string({ unit: "binary", maxLength: 40 });
/** An image id: the world's (read when drawn: the world is seeded before the run), a tricky one, or any text. */
const knownImage = fc.constant(null).chain(() => fc.constantFrom(world.images.huawei, world.images.ali, world.images.tencent, world.sentinels.huawei, world.sentinels.ali, world.sentinels.tencent));
const id = () => fc.oneof(knownImage, fc.constantFrom("", " ", "..", "%", "__proto__", "constructor"), anyText);
const ids = () => fc.array(id(), { maxLength: 4 });
const accountIds = () => fc.array(fc.oneof(fc.constantFrom(...WORLD.huawei.recipients, ...WORLD.ali.recipients, ...WORLD.tencent.recipients, WORLD.ali.owner, WORLD.tencent.owner), anyText), { maxLength: 4 });
const jsonValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), ids(), fc.constantFrom(null, -1, 1.5, 1e300, "", true));
const bodyBytes = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.json({ maxDepth: 3 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
);
const DIALECT_HEADERS = [
  { "x-tc-action": "DescribeImages", "x-tc-version": "2017-03-12", "x-tc-region": "ap-guangzhou", "content-type": "application/json" },
  { "x-acs-action": "DescribeImages", "x-acs-version": "2014-05-26" },
  { authorization: "SDK-HMAC-SHA256 Access=AKFUZZHUAWEI0001, SignedHeaders=host;x-sdk-date, Signature=" + "0".repeat(64), "x-sdk-date": "20261201T000000Z" },
  {},
];
const headerName = fc.oneof(
  fc.constantFrom("authorization", "x-tc-action", "x-tc-version", "x-tc-region", "x-tc-timestamp", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-sdk-date", "x-project-id", "x-sdk-content-sha256", "content-type", "content-length", "transfer-encoding", "host", "expect", "connection"),
  fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/),
  fc.string({ minLength: 1, maxLength: 10 }),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom(
    "TC3-HMAC-SHA256 Credential=AKIDfuzzowner/2026-12-01/cvm/tc3_request, SignedHeaders=content-type;host, Signature=" + "f".repeat(64),
    "ACS3-HMAC-SHA256 Credential=LTAIfuzzowner,SignedHeaders=host;x-acs-action,Signature=ab",
    "SDK-HMAC-SHA256 Access=constructor, SignedHeaders=host;x-sdk-date, Signature=" + "0".repeat(64),
    "chunked",
    "-1",
    "99999999999999999999",
    "100-continue",
    "application/x-www-form-urlencoded",
  ),
  fc.nat({ max: 5000 }).map((n) => "x".repeat(n)),
);
const target = fc.oneof(
  fc.constantFrom("/", "//[", "http://[::1", "http://[::1]:1/", "*", "/v2/images/%E0%A4%A", "/v2/images/%", "/v2/images/x/members?limit=abc&marker=%%", "/v1/cloudimages/members", `/v1/${"a".repeat(32)}/jobs/%zz`, "/?Action=DescribeImages&SignatureVersion=1.0&Signature=x", "/?" + "a=b&".repeat(500), "/" + "x".repeat(8000)),
  fc.webPath(),
  fc.webUrl(),
  fc.string({ maxLength: 60 }).map((s) => `/${s}`),
  fc.string({ unit: "binary", maxLength: 60 }),
);
const method = fc.oneof(fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE"), fc.stringMatching(/^[A-Z]{1,12}$/), fc.string({ maxLength: 8 }));
const version = fc.oneof(fc.constant("HTTP/1.1"), fc.constantFrom("HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1", "", "http/1.1"), fc.string({ maxLength: 8 }));

/** No answer the server gives a well-formed request may be a defect (5xx, or a dialect's internal error). */
function noDefect(answer: RawAnswer): string | undefined {
  if (!answer.closedByServer) return "the server held the connection";
  if (answer.status !== undefined && answer.status >= 500 && answer.status !== 503) return `HTTP ${answer.status}`;
  if (/"emulator: |An internal error occurred:|"Code":"InternalError"/.test(answer.text)) return "a defect answered as an internal error";
  return undefined;
}

function refusedForSignature(answer: RawAnswer): string | undefined {
  const defect = noDefect(answer);
  if (defect) return defect;
  if (/APIGW\.0301|AuthFailure\.|SignatureDoesNotMatch|IncompleteSignature|InvalidTimeStamp|SignatureNonceUsed/.test(answer.text)) return undefined;
  return "a request changed after signing was not refused for its signature";
}

// ---- the five kinds of case ----

const garbage: fc.Arbitrary<Case> = fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => ({ kind: "garbage", build: () => Buffer.from(bytes), check: (a) => (a.closedByServer ? undefined : "held") }));

const malformed: fc.Arbitrary<Case> = fc.record({ method, target, version, headers: fc.constantFrom(...DIALECT_HEADERS), body: bodyBytes }).map((r) => ({
  kind: "malformed",
  build: () => {
    const head = `${r.method} ${r.target} ${r.version}\r\nhost: 127.0.0.1\r\n${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("")}connection: close\r\ncontent-length: ${r.body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, "latin1"), r.body]);
  },
  check: noDefect,
}));

const headers: fc.Arbitrary<Case> = fc
  .record({ base: fc.constantFrom(...DIALECT_HEADERS), extra: fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 }), body: bodyBytes, method: fc.constantFrom("GET", "POST", "PUT", "DELETE") })
  .map((r) => ({
    kind: "headers",
    build: () => {
      const lines = [...Object.entries(r.base), ...r.extra].map(([k, v]) => `${k}: ${v}\r\n`).join("");
      const head = `${r.method} / HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines}connection: close\r\ncontent-length: ${r.body.length}\r\n\r\n`;
      return Buffer.concat([Buffer.from(head, "latin1"), r.body]);
    },
    check: noDefect,
  }));

/** A signed request of a random cloud, action and parameters; `tamper` changes it after signing. */
function signed(tamper: boolean): fc.Arbitrary<Case> {
  const tencent = fc
    .record({
      action: fc.oneof(fc.constantFrom("DescribeImages", "DescribeImageSharePermission", "ModifyImageSharePermission", "SyncImages", "DeleteImages"), fc.string({ maxLength: 20 })),
      body: fc.oneof(
        fc.record(
          { ImageIds: fc.oneof(ids(), jsonValue), ImageId: fc.oneof(id(), jsonValue), AccountIds: fc.oneof(accountIds(), jsonValue), Permission: fc.oneof(fc.constantFrom("SHARE", "CANCEL"), jsonValue), DestinationRegions: fc.oneof(fc.constant(["ap-shanghai"]), jsonValue), Offset: jsonValue, Limit: jsonValue, Filters: jsonValue, DryRun: jsonValue, ImageName: jsonValue, ImageSetRequired: jsonValue },
          { requiredKeys: [] },
        ).map((o) => JSON.stringify(o)),
        fc.json({ maxDepth: 2 }),
        fc.string({ maxLength: 50 }),
      ),
      change: fc.constantFrom("body", "timestamp", "signature"),
    })
    .map(({ action, body, change }) => (_port: number) => {
      const h = tencentSigned({ action, region: WORLD.tencent.region, body, secretId: WORLD.tencent.ak, secret: WORLD.tencent.sk });
      if (!tamper) return request("POST", "/", h, body);
      if (change === "body") return request("POST", "/", h, `${body} `);
      if (change === "timestamp") return request("POST", "/", { ...h, "x-tc-timestamp": String(Number(h["x-tc-timestamp"]) - 1) }, body);
      return request("POST", "/", { ...h, authorization: h.authorization.replace(/.$/, (c) => (c === "0" ? "1" : "0")) }, body);
    });
  const alibaba = fc
    .record({
      action: fc.oneof(fc.constantFrom("DescribeImages", "DescribeImageSharePermission", "ModifyImageSharePermission", "CopyImage", "DeleteImage"), fc.string({ maxLength: 20 })),
      query: fc.record(
        { RegionId: fc.oneof(fc.constant(WORLD.ali.region), fc.string({ maxLength: 12 })), ImageId: id(), "AddAccount.1": fc.oneof(accountIds().map((a) => a[0] ?? ""), fc.string()), "RemoveAccount.1": fc.string({ maxLength: 20 }), PageSize: fc.string({ maxLength: 6 }), PageNumber: fc.string({ maxLength: 6 }), Status: fc.string({ maxLength: 20 }), DestinationRegionId: fc.oneof(fc.constant("cn-shanghai"), fc.string({ maxLength: 12 })), ClientToken: fc.string({ maxLength: 20 }), ImageOwnerAlias: fc.string({ maxLength: 8 }) },
        { requiredKeys: [] },
      ),
      nonce: fc.uuid(),
      change: fc.constantFrom("query", "action", "signature"),
    })
    .map(({ action, query, nonce, change }) => (port: number) => {
      const s = alibabaSigned({ action, query: query as Record<string, string>, accessKeyId: WORLD.ali.ak, secret: WORLD.ali.sk, port, nonce });
      if (!tamper) return request("POST", s.target, s.headers);
      if (change === "query") return request("POST", `${s.target}${s.target.includes("?") ? "&" : "?"}Tampered=1`, s.headers);
      if (change === "action") return request("POST", s.target, { ...s.headers, "x-acs-action": `${action}X` });
      return request("POST", s.target, { ...s.headers, authorization: s.headers.authorization.replace(/.$/, (c) => (c === "0" ? "1" : "0")) });
    });
  const segment = fc.oneof(id().map((x) => encodeURIComponent(x)), fc.constantFrom("%", "%zz", "..", "a%2Fb"));
  const huawei = fc
    .record({
      route: fc.oneof(
        segment.map((i): [string, string] => ["GET", `/v2/images/${i}`]),
        segment.map((i): [string, string] => ["DELETE", `/v2/images/${i}`]),
        segment.map((i): [string, string] => ["GET", `/v2/images/${i}/members`]),
        fc.constantFrom<[string, string]>(["POST", "/v1/cloudimages/members"], ["DELETE", "/v1/cloudimages/members"], ["PUT", "/v1/cloudimages/members"]),
        fc.tuple(segment, fc.constantFrom("copy", "cross_region_copy")).map(([i, api]): [string, string] => ["POST", `/v1/cloudimages/${i}/${api}`]),
        segment.map((j): [string, string] => ["GET", `/v1/${WORLD.huawei.project}/jobs/${j}`]),
        fc.tuple(fc.constantFrom("GET", "POST", "PATCH"), fc.webPath()).map(([m, p]): [string, string] => [m, p || "/v2/x"]),
      ),
      query: fc.record({ limit: fc.string({ maxLength: 6 }), marker: fc.string({ maxLength: 12 }) }, { requiredKeys: [] }),
      body: fc.oneof(
        fc.record(
          { images: fc.oneof(ids(), jsonValue), projects: fc.oneof(accountIds(), jsonValue), domains: fc.oneof(accountIds(), jsonValue), organizations: jsonValue, project_id: fc.oneof(fc.constant(WORLD.huawei.project), jsonValue), status: fc.oneof(fc.constantFrom("accepted", "rejected"), jsonValue), name: jsonValue, description: jsonValue, region: jsonValue, project_name: jsonValue, agency_name: jsonValue },
          { requiredKeys: [] },
        ),
        fc.constant(undefined),
      ),
      change: fc.constantFrom("path", "body", "hash", "signature"),
    })
    .map(({ route: [m, p], query, body, change }) => (_port: number, url: string) => {
      const s = huaweiSigned({ url, method: m, path: p, query: query as Record<string, string>, body, ak: WORLD.huawei.ak, sk: WORLD.huawei.sk, project: WORLD.huawei.project });
      if (!tamper) return request(m, s.target, s.headers, s.body);
      if (change === "path") return request(m, s.target.replace(/^[^?]*/, (p) => `${p}x`), s.headers, s.body);
      if (change === "body" || change === "hash") {
        const other = JSON.stringify({ images: [world.images.huawei], domains: [WORLD.huawei.recipients[1]] });
        const h = change === "hash" ? { ...s.headers, "x-sdk-content-sha256": createHash("sha256").update(s.body).digest("hex") } : s.headers;
        return request(m, s.target, h, other === s.body ? `${other} ` : other);
      }
      const auth = s.headers.Authorization ?? s.headers.authorization;
      return request(m, s.target, { ...s.headers, Authorization: auth.replace(/.$/, (c) => (c === "0" ? "1" : "0")) }, s.body);
    });
  return fc.oneof(tencent, alibaba, huawei).map((build) => ({ kind: tamper ? "tampered" : "signed", build, check: tamper ? refusedForSignature : noDefect }));
}

describe("emulator serve: fuzzed requests", function () {
  this.timeout(Math.max(120_000, REQUESTS * 100));
  let dir: string;
  let db: string;
  let served: Served;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-fuzz-"));
    db = path.join(dir, "emulator.db");
    world = seedServedWorld(db);
    served = await serve(db, ["--headers-timeout-ms", "1000", "--request-timeout-ms", "2000"]);
  });
  after(async () => {
    await served?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${REQUESTS} malformed, tampered and randomly signed requests, stays up, bounded, and answers correctly afterwards`, async () => {
    const before = served.rssMiB();
    const started = Date.now();
    const tried: Record<Kind, number> = { garbage: 0, malformed: 0, headers: 0, signed: 0, tampered: 0 };
    const statuses: Record<string, number> = {};
    const anyCase = fc.oneof({ arbitrary: garbage, weight: 1 }, { arbitrary: malformed, weight: 3 }, { arbitrary: headers, weight: 3 }, { arbitrary: signed(false), weight: 4 }, { arbitrary: signed(true), weight: 2 });
    await fc.assert(
      fc.asyncProperty(fc.array(anyCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const answers = await Promise.all(cases.map((c) => raw(served.port, c.build(served.port, served.url), { timeoutMs: 15_000 })));
        cases.forEach((c, i) => {
          tried[c.kind] += 1;
          const key = String(answers[i].status ?? (answers[i].error ? "reset" : "closed"));
          statuses[key] = (statuses[key] ?? 0) + 1;
          const complaint = c.check?.(answers[i]);
          assert.equal(complaint, undefined, `${c.kind} request ${JSON.stringify(c.build(served.port, served.url).toString("latin1").slice(0, 400))}: ${complaint}; answer ${JSON.stringify(answers[i].text.slice(0, 300))}`);
        });
        assert.ok(served.alive(), "the server process is alive");
      }),
      { numRuns: Math.ceil(REQUESTS / BATCH), seed: SEED, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    const peak = served.peakRssMiB();
    console.log(
      `      ${Object.values(tried).reduce((a, b) => a + b, 0)} requests in ${seconds.toFixed(1)} s (${JSON.stringify(tried)}); answers ${JSON.stringify(statuses)}; RSS before ${before?.toFixed(0)} MiB, peak ${peak?.toFixed(0)} MiB`,
    );
    assert.ok(served.alive());
    assert.doesNotMatch(served.stderr(), /internal error/);
    if (peak !== undefined && before !== undefined) assert.ok(peak - before < 120, `peak ${peak} MiB, ${before} MiB before`);

    // Afterwards each cloud's backend, on its SDK, is answered correctly, and the images no fuzzed
    // key could reach are as seeded.
    const retry = { baseDelayMs: 5, maxDelayMs: 50, deadlineMs: 10_000 };
    const huawei = createHuaweiCloudImageService({ profile: "huaweicloud", region: WORLD.huawei.region, endpoint: served.url, accessKey: WORLD.huaweiSentinel.ak, secretKey: WORLD.huaweiSentinel.sk, projectId: WORLD.huaweiSentinel.project, accountId: WORLD.huaweiSentinel.owner, retry, env: {} });
    const ali = createAlibabaCloudImageService({ region: WORLD.ali.region, endpoint: served.url, accessKeyId: WORLD.aliSentinel.ak, accessKeySecret: WORLD.aliSentinel.sk, retry, env: {} });
    const tencent = createTencentCloudImageService({ region: WORLD.tencent.region, endpoint: served.url, secretId: WORLD.tencentSentinel.ak, secretKey: WORLD.tencentSentinel.sk, retry });
    assert.equal((await huawei.getImage(world.sentinels.huawei)).name, "sentinel-huawei");
    assert.deepEqual((await listAllMembers(huawei, world.sentinels.huawei)).map((m) => m.id), [WORLD.huawei.recipients[0]]);
    assert.equal((await ali.getImage(world.sentinels.ali)).name, "sentinel-ali");
    assert.deepEqual((await listAllMembers(ali, world.sentinels.ali)).map((m) => m.id), [WORLD.ali.recipients[0]]);
    assert.equal((await tencent.getImage(world.sentinels.tencent)).name, "sentinel-tencent");
    assert.deepEqual((await listAllMembers(tencent, world.sentinels.tencent)).map((m) => m.id), [WORLD.tencent.recipients[0]]);
    // The state file is still a readable emulator state.
    assert.ok(openEmulator(db).snapshot().images.length >= 3);
  });
});
