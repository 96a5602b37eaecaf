import assert = require("node:assert/strict");
import fc = require("fast-check");
import { ImageServiceError } from "../../provider/backends/errors";
import { listAllMembers } from "../../provider/backends/types";
import type { Dialect } from "../../provider/backends/emulator/http/dialect";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { createTencentCloudDialect, type TencentFault } from "../../provider/backends/emulator/http/tencentcloud";
import { createTencentCloudImageService, type TencentCloudOptions } from "../../provider/backends/tencentcloud";
import { createImageService } from "../../provider/backends";
import { memoryEmulator, type Emulator } from "../../provider/backends/emulator";
import { allDialects } from "../../provider/backends/emulator/http/serve";

// Dialect-specific behaviour of the adapter over HTTP, on the emulator's model of Tencent's rules.
const PLATFORM = "100000000001";
const TEAM = "100000000002";
const instantRetry: TencentCloudOptions["retry"] = { baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 10_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function seededEmulator(extraAccounts = 120): Emulator {
  const emulator = memoryEmulator();
  for (const id of [PLATFORM, TEAM]) emulator.addAccount({ id, profile: "tencentcloud" });
  for (let i = 0; i < extraAccounts; i++) emulator.addAccount({ id: String(200000000000 + i), profile: "tencentcloud" });
  emulator.addAccessKey({ accessKeyId: "AKIDplatform", secret: "platform-secret", account: PLATFORM });
  emulator.addAccessKey({ accessKeyId: "AKIDteam", secret: "team-secret", account: TEAM });
  emulator.addImage({ id: "img-golden01", profile: "tencentcloud", region: "ap-guangzhou", owner: PLATFORM, kind: "system", name: "golden" });
  emulator.addImage({ id: "img-wholevm1", profile: "tencentcloud", region: "ap-guangzhou", owner: PLATFORM, kind: "full", name: "whole" });
  return emulator;
}

describe("tencentcloud adapter over HTTP: batching, idempotency, copies", () => {
  let emulator: Emulator;
  let server: EmulatorServer;
  let maxAccountsPerCall: number | undefined;
  let wireFaults: TencentFault[] | undefined;
  let requests: Map<string, number>;
  const count = (action: string) => requests.get(action) ?? 0;
  const service = (account = PLATFORM, options: TencentCloudOptions = {}) =>
    createTencentCloudImageService({
      region: "ap-guangzhou",
      endpoint: server.url,
      secretId: account === PLATFORM ? "AKIDplatform" : "AKIDteam",
      secretKey: account === PLATFORM ? "platform-secret" : "team-secret",
      retry: instantRetry,
      ...options,
    });

  beforeEach(async () => {
    emulator = seededEmulator();
    maxAccountsPerCall = undefined;
    wireFaults = undefined;
    requests = new Map();
    const inner = createTencentCloudDialect(emulator, {
      get maxAccountsPerCall() {
        return maxAccountsPerCall;
      },
      // A scripted list of faults when a test sets one, else the emulator's own schedule.
      fault: (action) => (wireFaults ? wireFaults.shift() : emulator.takeFault(action)),
    });
    // Counts requests per action on the wire.
    const counting: Dialect = {
      name: inner.name,
      matches: (request) => inner.matches(request),
      handle: (request, body, response) => {
        const action = String(request.headers["x-tc-action"]);
        requests.set(action, count(action) + 1);
        return inner.handle(request, body, response);
      },
    };
    server = await startEmulatorServer({ dialects: [counting] });
  });
  afterEach(() => server.close());

  const accounts = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ type: "account" as const, id: String(200000000000 + from + i) }));

  it("reads an image's kind from its snapshots and its owner from ImageCreator", async () => {
    const golden = await service().getImage("img-golden01");
    assert.equal(golden.kind, "system");
    assert.equal(golden.owner, PLATFORM);
    assert.equal(golden.sharedWithCaller, false);
    assert.equal(golden.status, "available");
    assert.equal((await service().getImage("img-wholevm1")).kind, "full");
    await assert.rejects(service().getImage("img-nothere1"), (e: unknown) => e instanceof ImageServiceError && e.kind === "not-found");
  });

  it("adds members in batches of batchSize, concurrently, and lists them in pages", async () => {
    const result = await service(PLATFORM, { batchSize: 10 }).addMembers("img-golden01", accounts(45));
    assert.equal(result.calls, 5);
    assert.equal(count("ModifyImageSharePermission"), 5);
    const page1 = await service().listMembers("img-golden01", { pageSize: 20 });
    assert.equal(page1.items.length, 20);
    assert.ok(page1.nextPageToken);
    assert.ok(page1.items.every((m) => m.status === "accepted" && m.type === "account"));
    const all = await listAllMembers(service(), "img-golden01");
    assert.deepEqual(all.map((m) => m.id).sort(), accounts(45).map((m) => m.id).sort());
  });

  it("is idempotent: re-adding present members costs one listing and no error; removing absent ones is success", async () => {
    await service().addMembers("img-golden01", accounts(5));
    const again = await service().addMembers("img-golden01", accounts(8));
    // SHARE refused (AccountAlreadyExists) -> list -> SHARE the 3 new ones.
    assert.equal(again.calls, 3);
    assert.equal((await listAllMembers(service(), "img-golden01")).length, 8);
    await service().removeMembers("img-golden01", accounts(3));
    await service().removeMembers("img-golden01", accounts(3));
    assert.equal((await listAllMembers(service(), "img-golden01")).length, 5);
  });

  it("splits a batch the cloud finds too large (InvalidParameterValue.LimitExceeded) in halves", async () => {
    maxAccountsPerCall = 4;
    const result = await service(PLATFORM, { batchSize: 10 }).addMembers("img-golden01", accounts(10));
    assert.equal((await listAllMembers(service(), "img-golden01")).length, 10);
    // 10 refused -> 5 refused -> 3 + 2, twice.
    assert.equal(result.calls, 7);
  });

  it("surfaces OverQuota as quota-exceeded with rule member-limit, at once", async () => {
    await assert.rejects(service(PLATFORM, { batchSize: 100 }).addMembers("img-golden01", accounts(51)), (e: unknown) => {
      assert.ok(e instanceof ImageServiceError);
      assert.equal(e.kind, "quota-exceeded");
      assert.equal(e.rule, "member-limit");
      assert.equal(e.cloudCode, "OverQuota");
      assert.match(e.message, /limits\.member/);
      return true;
    });
    assert.equal(count("ModifyImageSharePermission"), 1);
  });

  it("refuses self-share, re-share and acceptance with their rule ids", async () => {
    await assert.rejects(service().addMembers("img-golden01", [{ type: "account", id: PLATFORM }]), (e: unknown) => e instanceof ImageServiceError && e.rule === "self-share" && e.cloudCode === "FailedOperation.AccountIsYourSelf");
    await service().addMembers("img-golden01", [{ type: "account", id: TEAM }]);
    const team = service(TEAM);
    const seen = await team.getImage("img-golden01");
    assert.equal(seen.sharedWithCaller, true);
    await assert.rejects(team.addMembers("img-golden01", accounts(1)), (e: unknown) => e instanceof ImageServiceError && e.rule === "reshare-forbidden" && e.kind === "forbidden");
    await assert.rejects(team.setMemberStatus("img-golden01", { type: "account", id: TEAM }, "accepted"), (e: unknown) => e instanceof ImageServiceError && e.rule === "acceptance-unsupported");
    await assert.rejects(service().addMembers("img-golden01", [{ type: "project", id: "p1" }]), /accounts only/);
  });

  it("refuses to delete a shared image (delete-while-shared), deletes it once unshared", async () => {
    await service().addMembers("img-golden01", [{ type: "account", id: TEAM }]);
    await assert.rejects(service().deleteImage("img-golden01"), (e: unknown) => e instanceof ImageServiceError && e.rule === "delete-while-shared" && e.cloudCode === "InvalidImageId.InShared");
    await service().removeMembers("img-golden01", [{ type: "account", id: TEAM }]);
    await service().deleteImage("img-golden01");
    await assert.rejects(service().getImage("img-golden01"), (e: unknown) => e instanceof ImageServiceError && e.kind === "not-found");
  });

  it("copies to another region as a job polled to success; refuses same-region and shared-image copies", async () => {
    emulator.configure({ copyDurationMs: 600_000 });
    const slow = await service().copyImage({ imageId: "img-golden01", region: "ap-shanghai", name: "golden-sh-slow" });
    assert.equal(slow.status, "running");
    const syncing = await service().getJob(slow.id);
    assert.equal(syncing.status, "running");
    assert.equal(typeof syncing.progress, "number");
    // A copy still syncing cannot be shared yet (ImageState not NORMAL).
    await assert.rejects(service(PLATFORM, { region: "ap-shanghai" }).addMembers(slow.imageId!, [{ type: "account", id: TEAM }]), (e: unknown) => e instanceof ImageServiceError && e.kind === "conflict");
    emulator.configure({ copyDurationMs: 0 });
    const job = await service().copyImage({ imageId: "img-golden01", region: "ap-shanghai", name: "golden-sh" });
    assert.ok(job.imageId);
    let polled = await service().getJob(job.id);
    while (polled.status === "running") {
      await sleep(10);
      polled = await service().getJob(job.id);
    }
    assert.equal(polled.status, "succeeded");
    const copy = await service(PLATFORM, { region: "ap-shanghai" }).getImage(job.imageId!);
    assert.equal(copy.name, "golden-sh");
    await assert.rejects(service().copyImage({ imageId: "img-golden01", region: "ap-guangzhou" }), (e: unknown) => e instanceof ImageServiceError && e.rule === "copy-same-region");
    await service().addMembers("img-golden01", [{ type: "account", id: TEAM }]);
    await assert.rejects(service(TEAM).copyImage({ imageId: "img-golden01", region: "ap-shanghai" }), (e: unknown) => e instanceof ImageServiceError && e.rule === "copy-of-shared-image");
  });

  it("reports a failed copy with the cloud's state", async () => {
    emulator.setFaults({ failJobs: 1 });
    emulator.configure({ copyDurationMs: 20 });
    const job = await service().copyImage({ imageId: "img-golden01", region: "ap-shanghai" });
    let polled = await service().getJob(job.id);
    while (polled.status === "running") {
      await sleep(10);
      polled = await service().getJob(job.id);
    }
    assert.equal(polled.status, "failed");
    assert.match(polled.reason ?? "", /CREATEFAILED/);
  });

  it("retries throttling and server errors to success", async () => {
    wireFaults = [{ kind: "throttle" }, { kind: "internal-error" }, { kind: "throttle" }];
    const result = await service().addMembers("img-golden01", accounts(3));
    assert.equal(result.calls, 4);
    assert.equal((await listAllMembers(service(), "img-golden01")).length, 3);
  });

  it("retries dropped connections, gateway 5xx, slow answers and API-shaped throttling to success", async () => {
    wireFaults = [{ kind: "drop" }, { kind: "http-status", status: 503 }, { kind: "latency", ms: 20 }, { kind: "throttle" }, { kind: "internal-error" }];
    const result = await service().addMembers("img-golden01", accounts(2));
    // drop, 503, (slow but served: SHARE done)...
    assert.equal((await listAllMembers(service(), "img-golden01")).length, 2);
    assert.equal(result.calls, 3);
    // ...the listing above met throttle and internal-error and was retried too.
    assert.equal(wireFaults.length, 0);
  });

  it("is what createImageService builds for backend tencentcloud", async () => {
    const svc = createImageService({ backend: "tencentcloud", profile: "tencentcloud", region: "ap-guangzhou", account: PLATFORM, endpoint: server.url, secretId: "AKIDplatform", secretKey: "platform-secret" });
    assert.equal(svc.profile, "tencentcloud");
    assert.equal((await svc.getImage("img-golden01")).name, "golden");
    assert.throws(() => createImageService({ backend: "tencentcloud", profile: "alicloud", region: "ap-guangzhou", account: PLATFORM } as never), /backend tencentcloud serves profile tencentcloud, not alicloud/);
  });

  it("meets the emulator's own fault schedule on the wire and retries through it", async () => {
    emulator.setFaults({ throttleEvery: 3, serverErrorEvery: 4, dropEvery: 5, seed: 7 });
    await service(PLATFORM, { batchSize: 5 }).addMembers("img-golden01", accounts(30));
    await service().removeMembers("img-golden01", accounts(10));
    emulator.clearFaults();
    assert.equal((await listAllMembers(service(), "img-golden01")).length, 20);
  });

  it("gives up at the deadline with the retryable error's code", async () => {
    wireFaults = Array.from({ length: 50 }, () => ({ kind: "throttle" as const }));
    await assert.rejects(service(PLATFORM, { retry: { baseDelayMs: 1, maxDelayMs: 2, deadlineMs: 30 } }).getImage("img-golden01"), (e: unknown) => {
      assert.ok(e instanceof ImageServiceError);
      assert.equal(e.kind, "throttled");
      assert.equal(e.cloudCode, "RequestLimitExceeded");
      return true;
    });
  });
});

