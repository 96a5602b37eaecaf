/**
 * Recorded-shape conformance: each real backend against the clouds' own documented examples,
 * not against our emulator. A fixture file per cloud (fixtures/*.json) holds conversations of
 * request/response pairs taken from the API reference pages (each exchange cites its page); the
 * replay server answers them in order and records what the backend sent. A backend passes a case
 * when every request has the documented shape (method, path, the headers and body fields that
 * matter) and the documented answers, errors included, come out as the right result or typed error.
 */
import assert = require("node:assert/strict");
import { assertOutcome, BACKENDS, loadCases, run } from "./cases";
import { startReplay } from "./replay";

for (const cloud of Object.keys(BACKENDS)) {
  describe(`recorded shapes from the API reference: ${cloud}`, function () {
    this.timeout(20_000);
    for (const c of loadCases(cloud)) {
      it(c.name, async () => {
        const replay = await startReplay(c.exchanges);
        try {
          const service = BACKENDS[cloud](replay.url, c.options ?? {});
          let outcome: { result: unknown } | { error: unknown };
          try {
            outcome = { result: (await run(service, c.operation)) ?? null };
          } catch (e) {
            outcome = { error: e };
          }
          assert.deepEqual(replay.mismatches, [], "every request has the documented shape");
          assert.deepEqual(
            replay.remaining().map((e) => `${e.request.method} ${e.request.path} (${e.source})`),
            [],
            "every documented exchange took place",
          );
          assertOutcome(c.expect, outcome);
        } finally {
          await replay.close();
        }
      });
    }
  });
}
