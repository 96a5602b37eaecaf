/**
 * How the tests and benchmarks start a TypeScript file of theirs in a child process: from its
 * build in bin/ when that build is current (decided once per test run by run.ts, else here),
 * else through ts-node (transpile only).
 */
import * as path from "node:path";
import { buildIsCurrent, REPO } from "./repo";

/** Node's arguments (before the child's own) and the environment to add, to run the source `file`. */
export function tsChild(file: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const compiled = process.env.IMAGE_SHARE_TEST_COMPILED !== undefined ? process.env.IMAGE_SHARE_TEST_COMPILED === "1" : buildIsCurrent();
  if (compiled) return { args: [path.join(REPO, "bin", path.relative(REPO, file).replace(/\.ts$/, ".js"))], env: {} };
  return { args: ["-r", "ts-node/register", file], env: { TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_PROJECT: path.join(REPO, "tsconfig.test.json") } };
}
