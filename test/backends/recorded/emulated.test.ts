/**
 * Recorded-shape conformance the other way round: each emulator dialect plays the cloud of the
 * recorded cases (fixtures/<cloud>.json), answering the documented requests in the documented
 * shapes (emulated.ts says how the conversation is compared).
 */
import assert = require("node:assert/strict");
import type { Emulator } from "../../../provider/backends/emulator";
import { createAlibabaCloudDialect } from "../../../provider/backends/emulator/http/alicloud";
import type { WireFault } from "../../../provider/backends/emulator/http/base";
import type { Dialect } from "../../../provider/backends/emulator/http/dialect";
import { createHuaweiCloudDialect } from "../../../provider/backends/emulator/http/huaweicloud";
import { startEmulatorServer } from "../../../provider/backends/emulator/http/server";
import { createTencentCloudDialect } from "../../../provider/backends/emulator/http/tencentcloud";
import type { ProfileId } from "../../../provider/rules/model";
import { assertOutcome, BACKENDS, loadFixture, run } from "./cases";
import { compareConversation, recording, seed, shapeDifferences, withIds, worldOf, type EmulatedWorld, type Served } from "./emulated";
import type { Exchange } from "./replay";

/** Each cloud's dialect, its profile, and the key the case's backend signs with (cases.ts BACKENDS). */
const CLOUDS: Record<string, { profile: ProfileId; key: { accessKeyId: string; secret: string }; dialect(emulator: Emulator, fault: (action: string) => WireFault | undefined, world: EmulatedWorld): Dialect }> = {
  huaweicloud: {
    profile: "huaweicloud",
    key: { accessKeyId: "AKRECORDED", secret: "sk-recorded" },
    dialect: (emulator, fault, world) => createHuaweiCloudDialect(emulator, { fault: fault as never, memberJobPolls: world.memberJobPolls ?? 0, asyncRefusals: world.asyncRefusals ?? false }),
  },
  // Open Telekom Cloud is served by the IMS dialect too, on its own profile.
  opentelekomcloud: {
    profile: "opentelekomcloud",
    key: { accessKeyId: "AKRECORDED", secret: "sk-recorded" },
    dialect: (emulator, fault, world) => createHuaweiCloudDialect(emulator, { fault: fault as never, memberJobPolls: world.memberJobPolls ?? 0, asyncRefusals: world.asyncRefusals ?? false }),
  },
  alicloud: { profile: "alicloud", key: { accessKeyId: "LTAIRECORDED", secret: "recorded" }, dialect: (emulator, fault) => createAlibabaCloudDialect(emulator, { fault }) },
  tencentcloud: { profile: "tencentcloud", key: { accessKeyId: "AKIDRECORDED", secret: "recorded" }, dialect: (emulator, fault) => createTencentCloudDialect(emulator, { fault: fault as never }) },
};

for (const [cloud, spec] of Object.entries(CLOUDS)) {
  const fixture = loadFixture(cloud);
  if (!fixture) continue;
  describe(`recorded shapes the other way round: the emulator's ${cloud} dialect answers as the API reference`, function () {
    this.timeout(20_000);
    for (const c of fixture.cases) {
      const world = worldOf(fixture.emulator, c.emulator);
      if (world.skip) {
        it.skip(`${c.name} (not played: ${world.skip})`);
        continue;
      }
      it(c.name, async () => {
        const emulator = seed(spec.profile, world, spec.key);
        let requests = 0;
        const fault = () => world.faults?.[String(++requests)];
        const served: Served[] = [];
        const server = await startEmulatorServer({ dialects: [recording(spec.dialect(emulator, fault, world), served)] });
        try {
          const service = BACKENDS[cloud](server.url, c.options ?? {});
          let outcome: { result: unknown } | { error: unknown };
          try {
            outcome = { result: (await run(service, c.operation)) ?? null };
          } catch (e) {
            outcome = { error: e };
          }
          const ids = new Map<string, string>();
          assert.deepEqual(compareConversation(c.exchanges, served, world.absent, ids), [], "the emulator answers the documented conversation in the documented shapes");
          assertOutcome(withIds(world.outcome?.expect ?? c.expect, ids), outcome);
        } finally {
          await server.close();
        }
      });
    }
  });
}

describe("recorded shapes the other way round: the comparison itself fails where the emulator strays", () => {
  const exchange = (path: string, body: unknown, status = 200): Exchange => ({ source: "page", request: { method: "GET", path }, response: { status, body } });
  const served = (path: string, body: unknown, status = 200): Served => ({ request: { method: "GET", path, query: {}, headers: {}, body: undefined, raw: "" }, status, body });

  it("names a documented field left out, a JSON type changed, a state or code of another value", () => {
    assert.deepEqual(shapeDifferences({ a: { b: "x" } }, { a: {} }), ["body.a.b: documented string \"x\", the emulator leaves it out"]);
    assert.deepEqual(shapeDifferences({ ImageOwnerId: 12 }, { ImageOwnerId: "12" }), ['body.ImageOwnerId: documented number 12, the emulator answers string "12"']);
    assert.deepEqual(shapeDifferences({ Error: { Code: "OverQuota" } }, { Error: { Code: "InternalError" } }), ['body.Error.Code: documented "OverQuota", the emulator "InternalError"']);
    assert.deepEqual(shapeDifferences({ items: [{ id: "a" }] }, { items: [] }), ["body.items: documented 1 item(s), the emulator none"]);
    assert.deepEqual(shapeDifferences({ a: 1, extra: null }, { a: 2, more: true }), [], "more fields than the page, other numbers, a documented null: the same shape");
  });

  it("names a documented exchange that did not take place, another status, a request after the conversation", () => {
    const page = [exchange("/a", { x: 1 }), exchange("/b", { y: "s" })];
    assert.deepEqual(compareConversation(page, [served("/a", { x: 2 }), served("/b", { y: "t" })]), []);
    assert.match(compareConversation(page, [served("/a", { x: 1 })]).join("\n"), /exchange 2 \(GET \/b, page\) did not take place: the backend stopped/);
    assert.match(compareConversation(page, [served("/a", { x: 1 }, 404), served("/b", { y: "s" })]).join("\n"), /documented HTTP 200, the emulator 404/);
    assert.match(compareConversation(page, [served("/a", { x: 1 }), served("/b", { y: "s" }), served("/c", {})]).join("\n"), /sent GET \/c after the documented conversation/);
    assert.deepEqual(compareConversation(page, [served("/a", { x: 1 })], [{ exchange: 1, why: "not played" }]), [], "an exchange the world marks absent");
  });

  it("learns the emulator's own ids from an answer and expects them in later requests", () => {
    const ids = new Map<string, string>();
    const page = [exchange("/jobs", { job_id: "page-job" }), exchange("/jobs/page-job", { status: "SUCCESS" })];
    assert.deepEqual(compareConversation(page, [served("/jobs", { job_id: "our-job" }), served("/jobs/our-job", { status: "SUCCESS" })], [], ids), []);
    assert.equal(ids.get("page-job"), "our-job");
    assert.deepEqual(withIds({ id: "page-job" }, ids), { id: "our-job" });
    assert.notDeepEqual(compareConversation(page, [served("/jobs", { job_id: "our-job" }), served("/jobs/page-job", { status: "SUCCESS" })]), []);
  });
});
