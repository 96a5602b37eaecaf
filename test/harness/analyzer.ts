/**
 * Drives a CrossGuard policy pack as the Pulumi engine does: the pack runs as a child process
 * (`node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` in the pack's
 * directory, what the CLI's pulumi-analyzer-policy plugin runs), serves the Analyzer gRPC service
 * and prints its port; the engine asks GetAnalyzerInfo, reconciles the policy config (defaults of
 * the config schemas, then the pack's initial config, then the user's, `all` setting every
 * policy's enforcement level: ReconcilePolicyPackConfig in pulumi's analyzer_plugin config code),
 * sends it with Configure, calls Analyze per resource and AnalyzeStack at the end.
 *
 *   const pack = await startPack(dir);
 *   await pack.configure({ "member-limit": "advisory" });
 *   const { diagnostics } = await pack.analyzeStack(resources);
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./world";
import { installPackedCopy } from "../engine/fixtures";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

/** Pulumi's unknown value, as the engine marshals a value not known until apply. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";
const LEVELS: Level[] = ["advisory", "mandatory", "disabled", "remediate"];

export interface ResourceSpec {
  type: string;
  name: string;
  /** Default: urn:pulumi:dev::project::<type>::<name>. */
  urn?: string;
  props: Record<string, unknown>;
  provider?: { type: string; name: string; urn?: string; props: Record<string, unknown> };
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export interface Diagnostic {
  policyName: string;
  policyPackName: string;
  message: string;
  description: string;
  urn: string;
  enforcementLevel: Level;
}

export interface AnalyzeResult {
  diagnostics: Diagnostic[];
  notApplicable: Array<{ policyName: string; reason: string }>;
}

export interface PolicyInfo {
  name: string;
  description: string;
  enforcementLevel: Level;
  configSchema?: { properties: Record<string, unknown>; required: string[] };
}

export interface AnalyzerInfo {
  name: string;
  version: string;
  policies: PolicyInfo[];
  initialConfig: Record<string, { enforcementLevel?: Level; properties: Record<string, unknown> }>;
}

/** The user's policy config, as `--policy-pack-config` takes it: a level, or an object with one and properties. */
export type PolicyConfig = Record<string, Level | ({ enforcementLevel?: Level } & Record<string, unknown>)>;

export interface Pack {
  readonly port: number;
  /** What the pack printed on stderr (and stdout after the port). */
  output(): string;
  info(): Promise<AnalyzerInfo>;
  /** Reconciles `config` with the pack's defaults as the CLI does, and sends it. */
  configure(config?: PolicyConfig): Promise<void>;
  analyze(resource: ResourceSpec): Promise<AnalyzeResult>;
  analyzeStack(resources: ResourceSpec[]): Promise<AnalyzeResult>;
  stop(): Promise<void>;
}

export const urnOf = (type: string, name: string): string => `urn:pulumi:dev::project::${type}::${name}`;

/**
 * examples/policy-pack as a user installs it: the pack's files in a temporary folder, with
 * node_modules/image-share extracted from `npm pack` of this repository (what bin/ holds now)
 * and the repository's other dependencies linked beside it. Returns the folder.
 */
export function installExamplePack(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-pack-"));
  installPackedCopy(dir);
  for (const f of ["PulumiPolicy.yaml", "index.ts", "package.json"]) fs.copyFileSync(path.join(REPO, "examples", "policy-pack", f), path.join(dir, f));
  return dir;
}

