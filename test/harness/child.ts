/**
 * How the tests start a TypeScript file of theirs in a child process: from its build in bin/ when
 * the run found that build current (run.ts), else through ts-node (transpile only).
 */
import * as path from "node:path";
import { REPO } from "./repo";

/** Node's arguments (before the child's own) and the environment to add, to run the test source `file`. */
export function tsChild(file: string): { args: string[]; env: NodeJS.ProcessEnv } {
  if (process.env.IMAGE_SHARE_TEST_COMPILED === "1") return { args: [path.join(REPO, "bin", path.relative(REPO, file).replace(/\.ts$/, ".js"))], env: {} };
  return { args: ["-r", "ts-node/register", file], env: { TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_PROJECT: path.join(REPO, "tsconfig.test.json") } };
}
