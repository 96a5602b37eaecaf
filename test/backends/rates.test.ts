/**
 * The clouds' documented request rates (the profile table's `rates`): the real backends send
 * independent batches concurrently up to an API's rate and never faster, and a throttled answer
 * is retried within the deadline. Measured by the served emulator: a recording dialect notes when
 * each request arrives and answers the cloud's throttling error to any request past the documented
 * rate in a window, as the cloud does. No assertion on elapsed time.
 */
import assert = require("node:assert/strict");
import { ImageServiceError } from "../../provider/backends/errors";
import { RateLimiter, RateLimits, withRetry } from "../../provider/backends/retry";
import { memoryEmulator, type Emulator } from "../../provider/backends/emulator";
import type { Dialect } from "../../provider/backends/emulator/http/dialect";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { createTencentCloudDialect, type TencentFault } from "../../provider/backends/emulator/http/tencentcloud";
import { createTencentCloudImageService, type TencentCloudOptions } from "../../provider/backends/tencentcloud";
import { createAlibabaCloudImageService } from "../../provider/backends/alicloud";
import { createAlibabaCloudDialect, type AlibabaFault } from "../../provider/backends/emulator/http/alicloud";
import { PROFILES } from "../../provider/rules/profiles";
import { PROFILE_IDS } from "../../provider/rules/model";

/** The most arrivals in any window of `ms` (times ascending). */
function busiestWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j] - times[i] >= ms) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

describe("documented request rates", () => {
  it("the profile table holds each rate with a source, and each is a positive count in a positive window", () => {
    for (const id of PROFILE_IDS) {
      const { rates, sources } = PROFILES[id];
      assert.ok(sources.rates && sources.rates.length > 0, `${id} names the source of its rates (or of their absence)`);
      for (const [api, rate] of Object.entries(rates)) assert.ok(rate.requests >= 1 && rate.perMs > 0, `${id} ${api}`);
    }
    assert.deepEqual(PROFILES.tencentcloud.rates.ModifyImageSharePermission, { requests: 10, perMs: 1000 });
  });

  it("RateLimiter: at most `requests` start in any window, a slot free again `perMs` after its answer (a scripted clock)", async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const limiter = new RateLimiter({ requests: 10, perMs: 1000 }, clock, {});
    const starts: number[] = [];
    for (let i = 0; i < 25; i++) {
      const answered = await limiter.take();
      starts.push(now);
      now += 5; // the round trip
      answered();
    }
    assert.ok(busiestWindow(starts, 1000) <= 10, `at most 10 starts in any second: ${starts.join(",")}`);
    assert.equal(starts.filter((t) => t < 1000).length, 10, "the first 10 start in the first second");
    assert.equal(starts[10], 1005, "the 11th starts when the first slot is free: 1000 ms after its answer");
  });

  it("RateLimiter: a slot whose request is unanswered is not reused", async () => {
    const limiter = new RateLimiter({ requests: 2, perMs: 1 });
    const a = await limiter.take();
    await limiter.take();
    let third = false;
    const pending = limiter.take().then((answered) => {
      third = true;
      answered();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(third, false, "both slots are held by unanswered requests");
    a();
    await pending;
    assert.equal(third, true);
  });

  it("IMAGE_SHARE_RATE_SCALE multiplies a rate (a raised quota); an API without a documented rate is not limited", async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const limiter = new RateLimiter({ requests: 10, perMs: 1000 }, clock, { IMAGE_SHARE_RATE_SCALE: "3" });
    for (let i = 0; i < 30; i++) (await limiter.take())();
    assert.equal(now, 0, "30 in the first second at three times the rate");
    const limits = new RateLimits({ Documented: { requests: 1, perMs: 60_000 } }, `test ${Math.random()}`);
    for (let i = 0; i < 100; i++) await limits.of("Undocumented", "r1").take();
    assert.equal(limits.concurrency("Undocumented", 10), 10);
    assert.equal(limits.concurrency("Documented", 10), 1);
  });

  it("withRetry waits for the limiter before every attempt, retries included", async () => {
    let takes = 0;
    let attempts = 0;
    const result = await withRetry(
      async () => {
        if (++attempts < 3) throw new ImageServiceError("throttled", "slow down");
        return "done";
      },
      { baseDelayMs: 1, maxDelayMs: 1, deadlineMs: 5_000, limiter: { take: async () => (takes++, () => {}) } },
    );
    assert.equal(result, "done");
    assert.equal(takes, 3);
  });
});

