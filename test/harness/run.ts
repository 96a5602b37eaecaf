/**
 * Mocha's global fixtures (.mocharc.js requires this file): one folder for the whole run,
 * shared by the parallel workers (they inherit IMAGE_SHARE_TEST_RUN_DIR), for setup that is
 * expensive and the same for every file, such as the packed tarball (packedTarball).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

let made: string | undefined;

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
