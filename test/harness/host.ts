/**
 * Drives `@pulumi/pulumi`'s own dynamic-provider host (cmd/dynamic-provider) as the engine does:
 * a child process spoken to over gRPC with the protos @pulumi/pulumi ships. Offline: the engine
 * address the host takes is never dialled.
 *
 *   const host = await startHost({ cwd });
 *   const provider = await serializeProvider(myProvider);   // the __provider text
 *   const { inputs, failures } = await host.check({}, { ...inputs, __provider: provider });
 *   ...
 *   await host.stop();
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

export const PROVIDER_KEY = "__provider";

/** Modules resolved from wherever @pulumi/pulumi lives, so that messages and Structs are the host's own classes. */
function fromPulumi<T>(id: string, base = process.cwd()): T {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [base, __dirname] }));
  return require(require.resolve(id, { paths: [pulumiDir] })) as T;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: Array<{ property: string; reason: string }>;
}
export interface DiffResult {
  changes: "some" | "none" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}
export interface InitFailed {
  id: string;
  properties: Record<string, unknown>;
  reasons: string[];
}

/** An error the host answered with; `initFailed` when it carried resource-init-failed partial state. */
export class HostError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly initFailed?: InitFailed,
  ) {
    super(message);
  }
}

export interface HostOptions {
  /** The host's working directory (the stack's directory in a real run). Default: process.cwd(). */
  cwd?: string;
  /** Extra environment for the host process. */
  env?: NodeJS.ProcessEnv;
  /** The host's whole environment, instead of this process's plus `env` (the stand-in engine builds it). */
  fullEnv?: NodeJS.ProcessEnv;
  /** Where @pulumi/pulumi is resolved from (default: cwd). */
  pulumiFrom?: string;
  /** The engine address passed as the host's argument (never dialled by the host). */
  engineAddress?: string;
  /** Called with each chunk the host prints on stderr (and on stdout after the port line). */
  onOutput?: (text: string) => void;
}