/** The dialect, counting the most requests it had in hand at once (`most`). */
function countingInFlight(inner: Dialect): Dialect & { readonly most: number } {
  let inFlight = 0;
  let most = 0;
  return {
    name: inner.name,
    matches: (request) => inner.matches(request),
    handle: async (request, body, response) => {
      most = Math.max(most, ++inFlight);
      try {
        await inner.handle(request, body, response);
      } finally {
        inFlight--;
      }
    },
    get most() {
      return most;
    },
  };
}

const OWNER = "100000000001";

function tencentWorld(accounts: number): Emulator {
  const emulator = memoryEmulator();
  emulator.addAccount({ id: OWNER, profile: "tencentcloud" });
  for (let i = 0; i < accounts; i++) emulator.addAccount({ id: String(200000000000 + i), profile: "tencentcloud" });
  emulator.addAccessKey({ accessKeyId: "AKIDowner", secret: "owner-secret", account: OWNER });
  emulator.addImage({ id: "img-golden01", profile: "tencentcloud", region: "ap-guangzhou", owner: OWNER, kind: "system", name: "golden" });
  emulator.configure({ memberLimits: { tencentcloud: { member: 500 } } });
  return emulator;
}

/**
 * A served Tencent CVM that records each request's arrival per action and, as the cloud does,
 * answers RequestLimitExceeded to a request past the documented rate of its action in the last
 * window. `script` may force throttling answers first.
 */
async function recordingTencent(emulator: Emulator) {
  const arrivals = new Map<string, number[]>();
  let throttled = 0;
  const script: TencentFault[] = [];
  const inner = createTencentCloudDialect(emulator, {
    fault: (action) => {
      const times = arrivals.get(action) ?? [];
      const now = Date.now();
      times.push(now);
      arrivals.set(action, times);
      const forced = script.shift();
      const rate = PROFILES.tencentcloud.rates[action];
      const over = rate !== undefined && times.filter((t) => t > now - rate.perMs).length > rate.requests;
      if (forced || over) throttled++;
      // 20 ms per answer, as a cloud takes: requests in flight together overlap at the server.
      return forced ?? (over ? { kind: "throttle" } : { kind: "latency", ms: 20 });
    },
  });
  const recording = countingInFlight(inner);
  const server = await startEmulatorServer({ dialects: [recording] });
  return {
    server,
    script,
    arrivals: (action: string) => arrivals.get(action) ?? [],
    get mostInFlight() {
      return recording.most;
    },
    get throttled() {
      return throttled;
    },
  };
}

