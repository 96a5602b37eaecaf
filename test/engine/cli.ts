/**
 * `node test/engine/cli.js preview|up|refresh|destroy [--cwd DIR] [--state FILE] [--stack NAME]
 *   [--config ns:key=value]... [--secret ns:key=value]... [--parallel N] [--refresh] [--json]
 *   [--policy-pack DIR [--policy-pack-config FILE]]...`
 *
 * Runs one operation of the stand-in engine on the project in DIR (default: the current folder),
 * with its state in FILE (default: DIR/.pulumi-standin/<stack>.json), and prints the run as the
 * Pulumi CLI would (or the whole result as JSON). Exit code 0 when the operation succeeded, 1 when
 * it failed, 2 for bad arguments.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runOperation, type Operation } from "./engine";
import type { ConfigValue } from "./project";
import { render } from "./display";

const USAGE = "usage: node test/engine/cli.js preview|up|refresh|destroy [--cwd DIR] [--state FILE] [--stack NAME] [--config ns:key=value]... [--secret ns:key=value]... [--parallel N] [--refresh] [--json] [--policy-pack DIR [--policy-pack-config FILE]]...";

export async function main(argv: string[]): Promise<number> {
  const [operation, ...rest] = argv;
  if (!["preview", "up", "refresh", "destroy"].includes(operation ?? "")) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let cwd = process.cwd();
  let state: string | undefined;
  let stack = "dev";
  let parallel: number | undefined;
  let refresh = false;
  let json = false;
  const config: Record<string, ConfigValue> = {};
  // As the CLI pairs them: the n-th --policy-pack-config is the n-th pack's.
  const packs: string[] = [];
  const packConfigs: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      if (flag === "--cwd" || flag === "-C") cwd = path.resolve(value());
      else if (flag === "--state") state = path.resolve(value());
      else if (flag === "--stack" || flag === "-s") stack = value();
      else if (flag === "--parallel" || flag === "-p") parallel = Number(value());
      else if (flag === "--refresh") refresh = true;
      else if (flag === "--json") json = true;
      else if (flag === "--policy-pack") packs.push(path.resolve(value()));
      else if (flag === "--policy-pack-config") packConfigs.push(path.resolve(value()));
      else if (flag === "--config" || flag === "--secret") {
        const kv = value();
        const eq = kv.indexOf("=");
        if (eq < 1 || !kv.slice(0, eq).includes(":")) throw new Error(`${flag} takes namespace:key=value, got ${kv}`);
        config[kv.slice(0, eq)] = flag === "--secret" ? { secret: kv.slice(eq + 1) } : kv.slice(eq + 1);
      } else throw new Error(`unknown argument ${flag}`);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
      return 2;
    }
  }
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel > 0)) {
    process.stderr.write(`--parallel takes a whole number of 1 or more\n${USAGE}\n`);
    return 2;
  }
  if (packConfigs.length > packs.length) {
    process.stderr.write(`each --policy-pack-config needs a --policy-pack\n${USAGE}\n`);
    return 2;
  }
  let policyPacks;
  try {
    policyPacks = packs.map((dir, i) => (packConfigs[i] ? { dir, config: JSON.parse(fs.readFileSync(packConfigs[i], "utf8")) } : { dir }));
  } catch (e) {
    process.stderr.write(`--policy-pack-config: ${(e as Error).message}\n`);
    return 2;
  }
  if (!json) process.stdout.write(`${render.title(operation as Operation, stack)}\n\n`);
  const result = await runOperation(operation as Operation, {
    cwd,
    state: state ?? path.join(cwd, ".pulumi-standin", `${stack}.json`),
    stack,
    config,
    refresh,
    ...(parallel ? { parallel } : {}),
    ...(policyPacks.length ? { policyPacks } : {}),
    ...(json ? {} : { print: (line: string) => process.stdout.write(`${line}\n`) }),
  });
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(render.tail(result, stack));
  return result.ok ? 0 : 1;
}
