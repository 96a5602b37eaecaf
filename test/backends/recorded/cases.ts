/**
 * The recorded cases (fixtures/<cloud>.json) and the backends they are played against, shared by
 * the two directions of the recorded-shape suite: each backend against the documented answers
 * (recorded.test.ts), and each emulator dialect answering the documented requests (emulated.test.ts).
 */
import assert = require("node:assert/strict");
import fs = require("node:fs");
import path = require("node:path");
import { createAlibabaCloudImageService } from "../../../provider/backends/alicloud";
import { ImageServiceError } from "../../../provider/backends/errors";
import { createHuaweiCloudImageService } from "../../../provider/backends/huaweicloud";
import { createTencentCloudImageService } from "../../../provider/backends/tencentcloud";
import { listAllMembers, type ImageService } from "../../../provider/backends/types";
import type { Exchange } from "./replay";
import type { EmulatedWorld } from "./emulated";

export interface RecordedCase {
  name: string;
  /** Backend options besides the endpoint and credentials. */
  options?: Record<string, unknown>;
  /** The ImageService call; "listAllMembers" reads every page (args: image id, page size). */
  operation: { call: keyof ImageService | "listAllMembers"; args: unknown[] };
  exchanges: Exchange[];
  expect: { result: unknown } | { error: { kind: string; cloudCode?: string; rule?: string; message?: string } };
  /** The emulator state the conversation presupposes, for the dialects' direction (emulated.ts). */
  emulator?: EmulatedWorld;
}

export interface RecordedFile {
  /** Defaults of every case's emulator world (a case's own world adds to them). */
  emulator?: EmulatedWorld;
  cases: RecordedCase[];
}

export function loadFixture(cloud: string): RecordedFile | undefined {
  const file = path.join(__dirname, "fixtures", `${cloud}.json`);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as RecordedFile) : undefined;
}

export function loadCases(cloud: string): RecordedCase[] {
  return loadFixture(cloud)?.cases ?? [];
}

/** Fast polls and retries: the script, not the clock, decides what happens. */
const quick = { retry: { baseDelayMs: 1, maxDelayMs: 2, deadlineMs: 5_000 } };

/** The IMS backend of one profile, in one of its regions. */
const ims =
  (profile: "huaweicloud" | "opentelekomcloud", region: string) =>
  (endpoint: string, o: Record<string, unknown>): ImageService =>
    createHuaweiCloudImageService({
      profile,
      region,
      accessKey: "AKRECORDED",
      secretKey: "sk-recorded",
      projectId: "unset",
      jobPollMs: 1,
      jobMaxPollMs: 2,
      env: {},
      ...quick,
      ...o,
      endpoint,
    });

export const BACKENDS: Record<string, (endpoint: string, options: Record<string, unknown>) => ImageService> = {
  huaweicloud: ims("huaweicloud", "cn-north-4"),
  // Open Telekom Cloud's IMS is the huaweicloud backend with its profile (projects only, its endpoints).
  opentelekomcloud: ims("opentelekomcloud", "eu-de"),
  alicloud: (endpoint, o) => createAlibabaCloudImageService({ region: "cn-hangzhou", accessKeyId: "LTAIRECORDED", accessKeySecret: "recorded", env: {}, ...quick, ...o, endpoint }),
  tencentcloud: (endpoint, o) => createTencentCloudImageService({ region: "ap-guangzhou", secretId: "AKIDRECORDED", secretKey: "recorded", ...quick, ...o, endpoint }),
};

export async function run(service: ImageService, operation: RecordedCase["operation"]): Promise<unknown> {
  if (operation.call === "listAllMembers") return listAllMembers(service, operation.args[0] as string, operation.args[1] as number | undefined);
  const method = service[operation.call] as (...args: unknown[]) => Promise<unknown>;
  return method.apply(service, operation.args);
}


/** The operation's outcome is the case's: its result, or a typed error of its kind, code and rule. */
export function assertOutcome(expect: RecordedCase["expect"], outcome: { result: unknown } | { error: unknown }): void {
  if ("result" in expect) {
    if ("error" in outcome) throw outcome.error;
    assert.deepEqual(outcome.result, expect.result);
    return;
  }
  assert.ok("error" in outcome, `expected a ${expect.error.kind} error, got ${JSON.stringify((outcome as { result: unknown }).result)}`);
  const e = outcome.error;
  assert.ok(e instanceof ImageServiceError, `expected an ImageServiceError, got ${String(e)}`);
  const want = expect.error;
  assert.equal(e.kind, want.kind, e.message);
  if (want.cloudCode !== undefined) assert.equal(e.cloudCode, want.cloudCode);
  if (want.rule !== undefined) assert.equal(e.rule, want.rule);
  if (want.message !== undefined) assert.ok(e.message.includes(want.message), `${e.message} names ${want.message}`);
}
