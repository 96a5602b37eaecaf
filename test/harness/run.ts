/**
 * Mocha's global fixtures (.mocharc.js requires this file): one folder for the whole run,
 * shared by the parallel workers (they inherit IMAGE_SHARE_TEST_RUN_DIR), for setup that is
 * expensive and the same for every file, such as the packed tarball (packedTarball).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildIsCurrent, REPO } from "./repo";

let made: string | undefined;

// When that build is current, the package's code comes from it, as users run it: the provider's
// modules that the tests import (bin/provider, what their programs and hosts load too) and the
// tests' own child processes (store writers, parallel drivers, the stand-in engine's command line:
// tsChild in child.ts), which ts-node would transpile again in every worker and child (~2 CPU
// seconds a start). A file run alone after an edit, before pretest, gets the sources through
// ts-node. Decided once, by the run's first process (the workers inherit it).
process.env.IMAGE_SHARE_TEST_COMPILED ??= buildIsCurrent() ? "1" : "0";
if (process.env.IMAGE_SHARE_TEST_COMPILED === "1") {
  const sources = path.join(REPO, "provider") + path.sep;
  const built = path.join(REPO, "bin", "provider") + path.sep;
  const Module = require("node:module") as { _resolveFilename(request: string, ...rest: unknown[]): string };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request: string, ...rest: unknown[]): string {
    const file = resolve.call(this, request, ...rest);
    return file.startsWith(sources) && file.endsWith(".ts") ? `${built}${file.slice(sources.length, -3)}.js` : file;
  };
}

export function mochaGlobalSetup(): void {
  if (process.env.IMAGE_SHARE_TEST_RUN_DIR) return;
  made = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-test-run-"));
  process.env.IMAGE_SHARE_TEST_RUN_DIR = made;
}

export function mochaGlobalTeardown(): void {
  if (!made) return;
  fs.rmSync(made, { recursive: true, force: true });
  delete process.env.IMAGE_SHARE_TEST_RUN_DIR;
}

// Timeouts are hang detectors, set per file for a quiet machine: the suite runs on two cores
// shared with other suites, where a file can take several times as long. Every test's timeout is
// multiplied by IMAGE_SHARE_TEST_TIMEOUT_SCALE (default 3; 1 keeps them as set).
const SCALE = Math.max(1, Number(process.env.IMAGE_SHARE_TEST_TIMEOUT_SCALE) || 3);

export const mochaHooks = {
  beforeEach(this: Mocha.Context): void {
    const test = this.currentTest;
    if (test && test.timeout() > 0) test.timeout(test.timeout() * SCALE);
  },
};
