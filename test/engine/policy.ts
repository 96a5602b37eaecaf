/**
 * Policy packs for the stand-in engine (`--policy-pack DIR [--policy-pack-config FILE]`), as the
 * engine runs them: each pack started in its folder (test/harness/analyzer.ts), its config
 * reconciled and sent, and AnalyzeStack called once the steps of a preview or an update have
 * succeeded, with every resource the run registered (outputs; a preview's planned ones), its
 * parent, dependencies, property dependencies and provider (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go AnalyzeResources, deployment_executor.go). Diagnostics go
 * to the run's: a mandatory one is an error and fails the run, an advisory one a warning.
 * Not done: Analyze per resource before its step (the packs this repository has are stack
 * policies only), remediations.
 */
import { startPack, type Level, type PolicyConfig, type ResourceSpec } from "../harness/analyzer";
import { urnName, type ResourceState } from "./state";

export interface PolicyPackOption {
  /** The pack's folder (PulumiPolicy.yaml, package.json, node_modules). */
  dir: string;
  /** Its policy config, as `--policy-pack-config` gives it. */
  config?: PolicyConfig;
}

export interface PolicyViolation {
  pack: string;
  policy: string;
  level: Level;
  message: string;
  urn?: string;
}

const DYNAMIC_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";

function spec(r: ResourceState): ResourceSpec {
  const s: ResourceSpec = { type: r.type, name: urnName(r.urn), urn: r.urn, props: r.outputs, dependencies: r.dependencies };
  if (r.parent) s.parent = r.parent;
  if (r.propertyDependencies) s.propertyDependencies = r.propertyDependencies;
  if (r.provider) {
    // `<provider urn>::<id>`: the stand-in engine's providers are default ones, with no inputs.
    const urn = r.provider.split("::").slice(0, -1).join("::");
    s.provider = { type: r.provider.includes(DYNAMIC_PROVIDER_TYPE) ? DYNAMIC_PROVIDER_TYPE : urn.split("::")[2], name: urnName(urn), urn, props: {} };
  }
  return s;
}

/** Runs AnalyzeStack of every pack over the stack's resources. */
export async function analyzeStackWithPacks(packs: PolicyPackOption[], resources: ResourceState[]): Promise<PolicyViolation[]> {
  const out: PolicyViolation[] = [];
  for (const p of packs) {
    const pack = await startPack(p.dir);
    try {
      const info = await pack.info();
      await pack.configure(p.config ?? {});
      const r = await pack.analyzeStack(resources.map(spec));
      for (const d of r.diagnostics) {
        out.push({ pack: `${info.name}@v${info.version}`, policy: d.policyName, level: d.enforcementLevel, message: d.message, ...(d.urn ? { urn: d.urn } : {}) });
      }
    } finally {
      await pack.stop();
    }
  }
  return out;
}