export interface Host {
  readonly port: number;
  /** The host process's id. */
  readonly pid: number;
  /** Resolves when the host process has exited (killed, crashed or stopped). */
  readonly exited: Promise<void>;
  /** Kills the host at once (SIGKILL: no cleanup, as a crash or a killed machine) and waits for it to exit. */
  kill(): Promise<void>;
  /** Everything the host printed on stderr (its log), and stdout after the port line. */
  output(): string;
  /** Waits until the host's output matches (its stderr arrives apart from the gRPC answers). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  configure(config: Record<string, string>): Promise<void>;
  check(olds: Record<string, unknown>, news: Record<string, unknown>, urn?: string): Promise<CheckResult>;
  diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>, urn?: string): Promise<DiffResult>;
  create(props: Record<string, unknown>, urn?: string): Promise<{ id: string; properties: Record<string, unknown> }>;
  read(id: string, props: Record<string, unknown>, urn?: string): Promise<{ id: string; properties: Record<string, unknown>; inputs?: Record<string, unknown> }>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>, urn?: string): Promise<{ properties: Record<string, unknown> }>;
  delete(id: string, props: Record<string, unknown>, urn?: string): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_URN = "urn:pulumi:test::image-share::pulumi-nodejs:dynamic/image-share:Resource::r";

/** Starts the host in `cwd` and connects to it. */
export async function startHost(options: HostOptions = {}): Promise<Host> {
  const cwd = options.cwd ?? process.cwd();
  const base = options.pulumiFrom ?? cwd;
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [base, __dirname] }));
  const entry = path.join(pulumiDir, "cmd", "dynamic-provider", "index.js");
  const child: ChildProcess = spawn(process.execPath, [entry, options.engineAddress ?? "127.0.0.1:1"], {
    cwd,
    env: options.fullEnv ?? { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const append = (d: string) => {
    out += d;
    options.onOutput?.(d);
  };
  child.stderr!.setEncoding("utf8").on("data", append);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    const onData = (d: string) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      child.stdout!.off("data", onData);
      if (buf.length > nl + 1) append(buf.slice(nl + 1));
      child.stdout!.on("data", append);
      const p = Number(buf.slice(0, nl).trim());
      if (Number.isInteger(p) && p > 0) resolve(p);
      else reject(new Error(`dynamic-provider host printed "${buf.slice(0, nl)}" instead of its port; stderr: ${out}`));
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => reject(new Error(`dynamic-provider host exited (${code}) before printing its port; stderr: ${out}`)));
    child.once("error", reject);
  });

  const grpc = fromPulumi<Any>("@grpc/grpc-js", base);
  const services = fromPulumi<Any>("@pulumi/pulumi/proto/provider_grpc_pb", base);
  const pb = fromPulumi<Any>("@pulumi/pulumi/proto/provider_pb", base);
  const structpb = fromPulumi<Any>("google-protobuf/google/protobuf/struct_pb", base);
  const statuspb = fromPulumi<Any>("@pulumi/pulumi/proto/status_pb", base);
  const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  const struct = (o: Record<string, unknown>) => structpb.Struct.fromJavaScript(JSON.parse(JSON.stringify(o)));
  const call = <T>(method: string, req: Any): Promise<T> =>
    new Promise((resolve, reject) => {
      client[method](req, (err: Any, res: T) => (err ? reject(toHostError(err)) : resolve(res)));
    });
  const toHostError = (err: Any): HostError => {
    let initFailed: InitFailed | undefined;
    const bin = err.metadata?.get?.("grpc-status-details-bin")?.[0];
    if (bin) {
      const status = statuspb.Status.deserializeBinary(new Uint8Array(bin));
      for (const any of status.getDetailsList()) {
        if (!String(any.getTypeUrl()).endsWith("pulumirpc.ErrorResourceInitFailed")) continue;
        const d = pb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
        initFailed = { id: d.getId(), properties: d.getProperties()?.toJavaScript() ?? {}, reasons: d.getReasonsList() };
      }
    }
    return new HostError(String(err.details ?? err.message), err.code, initFailed);
  };

  const host: Host = {
    port,
    pid: child.pid!,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    output: () => out,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`the host's output never matched ${pattern}; it holds:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    },
    async configure(config) {
      const req = new pb.ConfigureRequest();
      req.setArgs(struct(config));
      await call("configure", req);
    },
    async check(olds, news, urn = DEFAULT_URN) {
      const req = new pb.CheckRequest();
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res: Any = await call("check", req);
      return {
        inputs: res.getInputs()?.toJavaScript() ?? {},
        failures: res.getFailuresList().map((f: Any) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, olds, news, urn = DEFAULT_URN) {
      const req = new pb.DiffRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res: Any = await call("diff", req);
      const C = pb.DiffResponse.DiffChanges;
      const c = res.getChanges();
      return {
        changes: c === C.DIFF_SOME ? "some" : c === C.DIFF_NONE ? "none" : "unknown",
        replaces: res.getReplacesList(),
        deleteBeforeReplace: res.getDeletebeforereplace(),
      };
    },
    async create(props, urn = DEFAULT_URN) {
      const req = new pb.CreateRequest();
      req.setUrn(urn);
      req.setProperties(struct(props));
      const res: Any = await call("create", req);
      return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {} };
    },
    async read(id, props, urn = DEFAULT_URN) {
      const req = new pb.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(struct(props));
      const res: Any = await call("read", req);
      const inputs = res.getInputs()?.toJavaScript();
      return { id: res.getId(), properties: res.getProperties()?.toJavaScript() ?? {}, ...(inputs ? { inputs } : {}) };
    },
    async update(id, olds, news, urn = DEFAULT_URN) {
      const req = new pb.UpdateRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res: Any = await call("update", req);
      return { properties: res.getProperties()?.toJavaScript() ?? {} };
    },
    async delete(id, props, urn = DEFAULT_URN) {
      const req = new pb.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(struct(props));
      await call("delete", req);
    },
    async stop() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
  return host;
}

/**
 * The `__provider` text for a provider object, made exactly as pulumi.dynamic.Resource makes it:
 * serializeFunction(() => provider, { allowSecrets: true }). `pulumiFrom`: resolve @pulumi/pulumi
 * from there (an installed copy's directory), else from this repository.
 */
export async function serializeProvider(provider: object, pulumiFrom?: string): Promise<string> {
  const runtime = fromPulumi<{ serializeFunction(f: () => unknown, args: { allowSecrets: boolean }): Promise<{ text: string }> }>(
    "@pulumi/pulumi/runtime",
    pulumiFrom ?? process.cwd(),
  );
  const sf = await runtime.serializeFunction(() => provider, { allowSecrets: true });
  return sf.text;
}
