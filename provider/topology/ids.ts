/**
 * The shapes of the clouds' ids, per profile: image ids, account ids, project ids and region
 * names. A malformed id in a topology file is an input error (exit 2), caught before anything
 * talks to a cloud.
 *
 * Where the clouds' documentation fixes a format, the check follows it; where it does not (or a
 * format has changed over the years), the pattern is deliberately loose: rejecting a real id
 * would be worse than letting a typo through to the cloud, which refuses it with its own error.
 *
 * Sources (read 2026-11):
 * - Huawei Cloud / Open Telekom Cloud IMS: image ids are UUIDs (e.g. the IMS API reference's
 *   `image_id` examples "4e1d3f8e-..."), project ids and domain (account) ids are 32 lower-case hex
 *   characters (IAM API reference: "project_id ... 32 characters"). Regions: `cn-north-4`,
 *   `ap-southeast-1`, `la-south-2`, `eu-west-101`; Open Telekom Cloud: `eu-de`, `eu-nl`, `eu-ch2`.
 * - Alibaba Cloud ECS: custom image ids start with `m-` (API examples `m-bp1g7004ksh0oeuc****`,
 *   `m-5s7qotzavwbrnzaqh4unm****`); account ids are numeric (examples `1122334455**`, usually 16
 *   digits). Regions: `cn-hangzhou`, `ap-southeast-1`, `cn-shanghai-finance-1`.
 * - Tencent Cloud CVM: image ids `img-` + 8 lower-case alphanumerics (ModifyImageSharePermission
 *   reference: `img-gvbnzy6f`, `img-6pb6lrmy`); account ids (UIN) numeric (examples `103849387508`,
 *   `1038493875`). Regions: `ap-guangzhou`, `na-siliconvalley`, `ap-shanghai-fsi`.
 */
import type { ProfileId } from "../rules/model";

export type IdKind = "image" | "account" | "project" | "region";

interface IdFormat {
  pattern: RegExp;
  /** How the format reads in an error message. */
  expected: string;
}

const UUID: IdFormat = {
  pattern: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  expected: 'a UUID, e.g. "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a"',
};
// IAM shows these ids in lower case; accept upper case too (the cloud compares them case-insensitively in places we cannot check).
const HEX32: IdFormat = { pattern: /^[0-9a-fA-F]{32}$/, expected: '32 hex characters, e.g. "0a1b2c3d4e5f60718293a4b5c6d7e8f9"' };
// Region names: lower-case words joined by dashes, usually ending in a number. Not a fixed list:
// the clouds add regions every year, and a list here would go stale.
const REGION: IdFormat = {
  pattern: /^[a-z]{2,}(-[a-z0-9]+)+$/,
  expected: 'a region name such as "cn-north-4" (lower-case words and digits joined by "-")',
};

const FORMATS: Record<ProfileId, Record<IdKind, IdFormat>> = {
  huaweicloud: { image: UUID, account: HEX32, project: HEX32, region: REGION },
  opentelekomcloud: {
    image: UUID,
    account: HEX32,
    project: HEX32,
    // eu-de, eu-nl, eu-ch2: no trailing number required.
    region: { pattern: /^[a-z]{2,}(-[a-z0-9]+)+$/, expected: 'a region name such as "eu-de" or "eu-nl"' },
  },
  alicloud: {
    // Length not pinned down by the docs (examples have 20-25 characters): at least 8 after "m-".
    image: { pattern: /^m-[a-z0-9]{8,}$/, expected: 'an image id starting with "m-", e.g. "m-bp1g7004ksh0oeuc0a1b"' },
    // Numeric; 16 digits is usual, older accounts may be shorter: 5 to 20 digits.
    account: { pattern: /^[0-9]{5,20}$/, expected: 'a numeric account id, e.g. "1234567890123456"' },
    project: { pattern: /^.+$/, expected: "a project id" },
    region: { pattern: /^[a-z]{2,}(-[a-z0-9]+)+$/, expected: 'a region name such as "cn-hangzhou" or "ap-southeast-1"' },
  },
  tencentcloud: {
    image: { pattern: /^img-[a-z0-9]{8}$/, expected: 'an image id "img-" followed by 8 lower-case letters or digits, e.g. "img-6pb6lrmy"' },
    // The UIN: numeric, 5 to 20 digits (documented examples have 10 and 12).
    account: { pattern: /^[0-9]{5,20}$/, expected: 'a numeric account id (UIN), e.g. "100012345678"' },
    project: { pattern: /^.+$/, expected: "a project id" },
    region: { pattern: /^[a-z]{2,}(-[a-z0-9]+)+$/, expected: 'a region name such as "ap-guangzhou" or "na-siliconvalley"' },
  },
};

const KIND_WORD: Record<IdKind, string> = { image: "image id", account: "account id", project: "project id", region: "region" };

/**
 * Checks one id against a profile's format: undefined when it fits, else a message naming the
 * value, what the profile expects, and the profile.
 */
export function checkId(profile: ProfileId, kind: IdKind, value: string): string | undefined {
  const format = FORMATS[profile][kind];
  if (format.pattern.test(value)) return undefined;
  return `${JSON.stringify(value)} is not a valid ${profile} ${KIND_WORD[kind]}: expected ${format.expected}`;
}

/** Whether the value fits the profile's format. */
export function isValidId(profile: ProfileId, kind: IdKind, value: string): boolean {
  return FORMATS[profile][kind].pattern.test(value);
}
