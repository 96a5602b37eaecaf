import assert = require("node:assert/strict");
import fc = require("fast-check");
import { createAlibabaCloudImageService } from "../../provider/backends/alicloud";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { TinyAlibabaModel } from "./alicloudModel";

const OWNER = "1000000000000001";
const POOL = Array.from({ length: 30 }, (_, i) => String(3000000000000000 + i));

describe("alicloud backend: random member changes over HTTP converge", () => {
  let server: EmulatorServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("any add/remove sequence at any batch size leaves exactly the expected members, in the fewest calls of at most 10", async () => {
    const op = fc.record({ change: fc.constantFrom("add" as const, "remove" as const), ids: fc.subarray(POOL, { maxLength: 30 }) });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 10 }), fc.array(op, { minLength: 1, maxLength: 6 }), async (batchSize, ops) => {
        const model = new TinyAlibabaModel();
        model.memberLimit = 100;
        model.addAccessKey("AK", "SK", OWNER);
        POOL.forEach((id) => model.addAccount(id));
        model.addImage({ id: "m-1", region: "cn-hangzhou", owner: OWNER, kind: "system", name: "n" });
        await server?.close();
        server = await startEmulatorServer({ dialects: [createAlibabaCloudDialect(model)] });
        const service = createAlibabaCloudImageService({ region: "cn-hangzhou", endpoint: server.url, accessKeyId: "AK", accessKeySecret: "SK", batchSize, env: {} });
        const expected = new Set<string>();
        for (const { change, ids } of ops) {
          const needed = ids.filter((id) => (change === "add" ? !expected.has(id) : expected.has(id))).length;
          model.changes.length = 0;
          const members = ids.map((id) => ({ type: "account" as const, id }));
          const result = change === "add" ? await service.addMembers("m-1", members) : await service.removeMembers("m-1", members);
          for (const id of ids) change === "add" ? expected.add(id) : expected.delete(id);
          assert.equal(result.calls, Math.ceil(needed / batchSize));
          assert.equal(model.changes.length, result.calls);
          assert.ok(model.changes.every((c) => c.ids.length <= Math.min(batchSize, 10)));
          assert.deepEqual(model.members("m-1").sort(), [...expected].sort());
        }
      }),
      { numRuns: 25 },
    );
  });
});
