#!/usr/bin/env node
// The stand-in engine from the command line (see cli.ts and README.md): loads the TypeScript
// sources through ts-node, as the test suite does.
const path = require("node:path");
require("ts-node").register({ transpileOnly: true, project: path.join(__dirname, "..", "..", "tsconfig.test.json") });
require("./cli.ts")
  .main(process.argv.slice(2))
  .then((code) => (process.exitCode = code), (e) => {
    process.stderr.write(`stand-in engine: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 3;
  });
