// Types are checked once by `npm run typecheck` (pretest); ts-node only transpiles, which keeps
// the suite fast.
process.env.TS_NODE_TRANSPILE_ONLY = "true";
process.env.TS_NODE_PROJECT = "tsconfig.test.json";
module.exports = {
  require: ["ts-node/register"],
  extension: ["ts"],
  spec: ["test/**/*.test.ts"],
  timeout: 60000,
  reporter: "dot",
};