describe("tencentcloud adapter over HTTP: member changes converge (property)", () => {
  it("any sequence of adds and removes, at any batch size and cloud batch limit, leaves exactly the expected members", async () => {
    const PLATFORM_ID = "100000000001";
    const ids = Array.from({ length: 30 }, (_, i) => String(300000000000 + i));
    const step = fc.record({ add: fc.boolean(), members: fc.subarray(ids, { minLength: 0, maxLength: 30 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 12 }), fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }), async (steps, batchSize, cloudLimit) => {
        const emulator = memoryEmulator();
        emulator.addAccount({ id: PLATFORM_ID, profile: "tencentcloud" });
        for (const id of ids) emulator.addAccount({ id, profile: "tencentcloud" });
        emulator.addAccessKey({ accessKeyId: "AKIDplatform", secret: "platform-secret", account: PLATFORM_ID });
        emulator.addImage({ id: "img-prop0001", profile: "tencentcloud", region: "ap-guangzhou", owner: PLATFORM_ID, kind: "system", name: "p" });
        const server = await startEmulatorServer({ dialects: [createTencentCloudDialect(emulator, { maxAccountsPerCall: cloudLimit })] });
        try {
          // Convergence, not pacing (rates.test.ts): the emulator has no rate to keep to.
          const service = createTencentCloudImageService({ region: "ap-guangzhou", endpoint: server.url, secretId: "AKIDplatform", secretKey: "platform-secret", batchSize, retry: instantRetry, rates: {} });
          const expected = new Set<string>();
          for (const s of steps) {
            const members = s.members.map((id) => ({ type: "account" as const, id }));
            const result = s.add ? await service.addMembers("img-prop0001", members) : await service.removeMembers("img-prop0001", members);
            for (const id of s.members) s.add ? expected.add(id) : expected.delete(id);
            if (s.members.length === 0) assert.equal(result.calls, 0);
          }
          const actual = (await listAllMembers(service, "img-prop0001")).map((m) => m.id);
          assert.deepEqual(new Set(actual), expected);
          assert.equal(actual.length, expected.size);
        } finally {
          await server.close();
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe("tencentcloud dialect in `image-share emulator serve`", () => {
  it("is reached among every cloud's dialects", async () => {
    const emulator = seededEmulator(0);
    const server = await startEmulatorServer({ dialects: allDialects(emulator) });
    try {
      const service = createTencentCloudImageService({ region: "ap-guangzhou", endpoint: server.url, secretId: "AKIDplatform", secretKey: "platform-secret", retry: instantRetry });
      assert.equal((await service.getImage("img-wholevm1")).kind, "full");
      await service.addMembers("img-wholevm1", [{ type: "account", id: TEAM }]);
      assert.deepEqual(emulator.image("img-wholevm1")?.members, [{ type: "account", id: TEAM, status: "accepted" }]);
    } finally {
      await server.close();
    }
  });
});
