// Types are checked once by `npm run typecheck` (pretest); ts-node only transpiles, which keeps
// the suite fast.
process.env.TS_NODE_TRANSPILE_ONLY = "true";
process.env.TS_NODE_PROJECT = "tsconfig.test.json";
// Mocha adds a config's spec to the files named on the command line; name none here when some
// are named, so `npx mocha test/rules/member-limit.test.ts` runs that file alone.
const named = process.argv.slice(2).some((a) => !a.startsWith("-") && /\.ts$|^test\//.test(a));
module.exports = {
  require: ["ts-node/register"],
  extension: ["ts"],
  ...(named ? {} : { spec: ["test/**/*.test.ts"] }),
  timeout: 60000,
  reporter: "dot",
};