describe("tencentcloud backend at ModifyImageSharePermission's documented rate (served emulator)", function () {
  this.timeout(30_000);
  let emulator: Emulator;
  let cvm: Awaited<ReturnType<typeof recordingTencent>>;
  let server: EmulatorServer;
  const service = (options: TencentCloudOptions = {}) =>
    createTencentCloudImageService({ region: "ap-guangzhou", endpoint: server.url, secretId: "AKIDowner", secretKey: "owner-secret", accountId: OWNER, ...options });
  const accounts = (n: number) => Array.from({ length: n }, (_, i) => ({ type: "account" as const, id: String(200000000000 + i) }));

  beforeEach(async () => {
    emulator = tencentWorld(30);
    cvm = await recordingTencent(emulator);
    server = cvm.server;
  });
  afterEach(() => server.close());

  it("sends 25 independent batches concurrently, never more than 10 in any second, and none is throttled", async () => {
    const result = await service({ batchSize: 1, concurrency: 64 }).addMembers("img-golden01", accounts(25));
    assert.equal(result.calls, 25);
    const times = cvm.arrivals("ModifyImageSharePermission");
    assert.equal(times.length, 25);
    assert.ok(busiestWindow(times, 1000) <= 10, `at most 10 arrivals in any second, got ${busiestWindow(times, 1000)}`);
    assert.equal(cvm.throttled, 0, "the cloud never had to throttle");
    assert.ok(cvm.mostInFlight > 1, "batches were in flight together");
    assert.ok(cvm.mostInFlight <= 10, `no more in flight than the rate lets start together (${cvm.mostInFlight})`);
    const members = await service().listMembers("img-golden01");
    assert.equal(members.items.length, 25);
  });

  it("two backends of the same key share the rate: together still at most 10 in any second", async () => {
    await Promise.all([
      service({ batchSize: 1 }).addMembers("img-golden01", accounts(12)),
      service({ batchSize: 1 }).addMembers("img-golden01", accounts(24).slice(12)),
    ]);
    const times = cvm.arrivals("ModifyImageSharePermission");
    assert.equal(times.length, 24);
    assert.ok(busiestWindow(times, 1000) <= 10, `at most 10 arrivals in any second, got ${busiestWindow(times, 1000)}`);
    assert.equal(cvm.throttled, 0);
  });

  it("a throttled answer (RequestLimitExceeded) is retried within the deadline and the batch lands", async () => {
    cvm.script.push({ kind: "throttle" }, { kind: "throttle" });
    await service({ retry: { baseDelayMs: 5, maxDelayMs: 20, deadlineMs: 10_000 } }).addMembers("img-golden01", accounts(3));
    assert.equal(cvm.arrivals("ModifyImageSharePermission").length, 3, "two throttled attempts, then the one that landed");
    assert.equal((await service().listMembers("img-golden01")).items.length, 3);
  });

  it("throttled past the deadline: the throttling error surfaces (kind throttled, the cloud's code), after retries", async () => {
    for (let i = 0; i < 1000; i++) cvm.script.push({ kind: "throttle" });
    await assert.rejects(service({ retry: { baseDelayMs: 10, maxDelayMs: 40, deadlineMs: 300 } }).addMembers("img-golden01", accounts(1)), (e: unknown) => {
      assert.ok(e instanceof ImageServiceError);
      assert.equal(e.kind, "throttled");
      assert.equal(e.cloudCode, "RequestLimitExceeded");
      return true;
    });
    assert.ok(cvm.arrivals("ModifyImageSharePermission").length > 1, "retried before giving up");
    cvm.script.length = 0;
    assert.equal((await service().listMembers("img-golden01")).items.length, 0);
  });
});

describe("alicloud backend: no documented rate, batches concurrently, Throttling.User retried (served emulator)", function () {
  this.timeout(30_000);
  it("26 batches of 10 go 10 at a time, and two throttled answers are retried", async () => {
    const emulator = memoryEmulator();
    emulator.addAccount({ id: "1000000000000001", profile: "alicloud" });
    for (let i = 0; i < 256; i++) emulator.addAccount({ id: String(2000000000000000 + i), profile: "alicloud" });
    emulator.addAccessKey({ accessKeyId: "LTAIowner", secret: "owner-secret", account: "1000000000000001" });
    emulator.addImage({ id: "m-golden", profile: "alicloud", region: "cn-hangzhou", owner: "1000000000000001", kind: "system", name: "golden" });
    emulator.configure({ memberLimits: { alicloud: { member: 300 } } });
    const script: AlibabaFault[] = [{ kind: "throttle" }, { kind: "throttle" }];
    let writes = 0;
    const inner = createAlibabaCloudDialect(emulator, { fault: (action) => (action === "ModifyImageSharePermission" ? (writes++, script.shift() ?? { kind: "latency", ms: 20 }) : undefined) });
    const counting = countingInFlight(inner);
    const server = await startEmulatorServer({ dialects: [counting] });
    try {
      const service = createAlibabaCloudImageService({ region: "cn-hangzhou", endpoint: server.url, accessKeyId: "LTAIowner", accessKeySecret: "owner-secret", env: {}, retry: { baseDelayMs: 5, maxDelayMs: 20, deadlineMs: 10_000 } });
      const members = Array.from({ length: 256 }, (_, i) => ({ type: "account" as const, id: String(2000000000000000 + i) }));
      const result = await service.addMembers("m-golden", members);
      assert.equal(result.calls, 26);
      assert.equal(writes, 28, "26 batches, two of them sent again after Throttling.User");
      assert.ok(counting.most > 4 && counting.most <= 10, `up to 10 requests in flight (${counting.most})`);
      const { listAllMembers } = await import("../../provider/backends/types");
      assert.equal((await listAllMembers(service, "m-golden")).length, 256);
    } finally {
      await server.close();
    }
  });
});
