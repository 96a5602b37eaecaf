#!/usr/bin/env node
// The stand-in engine from the command line (see cli.ts and README.md): the TypeScript sources
// through ts-node, or, under the test suite when bin/ holds a current build of them
// (IMAGE_SHARE_TEST_COMPILED, set by test/harness/run.ts), that build: ts-node costs ~2 CPU
// seconds a start.
const path = require("node:path");
let cli;
if (process.env.IMAGE_SHARE_TEST_COMPILED === "1") cli = require("../../bin/test/engine/cli.js");
else {
  require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.test.json") });
  cli = require("./cli.ts");
}
cli.main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`stand-in engine: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 3;
  },
);
