/**
 * The copy rules per cloud at `image-share validate`, as a pull-request check runs it: the
 * spawned CLI on topology files. A copy the cloud would refuse is an error (exit 1) with the rule
 * id, the copy's line and the fix; the copies the cloud makes pass (exit 0).
 */
import assert = require("node:assert/strict");
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");

interface Finding {
  rule: string;
  severity: string;
  line: number;
  resource: string;
  message: string;
  fix?: string;
}

const ALICLOUD = `profile: alicloud
accounts:
  platform: { id: "1234567890123456" }
  team-a: { id: "2234567890123456" }
images:
  golden: { id: "m-bp1g7004ksh0oeuc9ab1", region: cn-hangzhou, owner: platform, kind: system, name: golden-alinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
copies:
`;
const TENCENT = `profile: tencentcloud
accounts:
  platform: { id: "100000000001" }
  team-a: { id: "100000000002" }
images:
  golden: { id: "img-8tbqf3ve", region: ap-guangzhou, owner: platform, kind: system, name: golden-tlinux }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
copies:
`;
const OTC = `profile: opentelekomcloud
accounts:
  platform:
    id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    projects:
      platform-de: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-de }
      platform-nl: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9", region: eu-nl }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: eu-de, owner: platform, kind: system, name: golden-ubuntu }
copies:
`;

describe("copy rules per cloud at image-share validate (spawned CLI on topology files)", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "image-share-copy-rules-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Validates a file made of `head` and the copy lines; the exit code and the errors. */
  const validate = (name: string, head: string, ...copies: string[]): { status: number | null; errors: Finding[]; stderr: string } => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, head + copies.map((c) => `  - ${c}\n`).join(""));
    const r = spawnSync(process.execPath, ["cli.js", "validate", file, "--format", "json"], { cwd: ROOT, encoding: "utf8" });
    const out = r.stdout ? (JSON.parse(r.stdout) as { violations: Finding[] }) : { violations: [] };
    return { status: r.status, errors: out.violations.filter((v) => v.severity === "error"), stderr: r.stderr };
  };
  const copyLine = (head: string, index: number) => head.split("\n").length + index;

  it("alicloud: a recipient's cross-region copy of a shared image fails copy-of-shared-image with the fix; its in-region copy, copied on, passes", () => {
    const r = validate("ali-away", ALICLOUD, "{ name: team-a-copies, source: golden, region: cn-shanghai, by: team-a, as: golden-sh }");
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.errors.map((v) => [v.rule, v.resource, v.line]), [["copy-of-shared-image", "team-a-copies", copyLine(ALICLOUD, 0)]]);
    assert.match(r.errors[0].fix ?? "", /copy it in its region first \(a copy with source: golden, by: team-a, region: cn-hangzhou\), then copy that image to cn-shanghai/);
    const fixed = validate(
      "ali-fixed",
      ALICLOUD,
      "{ name: team-a-copies-here, source: golden, region: cn-hangzhou, by: team-a, as: golden-a }",
      "{ name: team-a-copies-on, source: golden-a, region: cn-shanghai, by: team-a, as: golden-sh }",
    );
    assert.equal(fixed.status, 0, JSON.stringify(fixed.errors) + fixed.stderr);
  });

  it("tencentcloud: a shared image synced into its source region passes; to another region fails copy-of-shared-image; an owned image to its own region fails copy-same-region", () => {
    const into = validate("tc-into", TENCENT, "{ name: team-a-syncs, source: golden, region: ap-guangzhou, by: team-a, as: golden-a }", "{ name: team-a-syncs-on, source: golden-a, region: ap-shanghai, by: team-a, as: golden-sh }");
    assert.equal(into.status, 0, JSON.stringify(into.errors) + into.stderr);
    const away = validate("tc-away", TENCENT, "{ name: team-a-syncs, source: golden, region: ap-shanghai, by: team-a, as: golden-sh }");
    assert.equal(away.status, 1);
    assert.deepEqual(away.errors.map((v) => [v.rule, v.line]), [["copy-of-shared-image", copyLine(TENCENT, 0)]]);
    assert.match(away.errors[0].fix ?? "", /copy it in its region first \(a copy with source: golden, by: team-a, region: ap-guangzhou\)/);
    const own = validate("tc-own", TENCENT, "{ name: golden-again, source: golden, region: ap-guangzhou, as: golden-2 }");
    assert.equal(own.status, 1);
    assert.deepEqual(own.errors.map((v) => [v.rule, v.line]), [["copy-same-region", copyLine(TENCENT, 0)]]);
  });

  it("opentelekomcloud: a cross-region copy fails cross-region-copy-unsupported with the fix; an in-region replicate passes", () => {
    const away = validate("otc-away", OTC, "{ name: golden-to-nl, source: golden, region: eu-nl, as: golden-nl }");
    assert.equal(away.status, 1);
    assert.deepEqual(away.errors.map((v) => [v.rule, v.resource, v.line]), [["cross-region-copy-unsupported", "golden-to-nl", copyLine(OTC, 0)]]);
    assert.match(away.errors[0].message, /Open Telekom Cloud IMS copies images only within a region/);
    assert.match(away.errors[0].fix ?? "", /copy within eu-de \(region: eu-de\)/);
    assert.equal(validate("otc-here", OTC, "{ name: golden-replica, source: golden, region: eu-de, as: golden-2 }").status, 0);
  });
});
