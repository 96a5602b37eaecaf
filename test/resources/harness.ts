/**
 * Runs a whole Pulumi program under pulumi.runtime.setMocks and records what reaches the engine:
 * each resource's type, name and inputs (for dynamic resources `__provider` included). Provider
 * methods are never called under mocks. A provider that fails to serialize only shows up as an
 * unhandled rejection, so the harness listens for those and fails the run, and bounds the wait.
 */
import * as pulumi from "@pulumi/pulumi";
import { resetDeclarations } from "../../provider/resources/ledger";

// Internal to the SDK (absent from its typings): resolves once every outstanding RPC, resource
// registrations included, has finished.
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

export interface RunOptions {
  preview?: boolean;
  config?: Record<string, string>;
  /** Extra output state a mock resource reports (e.g. a copy's imageId); not called in preview for unknowns. */
  outputs?: (r: Registered) => Record<string, unknown> | undefined;
  /** Bound on the wait for the program's registrations. */
  timeoutMs?: number;
}

export interface RunResult {
  resources: Registered[];
  byName(name: string): Registered;
  errors: unknown[];
  /** What the program logged, as the engine would show it ("warning: ..."). */
  logs: string[];
}

// With no engine (as under mocks) the SDK's log writes each message to the console with this prefix.
const ENGINE_LOG = /^(debug|info|warning|error): \[runtime\] /;
const CONSOLE = ["log", "warn", "error"] as const;

export async function runProgram(program: () => unknown, options: RunOptions = {}): Promise<RunResult> {
  resetDeclarations();
  const resources: Registered[] = [];
  const errors: unknown[] = [];
  const logs: string[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  process.on("unhandledRejection", onRejection);
  // What the program logs goes to the run's logs (the engine's log), not the test's output.
  const printers = CONSOLE.map((level) => console[level]);
  for (const [i, level] of CONSOLE.entries()) {
    console[level] = (...args: unknown[]) => {
      const line = args.map(String).join(" ");
      if (ENGINE_LOG.test(line)) logs.push(line.replace(" [runtime]", ""));
      else printers[i].apply(console, args);
    };
  }
  try {
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [k.includes(":") ? k : `image-share:${k}`, v])),
    );
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          const r: Registered = { type: args.type, name: args.name, inputs: args.inputs };
          resources.push(r);
          return { id: `${args.name}-id`, state: { ...args.inputs, ...(options.outputs?.(r) ?? {}) } };
        },
        call(args) {
          return args.inputs;
        },
      },
      "image-share-test",
      "test",
      options.preview ?? false,
    );
    try {
      await program();
    } catch (e) {
      errors.push(e);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the program's registrations did not finish")), options.timeoutMs ?? 20000);
    });
    try {
      await Promise.race([waitForRPCs(), timeout]);
    } catch (e) {
      errors.push(e);
    } finally {
      clearTimeout(timer);
    }
    // Unhandled rejections are reported on a later turn.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("unhandledRejection", onRejection);
    CONSOLE.forEach((level, i) => (console[level] = printers[i]));
  }
  return {
    resources,
    errors,
    logs,
    byName(name: string) {
      const r = resources.find((x) => x.name === name);
      if (!r) throw new Error(`no resource "${name}" registered; have: ${resources.map((x) => x.name).join(", ")}`);
      return r;
    },
  };
}

/** The value of an Output, for assertions. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}
