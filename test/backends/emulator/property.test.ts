import assert = require("node:assert/strict");
import fc = require("fast-check");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { ImageServiceError } from "../../../provider/backends/errors";
import { memoryEmulator, openEmulator } from "../../../provider/backends/emulator";
import { listAllMembers, type MemberTarget } from "../../../provider/backends/types";

describe("emulator properties", () => {
  it("any sequence of adds and removes leaves exactly the expected members, never more than the limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ add: fc.boolean(), ids: fc.array(fc.integer({ min: 0, max: 69 }), { maxLength: 30 }) }), { maxLength: 12 }),
        async (ops) => {
          const e = memoryEmulator();
          e.addAccounts([{ id: "owner", profile: "alicloud" }, ...Array.from({ length: 70 }, (_, i) => ({ id: `m${i}`, profile: "alicloud" as const }))]);
          const id = e.addImage({ region: "r", owner: "owner", kind: "system", name: "g" });
          const svc = e.service({ profile: "alicloud", region: "r", account: "owner" });
          const expected = new Set<string>();
          for (const op of ops) {
            const targets: MemberTarget[] = op.ids.map((i) => ({ type: "account", id: `m${i}` }));
            if (op.add) {
              // Batches of 10 are checked one by one: a batch over the limit adds nothing of its own.
              for (let i = 0; i < targets.length; i += 10) {
                const batch = targets.slice(i, i + 10);
                const fresh = new Set(batch.map((t) => t.id).filter((x) => !expected.has(x)));
                try {
                  await svc.addMembers(id, batch);
                  for (const x of fresh) expected.add(x);
                } catch (err) {
                  assert.ok(err instanceof ImageServiceError && err.rule === "member-limit");
                  assert.ok(expected.size + fresh.size > 50);
                  break;
                }
              }
            } else {
              await svc.removeMembers(id, targets);
              for (const t of targets) expected.delete(t.id);
            }
            const now = (await listAllMembers(svc, id)).map((m) => m.id).sort();
            assert.deepEqual(now, [...expected].sort());
            assert.ok(now.length <= 50);
          }
        },
      ),
      { numRuns: 60, seed: 20261123 },
    );
  });

  it("parallel calls from one process (as the provider host makes them) all land on a file store", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-par-"));
    try {
      const e = openEmulator(path.join(dir, "emulator.db"));
      e.addAccounts([{ id: "owner", profile: "tencentcloud" }, ...Array.from({ length: 40 }, (_, i) => ({ id: String(100000000100 + i), profile: "tencentcloud" as const }))]);
      const ids = Array.from({ length: 4 }, (_, i) => e.addImage({ region: "ap-guangzhou", owner: "owner", kind: "system", name: `g${i}` }));
      const svc = e.service({ profile: "tencentcloud", region: "ap-guangzhou", account: "owner" }, { callFaults: true });
      await Promise.all(ids.flatMap((img) => Array.from({ length: 10 }, (_, i) => svc.addMembers(img, [{ type: "account", id: String(100000000100 + i) }]))));
      for (const img of ids) assert.equal(e.image(img)!.members.length, 10);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
