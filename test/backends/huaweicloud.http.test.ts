import assert = require("node:assert/strict");
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createImageService } from "../../provider/backends";
import { isImageServiceError, ImageServiceError } from "../../provider/backends/errors";
import { waitForJob } from "../../provider/backends/jobs";
import { listAllMembers } from "../../provider/backends/types";
import type { HuaweiFault } from "../../provider/backends/emulator/http/huaweicloud";
import { runServe } from "../../provider/backends/emulator/http/serve";
import { huaweiWorld, type HuaweiWorld } from "./huaweicloudWorld";

/** Sends a raw HTTP request and reads the answer. */
function send(url: string, method: string, path: string, headers: IncomingHttpHeaders, body = ""): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method, headers: headers as Record<string, string> }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function refusal(p: Promise<unknown>): Promise<ImageServiceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ImageServiceError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("huaweicloud IMS dialect and backend over HTTP", function () {
  this.timeout(30_000);
  let w: HuaweiWorld;
  afterEach(async () => {
    await w?.teardown();
  });

  describe("SDK-HMAC-SHA256 signatures", () => {
    /** Captures the next request the SDK sends (headers and body) by wrapping the dialect. */
    async function captured(): Promise<{ headers: IncomingHttpHeaders; method: string; path: string }> {
      const seen: { headers: IncomingHttpHeaders; method: string; path: string }[] = [];
      const original = w.server;
      void original;
      const http = await import("node:http");
      // Record through a tiny proxy: the SDK talks to it, it forwards to the emulator.
      const proxy = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          seen.push({ headers: { ...req.headers }, method: req.method ?? "GET", path: req.url ?? "/" });
          const fwd = httpRequest(new URL(req.url ?? "/", w.server.url), { method: req.method, headers: req.headers as Record<string, string> }, (r) => {
            res.writeHead(r.statusCode ?? 500, r.headers);
            r.pipe(res);
          });
          fwd.end(Buffer.concat(chunks));
        });
      });
      await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
      const port = (proxy.address() as { port: number }).port;
      try {
        // The Host header (signed) names the proxy: replays below send it unchanged.
        await w.serviceFor(w.ownerAccount, undefined, { endpoint: `http://127.0.0.1:${port}` }).getImage(w.systemImageId);
      } finally {
        proxy.close();
      }
      return seen[0];
    }

    it("accepts a request signed by the SDK, replayed unchanged", async () => {
      w = await huaweiWorld("huaweicloud");
      const req = await captured();
      const answer = await send(w.server.url, req.method, req.path, req.headers);
      assert.equal(answer.status, 200);
      assert.equal(answer.json.id, w.systemImageId);
    });

    it("refuses a tampered request with APIGW.0301 (HTTP 401) in the gateway's error shape", async () => {
      w = await huaweiWorld("huaweicloud");
      const req = await captured();
      // Another image id in the path: the signature no longer matches.
      const tampered = await send(w.server.url, req.method, req.path.replace(w.systemImageId, w.fullImageId), req.headers);
      assert.equal(tampered.status, 401);
      assert.equal(tampered.json.error_code, "APIGW.0301");
      assert.match(String(tampered.json.error_msg), /signature does not match/);
      // Another project than the one signed.
      const otherProject = await send(w.server.url, req.method, req.path, { ...req.headers, "x-project-id": w.recipientProject });
      assert.equal(otherProject.status, 401);
      // No Authorization at all.
      const { authorization: _drop, ...unsigned } = req.headers;
      void _drop;
      assert.equal((await send(w.server.url, req.method, req.path, unsigned)).status, 401);
    });

    it("refuses an expired signature and an unknown access key", async () => {
      w = await huaweiWorld("huaweicloud", { dialect: { now: () => Date.now() + 20 * 60_000 } });
      const e = await refusal(w.owner.getImage(w.systemImageId));
      assert.equal(e.kind, "auth");
      assert.equal(e.cloudCode, "APIGW.0301");
      assert.match(e.message, /expired/);
      await w.teardown();
      w = await huaweiWorld("huaweicloud");
      const unknown = await refusal(w.serviceFor(w.ownerAccount, undefined, { accessKey: "AKNOSUCHKEY" }).getImage(w.systemImageId));
      assert.equal(unknown.kind, "auth");
      assert.match(unknown.message, /does not exist/);
    });
  });

  describe("wire shapes", () => {
    it("GET /v2/images/{id}: __imagetype is shared for the owner's own image once shared, owner is the project; the backend compares the owner", async () => {
      w = await huaweiWorld("huaweicloud");
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      const image = await w.owner.getImage(w.systemImageId);
      assert.equal(image.sharedWithCaller, false);
      assert.equal(image.owner, w.ownerAccount);
      assert.equal(image.ownerProject, w.ownerProject);
      const seen = await w.recipient.getImage(w.systemImageId);
      assert.equal(seen.sharedWithCaller, true);
      assert.equal(seen.ownerProject, w.ownerProject);
      assert.equal(seen.owner, w.ownerAccount, "a known project's account");
      const unknown = w.serviceFor(w.recipient2Member.type === "account" ? w.recipient2Member.id : w.ownerAccount, undefined, { projectAccounts: {} });
      await w.owner.addMembers(w.systemImageId, [w.recipient2Member]);
      assert.equal((await unknown.getImage(w.systemImageId)).owner, w.ownerProject, "an unknown project stands for its account");
      assert.equal((await w.owner.getImage(w.fullImageId)).kind, "full");
    });

    it("member changes are jobs: each add is POST /v1/cloudimages/members then GET /v1/{project_id}/jobs/{job_id} until SUCCESS", async () => {
      w = await huaweiWorld("huaweicloud", { dialect: { memberJobPolls: 2 } });
      const extra = await w.extraMembers(3);
      const result = await w.owner.addMembers(w.systemImageId, extra);
      assert.equal(result.calls, 1);
      const posts = w.requests.filter((r) => r === "POST /v1/cloudimages/members");
      const polls = w.requests.filter((r) => r.startsWith(`GET /v1/${w.ownerProject}/jobs/`));
      assert.equal(posts.length, 1);
      assert.equal(polls.length, 3, "RUNNING twice, then SUCCESS");
      const members = await listAllMembers(w.owner, w.systemImageId);
      assert.deepEqual(members.map((m) => m.type), ["account", "account", "account"], "domain members read back as accounts");
      assert.ok(members.every((m) => m.status === "pending"));
    });

    it("an add of members already present sends no request; a removal of members already gone neither", async () => {
      w = await huaweiWorld("huaweicloud");
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      w.requests.length = 0;
      assert.equal((await w.owner.addMembers(w.systemImageId, [w.recipientMember])).calls, 0);
      assert.deepEqual(w.requests, [`GET /v2/images/${w.systemImageId}/members`]);
      await w.owner.removeMembers(w.systemImageId, [w.recipientMember]);
      w.requests.length = 0;
      assert.equal((await w.owner.removeMembers(w.systemImageId, [w.recipientMember])).calls, 0);
      assert.deepEqual(w.requests, [`GET /v2/images/${w.systemImageId}/members`]);
    });

    it("projects and accounts go in separate calls (projects[] / domains[])", async () => {
      w = await huaweiWorld("huaweicloud");
      const result = await w.owner.addMembers(w.systemImageId, [w.recipientMember, { type: "project", id: w.recipientProject }]);
      assert.equal(result.calls, 2);
      const keys = (await listAllMembers(w.owner, w.systemImageId)).map((m) => `${m.type}:${m.id}`).sort();
      assert.deepEqual(keys, [`account:${w.recipientMember.id}`, `project:${w.recipientProject}`].sort());
    });

    it("opentelekomcloud refuses account members before any request", async () => {
      w = await huaweiWorld("opentelekomcloud");
      w.requests.length = 0;
      const e = await refusal(w.owner.addMembers(w.systemImageId, [{ type: "account", id: w.ownerAccount }]));
      assert.equal(e.kind, "invalid");
      assert.match(e.message, /projects only/);
      assert.deepEqual(w.requests, []);
    });

    it("a re-share by a recipient surfaces IMG.0047 with rule reshare-forbidden; a replicate before accepting IMG.0196 with copy-requires-acceptance", async () => {
      w = await huaweiWorld("huaweicloud");
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      const reshare = await refusal(w.recipient.addMembers(w.systemImageId, [w.recipient2Member]));
      assert.equal(reshare.cloudCode, "IMG.0047");
      assert.equal(reshare.rule, "reshare-forbidden");
      const early = await refusal(w.recipient.copyImage({ imageId: w.systemImageId, region: "cn-north-4", name: "replica" }));
      assert.equal(early.cloudCode, "IMG.0196");
      assert.equal(early.rule, "copy-requires-acceptance");
      assert.match(early.message, /accept/);
    });

    it("a refusal reported by a failing member job surfaces like a synchronous one (IMG.0088, member-limit)", async () => {
      w = await huaweiWorld("huaweicloud", { dialect: { asyncRefusals: true } });
      const extra = await w.extraMembers(11);
      await w.owner.addMembers(w.fullImageId, extra.slice(0, 10));
      w.requests.length = 0;
      const e = await refusal(w.owner.addMembers(w.fullImageId, extra.slice(10)));
      assert.equal(e.kind, "quota-exceeded");
      assert.equal(e.cloudCode, "IMG.0088");
      assert.equal(e.rule, "member-limit");
      assert.ok(w.requests.includes("POST /v1/cloudimages/members"), "the request was accepted");
      assert.ok(w.requests.some((r) => r.startsWith(`GET /v1/${w.ownerProject}/jobs/`)), "the refusal came from the job");
    });

    it("a job that reports its projects one by one (SUCCESS, one failed in entities.results): the others are added, the error names the failed one", async () => {
      w = await huaweiWorld("opentelekomcloud", { dialect: { asyncRefusals: "per-member" } });
      const extra = await w.extraMembers(11);
      await w.owner.addMembers(w.fullImageId, extra.slice(0, 9));
      const e = await refusal(w.owner.addMembers(w.fullImageId, extra.slice(9)));
      assert.equal(e.kind, "job-failed");
      assert.match(e.message, new RegExp(extra[10].id));
      assert.doesNotMatch(e.message, new RegExp(extra[9].id));
      const members = (await listAllMembers(w.owner, w.fullImageId)).map((m) => m.id);
      assert.deepEqual(members.sort(), extra.slice(0, 10).map((m) => m.id).sort(), "the project within the limit was added");
    });

    it("a failed copy job reports IMS's error_code and fail_reason", async () => {
      w = await huaweiWorld("huaweicloud");
      w.emulator.setFaults({ failJobs: 1 });
      const job = await w.owner.copyImage({ imageId: w.systemImageId, region: w.otherRegion, name: "will-fail" });
      const e = await refusal(waitForJob(w.owner, job.id, { pollMs: 20, maxPollMs: 100, timeoutMs: 10_000 }));
      assert.equal(e.kind, "job-failed");
      assert.equal(e.cloudCode, "IMG.0024");
      assert.match(e.message, /snapshot/);
    });
  });

  describe("faults on the wire", () => {
    it("dropped connections are retried to success", async () => {
      w = await huaweiWorld("huaweicloud");
      const extra = await w.extraMembers(10);
      w.emulator.setFaults({ dropEvery: 2 });
      await w.owner.addMembers(w.systemImageId, extra);
      w.emulator.clearFaults();
      assert.equal((await listAllMembers(w.owner, w.systemImageId)).length, 10);
    });

    it("both throttling answers (HTTP 429 APIGW.0308, IMG.0060), a gateway 503 and latency are retried to success", async () => {
      const script: (HuaweiFault | undefined)[] = [{ kind: "throttle" }, { kind: "throttle" }, { kind: "http-status", status: 503 }, { kind: "latency", ms: 30 }, { kind: "internal-error" }];
      const seen: string[] = [];
      w = await huaweiWorld("huaweicloud", {
        dialect: {
          fault: (action) => {
            seen.push(action);
            return script.shift();
          },
        },
      });
      await w.owner.addMembers(w.systemImageId, [w.recipientMember]);
      assert.equal(script.length, 0, "every scripted fault was met");
      assert.deepEqual((await listAllMembers(w.owner, w.systemImageId)).map((m) => m.id), [w.recipientMember.id]);
    });

    it("throttling past the retry deadline surfaces as throttled, retryable", async () => {
      w = await huaweiWorld("huaweicloud", { dialect: { fault: () => ({ kind: "throttle" }) } });
      const svc = w.serviceFor(w.ownerAccount, undefined, { retry: { baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 200 } });
      const e = await refusal(svc.getImage(w.systemImageId));
      assert.equal(e.kind, "throttled");
      assert.ok(e.retryable);
      assert.ok(e.cloudCode === "APIGW.0308" || e.cloudCode === "IMG.0060");
    });
  });

  describe("createImageService", () => {
    it("builds the IMS backend for backend huaweicloud, acting as the identity's project", async () => {
      w = await huaweiWorld("huaweicloud");
      const svc = createImageService({
        backend: "huaweicloud",
        profile: "huaweicloud",
        region: "cn-north-4",
        account: w.ownerAccount,
        project: w.ownerProject,
        endpoint: w.server.url,
        accessKey: `AK${w.ownerProject.toUpperCase()}`,
        secretKey: `sk-${w.ownerProject}`,
      });
      assert.equal(svc.profile, "huaweicloud");
      assert.equal((await svc.getImage(w.systemImageId)).name, "golden-system");
      assert.throws(
        () => createImageService({ backend: "opentelekomcloud", profile: "huaweicloud", region: "eu-de", account: "x", accessKey: "a", secretKey: "b", projectId: "p" }),
        (e: unknown) => isImageServiceError(e, "invalid"),
      );
    });
  });

  describe("image-share emulator serve", () => {
    it("refuses bad arguments with exit code 2 and the usage", async () => {
      const writes: string[] = [];
      const original = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => {
        writes.push(String(chunk));
        return true;
      }) as typeof process.stderr.write;
      try {
        assert.equal(await runServe([]), 2);
        assert.equal(await runServe(["--port", "http"]), 2);
        assert.equal(await runServe(["--port", "0", "--host", "0.0.0.0"]), 2);
      } finally {
        process.stderr.write = original;
      }
      assert.match(writes.join(""), /--port is required/);
      assert.match(writes.join(""), /loopback/);
    });
  });
});
