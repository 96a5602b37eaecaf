/**
 * Recorded-shape conformance: each real backend against the clouds' own documented examples,
 * not against our emulator. A fixture file per cloud (fixtures/*.json) holds conversations of
 * request/response pairs taken from the API reference pages (each exchange cites its page); the
 * replay server answers them in order and records what the backend sent. A backend passes a case
 * when every request has the documented shape (method, path, the headers and body fields that
 * matter) and the documented answers, errors included, come out as the right result or typed error.
 */
import assert = require("node:assert/strict");
import fs = require("node:fs");
import path = require("node:path");
import { createAlibabaCloudImageService } from "../../../provider/backends/alicloud";
import { ImageServiceError } from "../../../provider/backends/errors";
import { createHuaweiCloudImageService } from "../../../provider/backends/huaweicloud";
import { createTencentCloudImageService } from "../../../provider/backends/tencentcloud";
import { listAllMembers, type ImageService } from "../../../provider/backends/types";
import { startReplay, type Exchange } from "./replay";

export interface RecordedCase {
  name: string;
  /** Backend options besides the endpoint and credentials. */
  options?: Record<string, unknown>;
  /** The ImageService call; "listAllMembers" reads every page (args: image id, page size). */
  operation: { call: keyof ImageService | "listAllMembers"; args: unknown[] };
  exchanges: Exchange[];
  expect: { result: unknown } | { error: { kind: string; cloudCode?: string; rule?: string; message?: string } };
}

export function loadCases(cloud: string): RecordedCase[] {
  const file = path.join(__dirname, "fixtures", `${cloud}.json`);
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { cases: RecordedCase[] }).cases;
}

/** Fast polls and retries: the script, not the clock, decides what happens. */
const quick = { retry: { baseDelayMs: 1, maxDelayMs: 2, deadlineMs: 5_000 } };

const BACKENDS: Record<string, (endpoint: string, options: Record<string, unknown>) => ImageService> = {
  huaweicloud: (endpoint, o) =>
    createHuaweiCloudImageService({
      region: "cn-north-4",
      accessKey: "AKRECORDED",
      secretKey: "sk-recorded",
      projectId: "unset",
      jobPollMs: 1,
      jobMaxPollMs: 2,
      env: {},
      ...quick,
      ...o,
      endpoint,
    }),
  alicloud: (endpoint, o) => createAlibabaCloudImageService({ region: "cn-hangzhou", accessKeyId: "LTAIRECORDED", accessKeySecret: "recorded", env: {}, ...quick, ...o, endpoint }),
  tencentcloud: (endpoint, o) => createTencentCloudImageService({ region: "ap-guangzhou", secretId: "AKIDRECORDED", secretKey: "recorded", ...quick, ...o, endpoint }),
};

async function run(service: ImageService, operation: RecordedCase["operation"]): Promise<unknown> {
  if (operation.call === "listAllMembers") return listAllMembers(service, operation.args[0] as string, operation.args[1] as number | undefined);
  const method = service[operation.call] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(service, operation.args);
}

for (const cloud of Object.keys(BACKENDS)) {
  const file = path.join(__dirname, "fixtures", `${cloud}.json`);
  if (!fs.existsSync(file)) continue;
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
          if ("result" in c.expect) {
            if ("error" in outcome) throw outcome.error;
            assert.deepEqual(outcome.result, c.expect.result);
          } else {
            assert.ok("error" in outcome, `expected a ${c.expect.error.kind} error, got ${JSON.stringify((outcome as { result: unknown }).result)}`);
            const e = outcome.error;
            assert.ok(e instanceof ImageServiceError, `expected an ImageServiceError, got ${String(e)}`);
            const want = c.expect.error;
            assert.equal(e.kind, want.kind, e.message);
            if (want.cloudCode !== undefined) assert.equal(e.cloudCode, want.cloudCode);
            if (want.rule !== undefined) assert.equal(e.rule, want.rule);
            if (want.message !== undefined) assert.ok(e.message.includes(want.message), `${e.message} names ${want.message}`);
          }
        } finally {
          await replay.close();
        }
      });
    }
  });
}
