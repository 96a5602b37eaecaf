/**
 * The stand-in engine: `pulumi preview | up | refresh | destroy` for a Node.js Pulumi program,
 * offline and without the Pulumi CLI, for tests. It serves the engine's `ResourceMonitor` and
 * `Engine` gRPC services (the protos @pulumi/pulumi ships), launches the real language runtime
 * (`@pulumi/pulumi/cmd/run`) as the Node language host does (project.ts), and sends
 * `pulumi-nodejs:dynamic` resources to the real dynamic-provider host (test/harness/host.ts),
 * started where the engine starts plugins. State is carried between runs in a file (state.ts).
 * What it leaves out compared to the real engine: README.md beside this file.
 *
 *   const r = await runOperation("up", { cwd: projectDir, state: stateFile });
 *   r.ok; r.steps; r.diagnostics; r.outputs; r.output (as the CLI would print it)
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { startHost, HostError, type Host } from "../harness/host";
import { defaultParallel, dynamicProviderLaunch, programLaunch, readProject, readStackConfig, type ConfigValue, type Project } from "./project";
import {
  UNKNOWN,
  annotateSecrets,
  changedKeys,
  loadState,
  makeUrn,
  saveState,
  unwrapSecrets,
  urnName,
  type PendingOperation,
  type Props,
  type ResourceState,
  type StateFile,
} from "./state";
import { render } from "./display";
import { analyzeStackWithPacks, type PolicyPackOption, type PolicyViolation } from "./policy";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

export type Operation = "preview" | "up" | "refresh" | "destroy";

export interface ProviderCall {
  method: "check" | "diff" | "create" | "update" | "delete" | "read";
  urn: string;
  /** The dynamic-provider host the call goes to: tests kill it to crash an apply at this point. */
  host: { pid: number; kill(): Promise<void> };
  /** Whether the call has not been answered yet. */
  inFlight(): boolean;
}

export interface EngineOptions {
  /** The project directory, where Pulumi.yaml is (as `pulumi --cwd`). */
  cwd: string;
  /** The state file carried between runs (created on the first up). */
  state: string;
  /** Stack name (default "dev"). */
  stack?: string;
  /** Organization (default "organization", the local backend's). */
  organization?: string;
  /** Config `namespace:key` -> value, over Pulumi.yaml's and Pulumi.<stack>.yaml's. */
  config?: Record<string, ConfigValue>;
  /** Resource operations at once (default: `pulumi up`'s, 4 per CPU). */
  parallel?: number;
  /** Environment for the program and the provider host, over this process's. */
  env?: NodeJS.ProcessEnv;
  /** preview / up: refresh the state first (`--refresh`). */
  refresh?: boolean;
  /**
   * Called before each call to a provider (tests: kill the host here, or later). Answering
   * "repeat" sends the call twice, the first answer dropped, as an engine retry after a lost answer.
   */
  onProviderCall?: (call: ProviderCall) => void | "repeat" | Promise<void | "repeat">;
  /** Each line of the display, as it is made (the CLI prints as it goes). */
  print?: (line: string) => void;
  /** preview / up: policy packs run on the stack once its steps succeeded (`--policy-pack`; policy.ts). */
  policyPacks?: PolicyPackOption[];
}

export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "refresh" | "read-discard";

export interface Step {
  op: StepOp;
  urn: string;
  type: string;
  name: string;
  /** Top-level input keys that differ (update, replace; refresh: output keys). */
  diffs?: string[];
  /** Keys the provider says force a replacement. */
  replaces?: string[];
  ok: boolean;
  /** Hidden in the display (default providers, as the CLI hides them). */
  hidden?: boolean;
}

export interface Diagnostic {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn?: string;
}

export interface RunResult {
  operation: Operation;
  ok: boolean;
  steps: Step[];
  diagnostics: Diagnostic[];
  /** Stack outputs (unknown ones as the unknown marker during preview). */
  outputs: Props;
  /** Every provider call, in order of completion. */
  calls: Array<{ method: ProviderCall["method"]; urn: string; ok: boolean }>;
  /** The run as the CLI would print it. */
  output: string;
  /** What the program and the provider host printed. */
  programOutput: string;
  providerOutput: string;
  /** The state after the run (preview: unchanged). */
  state: StateFile;
  /** Steps by op (hidden ones left out), e.g. { create: 3, same: 1 }. */
  summary: Partial<Record<StepOp, number>>;
  /** What the policy packs reported (with `policyPacks`). */
  policyViolations?: PolicyViolation[];
}

