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
