// Types are checked once by pretest (one tsc program over the package and the tests); ts-node
// only transpiles, which keeps the suite fast.
const fs = require("node:fs");
const path = require("node:path");
process.env.TS_NODE_TRANSPILE_ONLY = "true";
process.env.TS_NODE_PROJECT = "tsconfig.test.json";

// Mocha adds a config's spec to the files named on the command line; name none here when some
// are named, so `npx mocha test/rules/member-limit.test.ts` runs that file alone (in this
// process, not in workers).
const named = process.argv.slice(2).some((a) => !a.startsWith("-") && /\.ts$|^test\//.test(a));

// The whole suite runs its files in parallel worker processes (IMAGE_SHARE_TEST_JOBS, default
// 3): most of the long files wait on child processes (the stand-in engine's program and
// provider host, the CLI, store writers), so three workers keep two cores busy. The longest
// files go first so that no long file starts last.
const FIRST = [
  "test/engine/lifecycle.test.ts",
  "test/engine/installed.test.ts",
  "test/policy/engine-preview.test.ts",
  "test/engine/example.test.ts",
  "test/engine/engine.test.ts",
  "test/reliability/parallel.test.ts",
  "test/backends/emulator/store.kill.test.ts",
  "test/backends/emulator/store.test.ts",
  "test/reliability/convergence.test.ts",
];
function testFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.posix.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith(".test.ts") ? [p] : [];
  });
}
function suite() {
  const all = testFiles("test").sort();
  return [...FIRST.filter((f) => all.includes(f)), ...all.filter((f) => !FIRST.includes(f))];
}

const jobs = Math.max(1, Number(process.env.IMAGE_SHARE_TEST_JOBS) || 3);

module.exports = {
  require: ["ts-node/register", "test/harness/run.ts"],
  extension: ["ts"],
  ...(named ? {} : { spec: suite(), ...(jobs > 1 ? { parallel: true, jobs } : {}) }),
  timeout: 60000,
  reporter: "dot",
};