/** Modules resolved from @pulumi/pulumi's own folder, so that the gRPC classes are the SDK's. */
function sdkModules(from: string): { grpc: Any; resource: Any; resourceGrpc: Any; engine: Any; engineGrpc: Any; struct: Any; empty: Any } {
  const dir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [from, __dirname] }));
  const load = (id: string) => require(require.resolve(id, { paths: [dir] }));
  return {
    grpc: load("@grpc/grpc-js"),
    resource: load("@pulumi/pulumi/proto/resource_pb"),
    resourceGrpc: load("@pulumi/pulumi/proto/resource_grpc_pb"),
    engine: load("@pulumi/pulumi/proto/engine_pb"),
    engineGrpc: load("@pulumi/pulumi/proto/engine_grpc_pb"),
    struct: load("google-protobuf/google/protobuf/struct_pb"),
    empty: load("google-protobuf/google/protobuf/empty_pb"),
  };
}

/** Features the monitor reports (SupportsFeature). Off: the SDK falls back to sending plain values, URN aliases, no hooks. */
const FEATURES = new Set(["secrets"]);

const DYNAMIC_PACKAGE = "pulumi-nodejs";
const STACK_TYPE = "pulumi:pulumi:Stack";

class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  constructor(private readonly max: number) {}
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

/** A gRPC error the SDK takes as "the monitor is shutting down": it stops quietly. */
function unavailable(grpc: Any, message: string): Any {
  return { code: grpc.status.UNAVAILABLE, details: message, message };
}

