#!/usr/bin/env node
// The soak tier (`npm run test:soak`): the long reliability and fuzz runs, each file with its
// own counts. A variable already set in the environment wins over the counts below, e.g.
//   IMAGE_SHARE_SOAK_ITERATIONS=10 npm run test:soak -- test/engine/kill.soak.ts
// runs ten kill/retry iterations and nothing else. Arguments name the files to run (default
// every group). Bounded: about 10-15 minutes on this 2-core machine; the fast tier is `npm test`.
const { spawnSync } = require("node:child_process");
const path = require("node:path");

// IMAGE_SHARE_SOAK=1 raises the randomized tests' counts (test/harness/soak.ts); the other
// variables are the ones each file documents.
const GROUPS = [
  {
    // Random sequences of up under faults, writers at once, fuzzed topology files and inputs, the
    // schema's fast path and the YAML reader against their references.
    files: [
      "test/reliability/convergence.test.ts",
      "test/reliability/parallel.test.ts",
      "test/reliability/fuzz-topology.test.ts",
      "test/reliability/fuzz-inputs.test.ts",
      "test/topology/accepts.test.ts",
      "test/topology/yaml.test.ts",
    ],
    env: {},
  },
  // Seeded iterations of killed and retried creates, updates and deletes through the stand-in engine.
  { files: ["test/engine/kill.soak.ts"], env: { IMAGE_SHARE_SOAK_ITERATIONS: "3" } },
  // kill -9 of store writers at random points.
  { files: ["test/backends/emulator/store.kill.test.ts"], env: { IMAGE_SHARE_SOAK_ITERATIONS: "20" } },
  // Requests fuzzed at the served emulator's dialects.
  { files: ["test/backends/emulator/fuzz.test.ts"], env: { IMAGE_SHARE_SOAK_ITERATIONS: "20000" } },
];

const root = path.resolve(__dirname, "..");
const only = process.argv.slice(2).map((f) => path.relative(root, path.resolve(f)).split(path.sep).join("/"));
const jobs = process.env.IMAGE_SHARE_TEST_JOBS || "3";
let failed = 0;
for (const group of GROUPS) {
  const files = group.files.filter((f) => only.length === 0 || only.includes(f));
  if (files.length === 0) continue;
  const env = { ...group.env, ...process.env, IMAGE_SHARE_SOAK: "1" };
  const parallel = files.length > 1 && jobs !== "1" ? ["--parallel", "--jobs", jobs] : [];
  const settings = Object.entries(group.env).map(([k, v]) => `${k}=${env[k] ?? v}`);
  process.stdout.write(`\n# soak: ${[...settings, ...files].join(" ")}\n`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [require.resolve("mocha/bin/mocha.js"), ...parallel, ...files], { cwd: root, env, stdio: "inherit" });
  process.stdout.write(`# soak: ${r.status === 0 ? "passed" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