/** Starts the pack in `dir` (its PulumiPolicy.yaml, package.json and node_modules). */
export async function startPack(dir: string, env: NodeJS.ProcessEnv = {}): Promise<Pack> {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [dir] }));
  const fromPulumi = (id: string): Any => require(require.resolve(id, { paths: [pulumiDir] }));
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  // The test runner's ts-node settings are not the engine's: the pack compiles with its own.
  delete childEnv.TS_NODE_PROJECT;
  delete childEnv.TS_NODE_TRANSPILE_ONLY;
  const child: ChildProcess = spawn(process.execPath, [path.join(pulumiDir, "cmd", "run-policy-pack"), "127.0.0.1:1", "."], {
    cwd: dir,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    const onData = (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      child.stdout!.off("data", onData);
      out += buf.slice(nl + 1);
      child.stdout!.on("data", (more: string) => (out += more));
      const p = Number(buf.slice(0, nl).trim());
      if (Number.isInteger(p) && p > 0) resolve(p);
      else reject(new Error(`the policy pack printed "${buf.slice(0, nl)}" instead of its port; stderr: ${out}`));
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => reject(new Error(`the policy pack exited (${code}) before printing its port; output: ${out}`)));
    child.once("error", reject);
  });

  const grpc = fromPulumi("@grpc/grpc-js");
  const services = fromPulumi("@pulumi/pulumi/proto/analyzer_grpc_pb");
  const pb = fromPulumi("@pulumi/pulumi/proto/analyzer_pb");
  const structpb = fromPulumi("google-protobuf/google/protobuf/struct_pb");
  const emptypb = fromPulumi("google-protobuf/google/protobuf/empty_pb");
  const client = new services.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const call = <T>(method: string, req: Any): Promise<T> =>
    new Promise((resolve, reject) => client[method](req, (err: Any, res: T) => (err ? reject(new Error(String(err.details ?? err.message))) : resolve(res))));
  const struct = (o: Record<string, unknown>) => structpb.Struct.fromJavaScript(JSON.parse(JSON.stringify(o)));

  const resourceMessage = <M>(Msg: new () => M, r: ResourceSpec): M => {
    const m: Any = new Msg();
    m.setUrn(r.urn ?? urnOf(r.type, r.name));
    m.setType(r.type);
    m.setName(r.name);
    m.setProperties(struct(r.props));
    // The engine always sends options (AnalyzerResourceOptions); the SDK refuses a resource without.
    m.setOptions(new pb.AnalyzerResourceOptions());
    if (r.provider) {
      const p = new pb.AnalyzerProviderResource();
      p.setType(r.provider.type);
      p.setName(r.provider.name);
      p.setUrn(r.provider.urn ?? urnOf(r.provider.type, r.provider.name));
      p.setProperties(struct(r.provider.props));
      m.setProvider(p);
    }
    if (m.setParent && r.parent) m.setParent(r.parent);
    if (m.setDependenciesList) m.setDependenciesList(r.dependencies ?? []);
    if (m.getPropertydependenciesMap) {
      for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const d = new pb.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        m.getPropertydependenciesMap().set(k, d);
      }
    }
    return m as M;
  };
  const result = (res: Any): AnalyzeResult => ({
    diagnostics: res.getDiagnosticsList().map(
      (d: Any): Diagnostic => ({
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        message: d.getMessage(),
        description: d.getDescription(),
        urn: d.getUrn(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()],
      }),
    ),
    notApplicable: res.getNotApplicableList().map((n: Any) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
  });

  const pack: Pack = {
    port,
    output: () => out,
    async info() {
      const ai: Any = await call("getAnalyzerInfo", new emptypb.Empty());
      const initialConfig: AnalyzerInfo["initialConfig"] = {};
      ai.getInitialconfigMap().forEach((v: Any, k: string) => {
        initialConfig[k] = { enforcementLevel: LEVELS[v.getEnforcementlevel()], properties: v.getProperties()?.toJavaScript() ?? {} };
      });
      return {
        name: ai.getName(),
        version: ai.getVersion(),
        initialConfig,
        policies: ai.getPoliciesList().map((p: Any): PolicyInfo => {
          const schema = p.getConfigschema();
          const info: PolicyInfo = { name: p.getName(), description: p.getDescription(), enforcementLevel: LEVELS[p.getEnforcementlevel()] };
          if (schema) info.configSchema = { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() };
          return info;
        }),
      };
    },
    async configure(config = {}) {
      const info = await pack.info();
      const reconciled = reconcile(info, config);
      const req = new pb.ConfigureAnalyzerRequest();
      for (const [name, c] of Object.entries(reconciled)) {
        const pc = new pb.PolicyConfig();
        pc.setEnforcementlevel(LEVELS.indexOf(c.enforcementLevel ?? "advisory"));
        pc.setProperties(struct(c.properties));
        req.getPolicyconfigMap().set(name, pc);
      }
      await call("configure", req);
    },
    async analyze(r) {
      return result(await call("analyze", resourceMessage(pb.AnalyzeRequest, r)));
    },
    async analyzeStack(resources) {
      const req = new pb.AnalyzeStackRequest();
      req.setResourcesList(resources.map((r) => resourceMessage(pb.AnalyzerResource, r)));
      return result(await call("analyzeStack", req));
    },
    async stop() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
  return pack;
}

type Reconciled = Record<string, { enforcementLevel?: Level; properties: Record<string, unknown> }>;

/** The CLI's reconciliation: schema defaults and enforcement levels, then the initial config, then the user's. */
function reconcile(info: AnalyzerInfo, given: PolicyConfig): Reconciled {
  const result: Reconciled = {};
  for (const p of info.policies) {
    const properties: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p.configSchema?.properties ?? {})) {
      if (v && typeof v === "object" && "default" in v) properties[k] = (v as { default: unknown }).default;
    }
    result[p.name] = { enforcementLevel: p.enforcementLevel, properties };
  }
  const apply = (config: Record<string, { enforcementLevel?: Level; properties: Record<string, unknown> }>) => {
    const all = config.all?.enforcementLevel;
    if (all) for (const k of Object.keys(result)) result[k] = { ...result[k], enforcementLevel: all };
    for (const [name, c] of Object.entries(config)) {
      const r = result[name] ?? { properties: {} };
      result[name] = { enforcementLevel: c.enforcementLevel ?? r.enforcementLevel, properties: { ...r.properties, ...c.properties } };
    }
  };
  apply(info.initialConfig);
  const normalized: Record<string, { enforcementLevel?: Level; properties: Record<string, unknown> }> = {};
  for (const [name, c] of Object.entries(given)) {
    if (typeof c === "string") normalized[name] = { enforcementLevel: c, properties: {} };
    else {
      const { enforcementLevel, ...properties } = c;
      normalized[name] = { ...(enforcementLevel ? { enforcementLevel } : {}), properties };
    }
  }
  apply(normalized);
  return result;
}