function describeError(e: unknown): string {
  if (e instanceof HostError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

class Deployment {
  readonly project: Project;
  readonly stack: string;
  readonly config: Record<string, ConfigValue>;
  readonly parallel: number;
  readonly limiter: Limiter;
  readonly steps: Step[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly calls: RunResult["calls"] = [];
  readonly prev: StateFile;
  /** The state as it is now (starts as the previous one; preview never writes it). */
  current: ResourceState[];
  pending: PendingOperation[];
  /** Resources registered by this run: URN -> settles when its step is done. */
  readonly registered = new Map<string, Promise<void>>();
  readonly inFlight = new Set<Promise<unknown>>();
  /** The update stops issuing steps (a check failure or a failed step), as the engine bails. */
  bailed = false;
  programOutput = "";
  providerOutput = "";
  rootUrn?: string;
  private host?: Promise<Host>;
  private readonly providerIds = new Map<string, string>();

  constructor(
    readonly operation: Operation,
    readonly options: EngineOptions,
  ) {
    this.project = readProject(path.resolve(options.cwd));
    this.stack = options.stack ?? "dev";
    this.config = { ...this.project.config, ...readStackConfig(this.project, this.stack), ...options.config };
    this.parallel = options.parallel ?? defaultParallel();
    this.limiter = new Limiter(this.parallel);
    this.prev = loadState(options.state);
    this.current = this.prev.resources.map((r) => ({ ...r }));
    // Pending creates stay until a person clears them (backend/snapshot.go); the others end with this run.
    this.pending = this.prev.pendingOperations.filter((p) => p.type === "creating");
  }

  get dryRun(): boolean {
    return this.operation === "preview";
  }

  diag(severity: Diagnostic["severity"], message: string, urn?: string): void {
    this.diagnostics.push({ severity, message, ...(urn ? { urn } : {}) });
  }

  step(s: Step): void {
    this.steps.push(s);
    if (!s.hidden) this.options.print?.(render.stepLine(s, this.operation));
  }

  flush(): void {
    if (this.dryRun) return;
    saveState(this.options.state, { version: 1, project: this.project.name, stack: this.stack, resources: this.current, pendingOperations: this.pending });
  }

  // --- the state -------------------------------------------------------------------------------

  live(urn: string): ResourceState | undefined {
    return this.current.find((r) => r.urn === urn && !r.delete);
  }

  upsert(entry: ResourceState): void {
    const i = this.current.findIndex((r) => r.urn === entry.urn && !r.delete);
    if (i >= 0) this.current[i] = entry;
    else this.current.push(entry);
  }

  remove(entry: ResourceState): void {
    this.current = this.current.filter((r) => r !== entry);
  }

  begin(type: PendingOperation["type"], r: Pick<ResourceState, "urn" | "type" | "id" | "inputs">): PendingOperation {
    const op: PendingOperation = { type, resource: { urn: r.urn, type: r.type, ...(r.id ? { id: r.id } : {}), inputs: r.inputs } };
    this.pending.push(op);
    this.flush();
    return op;
  }

  end(op: PendingOperation): void {
    this.pending = this.pending.filter((p) => p !== op);
  }

  // --- providers -------------------------------------------------------------------------------

  /** The default provider of a package: its reference, its resource in the state made on first use. */
  providerRef(pkg: string): string {
    const urn = makeUrn(this.stack, this.project.name, `pulumi:providers:${pkg}`, "default");
    let id = this.providerIds.get(urn);
    if (!id) {
      const existing = this.live(urn);
      id = existing?.id ?? (this.dryRun ? UNKNOWN : randomUUID());
      this.providerIds.set(urn, id);
      if (!existing) {
        this.step({ op: "create", urn, type: `pulumi:providers:${pkg}`, name: "default", ok: true, hidden: true });
        if (!this.dryRun) this.upsert({ urn, type: `pulumi:providers:${pkg}`, custom: true, id, inputs: {}, outputs: {}, dependencies: [] });
      }
    }
    return `${urn}::${id}`;
  }

  dynamicHost(): Promise<Host> {
    this.host ??= (async () => {
      const launch = dynamicProviderLaunch(this.project, { ...this.options.env });
      const host = await startHost({
        cwd: launch.cwd,
        fullEnv: launch.env,
        engineAddress: this.engineAddress,
        onOutput: (t) => this.providerLines(t),
      });
      // Dynamic providers get the whole stack config, keys with their namespace (deploy/target.go GetPackageConfig).
      const config = Object.fromEntries(Object.entries(this.config).map(([k, v]) => [k, typeof v === "string" ? v : v.secret]));
      await host.configure(config);
      return host;
    })();
    return this.host;
  }

  private partialLine = "";

  /** The host's stderr, line by line, as info diagnostics (the engine shows plugin output so). */
  providerLines(text: string): void {
    this.providerOutput += text;
    const lines = (this.partialLine + text).split("\n");
    this.partialLine = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) this.diag("info", line);
  }

  async call<T>(method: ProviderCall["method"], urn: string, f: (h: Host) => Promise<T>): Promise<T> {
    const h = await this.dynamicHost();
    let answered = false;
    const action = await this.options.onProviderCall?.({ method, urn, host: { pid: h.pid, kill: () => h.kill() }, inFlight: () => !answered });
    try {
      if (action === "repeat") await f(h).catch(() => undefined);
      const r = await f(h);
      answered = true;
      this.calls.push({ method, urn, ok: true });
      return r;
    } catch (e) {
      answered = true;
      this.calls.push({ method, urn, ok: false });
      throw e;
    }
  }

  async stopHost(): Promise<void> {
    if (!this.host) return;
    try {
      await (await this.host).stop();
    } catch {
      // never started: nothing to stop
    }
  }

  engineAddress = "127.0.0.1:1";

  // --- registrations from the program ----------------------------------------------------------

  async registerResource(req: Any): Promise<{ urn: string; id?: string; object: Props }> {
    const type: string = req.getType();
    const name: string = req.getName();
    const parent: string | undefined = req.getParent() || undefined;
    const custom: boolean = req.getCustom();
    const urn = makeUrn(this.stack, this.project.name, type, name, type === STACK_TYPE ? undefined : parent);
    if (this.registered.has(urn)) {
      this.diag("error", `Duplicate resource URN '${urn}'; try giving it a unique name`, urn);
      this.bailed = true;
      throw new Error(`Duplicate resource URN '${urn}'`);
    }
    let settle!: () => void;
    this.registered.set(urn, new Promise<void>((r) => (settle = r)));
    try {
      const inputs = (req.getObject()?.toJavaScript() ?? {}) as Props;
      const dependencies: string[] = req.getDependenciesList();
      const propertyDependencies: Record<string, string[]> = {};
      for (const [k, v] of req.getPropertydependenciesMap().entries()) propertyDependencies[k] = v.getUrnsList();
      // A resource's step starts once the steps of what it depends on are done (the step executor's rule).
      await Promise.all(dependencies.map((d) => this.registered.get(d)));
      if (this.bailed) throw new Error("the update stopped: an earlier resource failed");
      const base: ResourceState = {
        urn,
        type,
        custom,
        inputs,
        outputs: {},
        ...(parent && type !== STACK_TYPE ? { parent } : {}),
        dependencies,
        ...(Object.keys(propertyDependencies).length ? { propertyDependencies } : {}),
        ...(req.hasProtect?.() && req.getProtect() ? { protect: true } : {}),
        ...(req.hasRetainondelete?.() && req.getRetainondelete() ? { retainOnDelete: true } : {}),
      };
      if (!custom) return this.registerComponent(base);
      const registered = await this.limiter.run(() => this.registerCustom(base, req));
      this.news.set(urn, { ...base, ...(registered.id ? { id: registered.id } : {}), outputs: registered.object });
      return registered;
    } finally {
      settle();
    }
  }

  registerComponent(base: ResourceState): { urn: string; object: Props } {
    const old = this.live(base.urn);
    this.step({ op: old ? "same" : "create", urn: base.urn, type: base.type, name: urnName(base.urn), ok: true });
    const entry: ResourceState = { ...base, outputs: old?.outputs ?? {} };
    if (!this.dryRun) {
      this.upsert(entry);
      this.flush();
    }
    this.componentEntries.set(base.urn, entry);
    return { urn: base.urn, object: {} };
  }

  /** Components' entries of this run, for their registered outputs. */
  readonly componentEntries = new Map<string, ResourceState>();
  /** Custom resources of this run as the program sees them (a preview's planned outputs), for policy packs. */
  readonly news = new Map<string, ResourceState>();
  policyViolations?: PolicyViolation[];

  registerOutputs(urn: string, outputs: Props): void {
    const entry = this.componentEntries.get(urn);
    if (!entry) return;
    entry.outputs = outputs;
    if (!this.dryRun) this.flush();
  }

  async registerCustom(base: ResourceState, req: Any): Promise<{ urn: string; id?: string; object: Props }> {
    const { urn, type } = base;
    const name = urnName(urn);
    const pkg = type.split(":")[0];
    if (pkg !== DYNAMIC_PACKAGE) {
      this.diag("error", `the stand-in engine has no provider for package "${pkg}" (it runs dynamic providers only)`, urn);
      this.bailed = true;
      throw new Error(`no provider for ${pkg}`);
    }
    if (req.getProvider()) {
      this.diag("error", `explicit providers are not supported by the stand-in engine (resource ${name})`, urn);
      this.bailed = true;
      throw new Error("explicit provider");
    }
    base.provider = this.providerRef(pkg);
    const old = this.live(urn);
    const additionalSecrets: string[] = req.getAdditionalsecretoutputsList();

    // ignoreChanges: the old value stands (top-level keys).
    const goal: Props = { ...base.inputs };
    if (old) for (const k of req.getIgnorechangesList() as string[]) if (k in old.inputs) goal[k] = old.inputs[k];

    const checked = await this.call("check", urn, (h) => h.check(old ? (unwrapSecrets(old.inputs) as Props) : {}, unwrapSecrets(goal) as Props, urn));
    if (checked.failures.length) {
      for (const f of checked.failures) {
        const message = f.property
          ? `${type} resource '${name}': property ${f.property} value {${f.property in goal ? JSON.stringify(unwrapSecrets(goal[f.property])) : "<nil>"}} has a problem: ${f.reason}`
          : `${type} resource '${name}' has a problem: ${f.reason}`;
        this.diag("error", message, urn);
      }
      this.bailed = true;
      throw new Error(`resource ${urn} is invalid`);
    }
    const inputs = annotateSecrets(checked.inputs, goal);
    const entry: ResourceState = { ...base, inputs };

    let op: StepOp = "create";
    let diffs: string[] | undefined;
    let replaces: string[] | undefined;
    let deleteBeforeReplace = req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : false;
    if (old) {
      const d = await this.call("diff", urn, (h) => h.diff(old.id ?? "", unwrapSecrets(old.outputs) as Props, unwrapSecrets(inputs) as Props, urn));
      diffs = changedKeys(old.inputs, inputs);
      if (d.changes === "none") op = "same";
      else if (d.changes === "some") op = d.replaces.length ? "replace" : "update";
      else op = diffs.length ? "update" : "same";
      if (d.replaces.length) replaces = d.replaces;
      const roc: string[] = req.getReplaceonchangesList();
      if (op === "update" && roc.some((k) => k === "*" || diffs!.includes(k))) op = "replace";
      if (op === "same" && old.initErrors?.length) op = "update"; // init errors: update even without a change (step_generator.go)
      if (!req.getDeletebeforereplacedefined() && d.deleteBeforeReplace) deleteBeforeReplace = true;
    }

    if (this.dryRun) {
      this.step({ op, urn, type, name, ok: true, ...(diffs && op !== "same" ? { diffs } : {}), ...(replaces ? { replaces } : {}) });
      // A provider without preview support answers with its inputs (provider_plugin.go Create/Update with Preview).
      if (op === "same") return { urn, id: old!.id, object: old!.outputs };
      return { urn, id: op === "update" ? old!.id : "", object: inputs };
    }

    if (op === "same") {
      this.step({ op, urn, type, name, ok: true });
      this.upsert({ ...entry, id: old!.id, outputs: old!.outputs });
      this.flush();
      return { urn, id: old!.id, object: old!.outputs };
    }

    try {
      if (op === "update") {
        const pend = this.begin("updating", { ...entry, id: old!.id });
        try {
          const r = await this.call("update", urn, (h) => h.update(old!.id ?? "", unwrapSecrets(old!.outputs) as Props, unwrapSecrets(inputs) as Props, urn));
          Object.assign(entry, { id: old!.id, outputs: annotateSecrets(r.properties, inputs, additionalSecrets) });
          this.upsert(entry);
        } finally {
          this.end(pend);
        }
      } else {
        if (op === "replace" && deleteBeforeReplace) await this.deleteOne(old!, "replace");
        else if (op === "replace") old!.delete = true; // deleted at the end, once the replacement exists
        const pend = this.begin("creating", entry);
        try {
          const r = await this.call("create", urn, (h) => h.create(unwrapSecrets(inputs) as Props, urn));
          Object.assign(entry, { id: r.id, outputs: annotateSecrets(r.properties, inputs, additionalSecrets) });
          this.upsert(entry);
        } finally {
          this.end(pend);
        }
      }
      this.step({ op, urn, type, name, ok: true, ...(diffs ? { diffs } : {}), ...(replaces ? { replaces } : {}) });
      this.flush();
      return { urn, id: entry.id, object: entry.outputs };
    } catch (e) {
      this.failStep(e, entry, op, old, diffs, replaces, additionalSecrets);
      throw e;
    }
  }

  /** A failed create / update: partial state kept when the provider gave it (resource-init-failed). */
  failStep(e: unknown, entry: ResourceState, op: StepOp, old: ResourceState | undefined, diffs: string[] | undefined, replaces: string[] | undefined, secrets: string[]): void {
    const init = e instanceof HostError ? e.initFailed : undefined;
    if (init) {
      this.upsert({ ...entry, id: init.id || old?.id, outputs: annotateSecrets(init.properties, entry.inputs, secrets), initErrors: init.reasons });
    }
    this.step({ op, urn: entry.urn, type: entry.type, name: urnName(entry.urn), ok: false, ...(diffs ? { diffs } : {}), ...(replaces ? { replaces } : {}) });
    this.diag("error", `${op === "update" ? "updating" : "creating"} ${urnName(entry.urn)}: ${describeError(e)}`, entry.urn);
    this.bailed = true;
    this.flush();
  }

  // --- deletes -----------------------------------------------------------------------------------

  /** Deletes one resource (provider call for custom ones); throws on failure, state kept. */
  async deleteOne(r: ResourceState, why: "delete" | "replace"): Promise<void> {
    if (r.protect && why === "delete") throw new Error(`resource ${r.urn} is protected: unprotect it before deleting it`);
    if (r.custom && r.type.startsWith("pulumi:providers:")) {
      this.remove(r);
      this.flush();
      return;
    }
    if (r.custom && !r.retainOnDelete && r.id) {
      const pend = this.begin("deleting", r);
      try {
        await this.call("delete", r.urn, (h) => h.delete(r.id!, unwrapSecrets(r.outputs) as Props, r.urn));
      } finally {
        this.end(pend);
      }
    }
    this.remove(r);
    this.flush();
  }

  /**
   * Deletes resources in reverse dependency order, each once every resource that depends on it
   * (dependencies, parent, provider) is gone; `parallel` at once. Returns false if any failed.
   */
  async deleteAll(doomed: ResourceState[], op: "delete"): Promise<boolean> {
    const set = new Set(doomed);
    const dependents = new Map<ResourceState, ResourceState[]>();
    for (const r of doomed) dependents.set(r, []);
    const byUrn = (urn: string | undefined) => (urn ? doomed.filter((d) => d.urn === urn || (urn.startsWith(d.urn + "::") && d.type.startsWith("pulumi:providers:"))) : []);
    for (const r of doomed) {
      for (const u of [...r.dependencies, r.parent, r.provider]) for (const d of byUrn(u)) if (d !== r && set.has(d)) dependents.get(d)!.push(r);
    }
    const done = new Map<ResourceState, Promise<boolean>>();
    const run = (r: ResourceState): Promise<boolean> => {
      let p = done.get(r);
      if (!p) {
        p = (async () => {
          const after = await Promise.all(dependents.get(r)!.map(run));
          if (after.some((ok) => !ok)) return false;
          if (this.dryRun) {
            this.step({ op, urn: r.urn, type: r.type, name: urnName(r.urn), ok: true, ...(r.type.startsWith("pulumi:providers:") ? { hidden: true } : {}) });
            return true;
          }
          try {
            await this.limiter.run(() => this.deleteOne(r, "delete"));
            this.step({ op, urn: r.urn, type: r.type, name: urnName(r.urn), ok: true, ...(r.type.startsWith("pulumi:providers:") ? { hidden: true } : {}) });
            return true;
          } catch (e) {
            this.step({ op, urn: r.urn, type: r.type, name: urnName(r.urn), ok: false });
            this.diag("error", `deleting ${urnName(r.urn)}: ${describeError(e)}`, r.urn);
            return false;
          }
        })();
        done.set(r, p);
      }
      return p;
    };
    const results = await Promise.all(doomed.map(run));
    return results.every(Boolean);
  }

  // --- refresh -----------------------------------------------------------------------------------

  async refreshAll(): Promise<boolean> {
    let ok = true;
    const customs = this.current.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:") && r.id);
    await Promise.all(
      customs.map((r) =>
        this.limiter.run(async () => {
          try {
            const res = await this.call("read", r.urn, (h) => h.read(r.id!, unwrapSecrets(r.outputs) as Props, r.urn));
            if (!res.id) {
              this.step({ op: "read-discard", urn: r.urn, type: r.type, name: urnName(r.urn), ok: true });
              if (!this.dryRun) this.remove(r);
              return;
            }
            const outputs = annotateSecrets(res.properties, r.outputs);
            const diffs = changedKeys(r.outputs, outputs);
            this.step({ op: "refresh", urn: r.urn, type: r.type, name: urnName(r.urn), ok: true, ...(diffs.length ? { diffs } : {}) });
            if (!this.dryRun) {
              const refreshed: ResourceState = { ...r, id: res.id, outputs, inputs: res.inputs ? annotateSecrets(res.inputs, r.inputs) : r.inputs };
              delete refreshed.initErrors;
              this.current[this.current.indexOf(r)] = refreshed;
            }
          } catch (e) {
            ok = false;
            this.step({ op: "refresh", urn: r.urn, type: r.type, name: urnName(r.urn), ok: false });
            this.diag("error", `refreshing ${urnName(r.urn)}: ${describeError(e)}`, r.urn);
          }
        }),
      ),
    );
    // A refresh settles what interrupted updates and deletes left unknown (not pending creates).
    this.flush();
    return ok;
  }

  // --- the program ---------------------------------------------------------------------------------

  async runProgram(): Promise<boolean> {
    const m = sdkModules(this.project.root);
    const server = new m.grpc.Server();
    const respond = (callback: Any, f: () => Promise<Any> | Any) => {
      Promise.resolve()
        .then(f)
        .then(
          (res) => callback(null, res),
          (e) => callback(unavailable(m.grpc, describeError(e))),
        );
    };
    const struct = (o: Props) => m.struct.Struct.fromJavaScript(JSON.parse(JSON.stringify(o)));
    server.addService(m.resourceGrpc.ResourceMonitorService, {
      supportsFeature: (call: Any, callback: Any) => {
        const res = new m.resource.SupportsFeatureResponse();
        res.setHassupport(FEATURES.has(call.request.getId()));
        callback(null, res);
      },
      registerResource: (call: Any, callback: Any) => {
        const p = this.registerResource(call.request);
        this.inFlight.add(p);
        p.catch(() => undefined).finally(() => this.inFlight.delete(p));
        respond(callback, async () => {
          const r = await p;
          const res = new m.resource.RegisterResourceResponse();
          res.setUrn(r.urn);
          if (r.id !== undefined) res.setId(r.id);
          res.setObject(struct(r.object));
          return res;
        });
      },
      registerResourceOutputs: (call: Any, callback: Any) => {
        this.registerOutputs(call.request.getUrn(), (call.request.getOutputs()?.toJavaScript() ?? {}) as Props);
        callback(null, new m.empty.Empty());
      },
      signalAndWaitForShutdown: (_call: Any, callback: Any) => callback(null, new m.empty.Empty()),
      invoke: (call: Any, callback: Any) => callback({ code: m.grpc.status.UNIMPLEMENTED, details: `the stand-in engine serves no invokes (${call.request.getTok()})` }),
      readResource: (_call: Any, callback: Any) => callback({ code: m.grpc.status.UNIMPLEMENTED, details: "the stand-in engine cannot read external resources (get)" }),
    });
    server.addService(m.engineGrpc.EngineService, {
      log: (call: Any, callback: Any) => {
        const sev = ["debug", "info", "warning", "error"][call.request.getSeverity()] as Diagnostic["severity"];
        if (sev !== "debug") this.diag(sev, call.request.getMessage(), call.request.getUrn() || undefined);
        callback(null, new m.empty.Empty());
      },
      getRootResource: (_call: Any, callback: Any) => {
        const res = new m.engine.GetRootResourceResponse();
        res.setUrn(this.rootUrn ?? "");
        callback(null, res);
      },
      setRootResource: (call: Any, callback: Any) => {
        this.rootUrn = call.request.getUrn();
        callback(null, new m.engine.SetRootResourceResponse());
      },
      requirePulumiVersion: (_call: Any, callback: Any) => callback(null, new m.engine.RequirePulumiVersionResponse()),
    });
    const port: number = await new Promise((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", m.grpc.ServerCredentials.createInsecure(), (err: Error | null, p: number) => (err ? reject(err) : resolve(p))),
    );
    const address = `127.0.0.1:${port}`;
    this.engineAddress = address;
    // The engine loads the program's plugins while the program starts: start the host beside it.
    this.dynamicHost().catch(() => undefined);
    try {
      const launch = programLaunch({
        project: this.project,
        stack: this.stack,
        organization: this.options.organization ?? "organization",
        monitor: address,
        engine: address,
        dryRun: this.dryRun,
        parallel: this.parallel,
        config: this.config,
        env: this.options.env,
      });
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: launch.env, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.setEncoding("utf8").on("data", (d: string) => (this.programOutput += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (this.programOutput += d));
        child.once("error", reject);
        child.once("close", (c, signal) => resolve(c ?? (signal ? 128 : 1)));
      });
      // Steps still running when the program ended (it may have crashed) finish first.
      await Promise.all([...this.inFlight].map((p) => p.catch(() => undefined)));
      if (code !== 0 && !this.bailed) {
        // 32: the program already reported its error (cmd/run nodeJSProcessExitedAfterLoggingUserActionableMessage).
        if (code !== 32 || !this.diagnostics.some((d) => d.severity === "error")) {
          this.diag("error", `Program exited with non-zero exit code: ${code}${this.programOutput ? `\n${this.programOutput.trim()}` : ""}`);
        }
        return false;
      }
      return !this.bailed && code === 0;
    } finally {
      server.forceShutdown();
    }
  }

  // --- operations ------------------------------------------------------------------------------------

  async execute(): Promise<boolean> {
    if (this.prev.pendingOperations.length && !this.dryRun && this.operation !== "refresh") {
      this.diag(
        "warning",
        `Attempting to deploy or update resources with ${this.prev.pendingOperations.length} pending operations from previous deployment.\n` +
          this.prev.pendingOperations.map((p) => `  * ${p.resource.urn}, interrupted while ${p.type}`).join("\n") +
          "\nThese resources are in an unknown state because the engine was interrupted while waiting for changes to these resources to complete.",
      );
    }
    if (this.operation === "refresh") return this.refreshAll();
    if (this.operation === "destroy") {
      const ok = await this.deleteAll([...this.current], "delete");
      if (ok) this.pending = this.pending.filter((p) => p.type !== "creating" || this.current.some((r) => r.urn === p.resource.urn));
      this.flush();
      return ok;
    }
    if (this.options.refresh && !(await this.refreshAll())) return false;
    const programOk = await this.runProgram();
    if (!programOk) {
      this.flush();
      return false;
    }
    // Resources the program no longer declares, and the old halves of replacements.
    const doomed = this.current.filter((r) => r.delete || (!this.registered.has(r.urn) && !r.type.startsWith("pulumi:providers:")));
    let ok = await this.deleteAll(doomed, "delete");
    // Default providers no resource uses any more leave the state with them.
    if (ok && !this.dryRun) {
      const used = new Set(this.current.map((r) => r.provider?.split("::").slice(0, -1).join("::")).filter(Boolean));
      const unused = this.current.filter((r) => r.type.startsWith("pulumi:providers:") && !used.has(r.urn));
      ok = await this.deleteAll(unused, "delete");
    }
    this.flush();
    return ok;
  }

  outputs(): Props {
    const stack = this.componentEntries.get(this.rootUrn ?? "") ?? this.current.find((r) => r.type === STACK_TYPE);
    return stack?.outputs ?? {};
  }
}

/** Runs one operation on a project: `pulumi preview | up | refresh | destroy --cwd DIR`, state in `options.state`. */
export async function runOperation(operation: Operation, options: EngineOptions): Promise<RunResult> {
  const d = new Deployment(operation, options);
  let ok = false;
  try {
    ok = await d.execute();
    if (ok && options.policyPacks?.length && (operation === "preview" || operation === "up")) {
      const violations = await analyzeStackWithPacks(options.policyPacks, [...d.componentEntries.values(), ...d.news.values()]);
      d.policyViolations = violations;
      for (const v of violations) d.diag(v.level === "mandatory" ? "error" : "warning", `[${v.level}] ${v.pack} ${v.policy}: ${v.message}`, v.urn || undefined);
      if (violations.some((v) => v.level === "mandatory")) ok = false;
    }
  } catch (e) {
    d.diag("error", describeError(e));
    ok = false;
  } finally {
    await d.stopHost();
  }
  if (!ok && !d.diagnostics.some((x) => x.severity === "error")) d.diag("error", `${operation} failed`);
  const summary: RunResult["summary"] = {};
  for (const s of d.steps) if (!s.hidden) summary[s.op] = (summary[s.op] ?? 0) + 1;
  const result: RunResult = {
    operation,
    ok,
    steps: d.steps,
    diagnostics: d.diagnostics,
    outputs: d.outputs(),
    calls: d.calls,
    output: "",
    programOutput: d.programOutput,
    providerOutput: d.providerOutput,
    state: d.dryRun ? d.prev : loadState(options.state),
    summary,
    ...(d.policyViolations ? { policyViolations: d.policyViolations } : {}),
  };
  result.output = render.run(result, d.stack);
  return result;
}
