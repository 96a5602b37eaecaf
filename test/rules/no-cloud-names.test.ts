/**
 * What differs between clouds is data in the profile table (provider/rules/profiles.ts): outside
 * the table, each cloud's own backend and its emulator dialect, no code compares a cloud's name.
 * (The backend factory picks a cloud's backend by name: that is the one dispatch allowed.)
 */
import assert = require("node:assert/strict");
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const ALLOWED = [
  "provider/rules/profiles.ts",
  "provider/backends/index.ts",
  "provider/backends/huaweicloud/",
  "provider/backends/alicloud/",
  "provider/backends/tencentcloud/",
  "provider/backends/emulator/http/",
];
const COMPARISON = /[!=]==\s*"(huaweicloud|opentelekomcloud|alicloud|tencentcloud)"|"(huaweicloud|opentelekomcloud|alicloud|tencentcloud)"\s*[!=]==|case\s+"(huaweicloud|opentelekomcloud|alicloud|tencentcloud)"\s*:/;

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? sources(rel) : e.name.endsWith(".ts") ? [rel] : [];
  });
}

describe("no cloud named by comparison outside the profile table, the backends and the dialects", () => {
  it("provider/ compares no profile with a cloud's name outside them", () => {
    const found: string[] = [];
    for (const file of sources("provider")) {
      if (ALLOWED.some((a) => (a.endsWith("/") ? file.startsWith(a) : file === a))) continue;
      readFileSync(path.join(ROOT, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (COMPARISON.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(found, [], `read the fact from the profile table instead:\n${found.join("\n")}`);
  });
});
