/**
 * A Pulumi project as the engine reads it, and the command line the Node language host builds
 * from it. Each step cites the code it follows (pulumi/pulumi):
 *
 * - pkg/engine/project.go getPwdMain: `main` a folder -> pwd = that folder, program "."; a file ->
 *   pwd = its folder, program = its base name; no main -> pwd = the project root, program ".".
 * - sdk/nodejs/cmd/pulumi-language-nodejs/main.go: Run resolves `@pulumi/pulumi/cmd/run` from
 *   the program directory (locateModule: `node -e require.resolve(...)` there); constructArguments
 *   passes `--monitor --engine [--sync] [--organization] --project --root-directory --stack --pwd
 *   [--dry-run] --parallel <entry point>`; execRuntime adds PULUMI_CONFIG (keys as
 *   `<namespace>:config:<name>`, constructConfig), PULUMI_CONFIG_SECRET_KEYS, and
 *   PULUMI_NODEJS_TYPESCRIPT=true unless the runtime option `typescript` is false (parseOptions:
 *   TypeScript defaults to true), PULUMI_NODEJS_TSCONFIG_PATH for the option `tsconfig`, and
 *   the option `nodeargs` before the run script.
 * - sdk/go/common/resource/plugin/provider_plugin.go NewProvider and plugin.go newPlugin: a
 *   resource plugin (the dynamic-provider host `pulumi-resource-pulumi-nodejs`, which runs
 *   `node <require.resolve('@pulumi/pulumi/cmd/dynamic-provider')> <engine address>`) starts in
 *   the program's working directory (ctx.Pwd), with PULUMI_RUNTIME_<OPTION> for each runtime
 *   option, PULUMI_NODEJS_PROJECT / PULUMI_PROJECT, and PULUMI_CONFIG holding the config of its
 *   own namespace (pkg/host/host.go Provider), which for `pulumi-nodejs` is normally empty.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

export interface Project {
  /** The folder holding Pulumi.yaml (the project root, `--root-directory`). */
  root: string;
  name: string;
  runtime: { name: string; options: Record<string, unknown> };
  main?: string;
  /** Project-level config defaults (Pulumi.yaml `config:`), keys as `namespace:name`. */
  config: Record<string, string>;
}

/** A config value as the engine holds it: plain, or secret. */
export type ConfigValue = string | { secret: string };

/** Reads Pulumi.yaml (or Pulumi.yml) in `root`. */
export function readProject(root: string): Project {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`no Pulumi.yaml in ${root}: not a Pulumi project`);
  const doc = parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> | null;
  if (!doc || typeof doc.name !== "string") throw new Error(`${file}: a project needs a name`);
  const rt = doc.runtime;
  const runtime =
    typeof rt === "string"
      ? { name: rt, options: {} }
      : rt && typeof rt === "object" && typeof (rt as { name?: unknown }).name === "string"
        ? { name: (rt as { name: string }).name, options: ((rt as { options?: Record<string, unknown> }).options ?? {}) as Record<string, unknown> }
        : undefined;
  if (!runtime) throw new Error(`${file}: runtime is required`);
  if (runtime.name !== "nodejs") throw new Error(`${file}: the stand-in engine runs Node.js programs only, not runtime "${runtime.name}"`);
  const config: Record<string, string> = {};
  const declared = (doc.config ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(declared)) {
    const key = qualify(k, doc.name);
    const value = v && typeof v === "object" && !Array.isArray(v) ? ((v as { value?: unknown; default?: unknown }).value ?? (v as { default?: unknown }).default) : v;
    if (value !== undefined) config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { root, name: doc.name, runtime, ...(typeof doc.main === "string" ? { main: doc.main } : {}), config };
}

/** A config key with its namespace: `name` alone belongs to the project. */
export function qualify(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** Stack config from Pulumi.<stack>.yaml beside Pulumi.yaml (plain values; `secure:` values cannot be decrypted here). */
export function readStackConfig(project: Project, stack: string): Record<string, ConfigValue> {
  const file = path.join(project.root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return {};
  const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const out: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    const key = qualify(k, project.name);
    if (v && typeof v === "object" && "secure" in (v as object)) {
      throw new Error(`${file}: ${k} is an encrypted secret, which the stand-in engine cannot decrypt: pass it with --secret ${key}=VALUE`);
    }
    out[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

/** getPwdMain (pkg/engine/project.go): the program's working directory and entry point. */
export function pwdMain(project: Project): { pwd: string; main: string } {
  if (project.main === undefined || project.main === "") return { pwd: project.root, main: "." };
  const main = path.resolve(project.root, project.main);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(main);
  } catch (e) {
    throw new Error(`project 'main' could not be read: ${(e as Error).message}`);
  }
  return stat.isDirectory() ? { pwd: main, main: "." } : { pwd: path.dirname(main), main: path.basename(main) };
}

export interface Launch {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ProgramRun {
  project: Project;
  stack: string;
  organization?: string;
  monitor: string;
  engine: string;
  dryRun: boolean;
  parallel: number;
  config: Record<string, ConfigValue>;
  env?: NodeJS.ProcessEnv;
}

/** The language host's command line for the program (execRuntime / constructArguments). */
export function programLaunch(run: ProgramRun): Launch {
  const { project } = run;
  const { pwd, main } = pwdMain(project);
  let runPath: string;
  try {
    runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd] });
  } catch {
    throw new Error(`It looks like the Pulumi SDK has not been installed. Have you run pulumi install? (no @pulumi/pulumi/cmd/run from ${pwd})`);
  }
  const args = [runPath, "--monitor", run.monitor, "--engine", run.engine];
  if (run.organization) args.push("--organization", run.organization);
  args.push("--project", project.name, "--root-directory", project.root, "--stack", run.stack, "--pwd", pwd);
  if (run.dryRun) args.push("--dry-run");
  args.push("--parallel", String(run.parallel), main);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(run.config)) {
    const i = k.indexOf(":");
    config[`${k.slice(0, i)}:config:${k.slice(i + 1)}`] = typeof v === "string" ? v : v.secret;
    if (typeof v !== "string") secretKeys.push(k);
  }
  const options = project.runtime.options;
  const env: NodeJS.ProcessEnv = { ...inherited(), ...run.env, PULUMI_CONFIG: JSON.stringify(config), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
  if (options.typescript !== false) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (typeof options.tsconfig === "string") env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  const nodeargs = typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  // The language host's own working directory is the engine's; --pwd moves the program.
  return { command: process.execPath, args: [...nodeargs, ...args], cwd: pwd, env };
}

/**
 * This process's environment without what the test runner set for itself (ts-node's TS_NODE_*),
 * which a program started by the Pulumi CLI would not have.
 */
export function inherited(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TS_NODE_")));
}

/** The dynamic-provider host's launch: where the engine starts the `pulumi-nodejs` plugin. */
export function dynamicProviderLaunch(project: Project, env?: NodeJS.ProcessEnv): { cwd: string; env: NodeJS.ProcessEnv } {
  const { pwd } = pwdMain(project);
  const out: NodeJS.ProcessEnv = { ...inherited(), ...env, PULUMI_NODEJS_PROJECT: project.name, PULUMI_PROJECT: project.name, PULUMI_CONFIG: "{}" };
  for (const [k, v] of Object.entries(project.runtime.options)) out[`PULUMI_RUNTIME_${k.toUpperCase()}`] = String(v);
  return { cwd: pwd, env: out };
}

/** The default number of resource operations at once: `pulumi up`'s --parallel default (GOMAXPROCS * 4). */
export function defaultParallel(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length) * 4;
}
