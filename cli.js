#!/usr/bin/env node
// The `image-share` command: a shim over the compiled CLI (built by `npm ci` through `prepare`).
const cli = require("./bin/provider/cli/main.js");
cli.quietOnClosedPipe(process.stdout);
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`image-share: internal error: ${err && err.message ? err.message : err}`); process.exitCode = 3; },
);
