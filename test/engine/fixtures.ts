/**
 * Pulumi projects for the stand-in engine's tests: a folder with Pulumi.yaml and a program, whose
 * node_modules links image-share (this repository, or an installed copy) and @pulumi/pulumi, as a
 * user's stack folder after `npm install` would hold them.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "../harness/world";

export interface ProjectFiles {
  name: string;
  /** File name -> content (index.js or index.ts, topology files, ...). */
  files: Record<string, string>;
  /** Runtime option `typescript` (the language host's default is true). */
  typescript?: boolean;
  /** `main` of Pulumi.yaml. */
  main?: string;
  /** The package folder node_modules/image-share links to (default: this repository). */
  packageDir?: string;
}

export function makeProject(p: ProjectFiles, dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-engine-"))): string {
  const lines = [`name: ${p.name}`, "runtime:", "  name: nodejs", "  options:", `    typescript: ${p.typescript ?? false}`];
  if (p.main) lines.push(`main: ${p.main}`);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), lines.join("\n") + "\n");
  if (!p.files["package.json"]) fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: p.name, private: true }, null, 2) + "\n");
  for (const [file, text] of Object.entries(p.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  const modules = path.join(dir, "node_modules");
  fs.mkdirSync(modules, { recursive: true });
  if (!fs.existsSync(path.join(modules, "image-share"))) fs.symlinkSync(p.packageDir ?? REPO, path.join(modules, "image-share"), "dir");
  if (!fs.existsSync(path.join(modules, "@pulumi"))) fs.symlinkSync(path.join(REPO, "node_modules", "@pulumi"), path.join(modules, "@pulumi"), "dir");
  return dir;
}

let tarball: string | undefined;

/**
 * `npm pack` of this repository (of what bin/ holds now): once per test run. Under mocha the
 * run's folder (test/harness/run.ts) holds it for every worker: the first to need it packs, the
 * others wait for it; elsewhere once per process.
 */
export function packedTarball(): string {
  if (tarball && fs.existsSync(tarball)) return tarball;
  const runDir = process.env.IMAGE_SHARE_TEST_RUN_DIR;
  if (!runDir) return (tarball = pack(fs.mkdtempSync(path.join(os.tmpdir(), "image-share-pack-"))));
  const shared = path.join(runDir, "image-share.tgz");
  const lock = path.join(runDir, "pack.lock");
  const deadline = Date.now() + 300_000;
  while (!fs.existsSync(shared)) {
    try {
      fs.mkdirSync(lock);
    } catch {
      // Another worker is packing: wait for its tarball (or for its lock to go, if it failed).
      if (Date.now() > deadline) throw new Error(`waited 300 s for ${shared}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      continue;
    }
    try {
      if (!fs.existsSync(shared)) fs.renameSync(pack(fs.mkdtempSync(path.join(runDir, "pack-"))), shared);
    } finally {
      fs.rmdirSync(lock);
    }
  }
  return (tarball = shared);
}

function pack(into: string): string {
  // --ignore-scripts: pack what bin/ holds now (prepare would rebuild it).
  const out = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", into], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return path.join(into, (JSON.parse(out) as Array<{ filename: string }>)[0].filename);
}

/**
 * The package as a user installs it: the packed tarball (packedTarball) extracted to
 * DIR/node_modules/image-share, with this repository's dependencies linked beside it (offline:
 * no registry).
 */
export function installPackedCopy(dir: string): string {
  const installed = path.join(dir, "node_modules", "image-share");
  fs.mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["xzf", packedTarball(), "-C", installed, "--strip-components=1"]);
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (entry === "image-share" || entry === ".package-lock.json" || fs.existsSync(path.join(dir, "node_modules", entry))) continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(dir, "node_modules", entry));
  }
  return installed;
}
