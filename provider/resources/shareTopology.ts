/**
 * ShareTopology: a topology file (the config-repo case) as Pulumi resources. It validates the
 * whole file up front (an error fails the program with the rule ids, before any resource is
 * declared), then declares one CrossRegionCopy per copy, one ImageShare per share and one
 * ShareAcceptance per acceptance, wired so that an apply runs in the only order that works:
 * a share of a copy's product waits for the copy (and takes its imageId), an acceptance waits for
 * the shares that grant it, and a recipient's copy waits for its acceptance.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Topology } from "../rules/model";
import type { Violation } from "../rules/rule";
import { validate } from "../rules";
import { policyFactsOf, TOPOLOGY_TYPE } from "../policy/facts";
import type { PolicySettings } from "../policy/settings";
import { CrossRegionCopy } from "./crossRegionCopy";
import { ImageShare } from "./imageShare";
import { ShareAcceptance } from "./shareAcceptance";
import { configDefaults, inputError, type ConnectionArgs, type SecretRefArgs } from "./common";
import { mapTopology, MappingError, type Actor, type TopologyMapping } from "./mapping";
import { describeLoadError, loadTopologyFile, seedEmulatorFile } from "./seed";

export interface ShareTopologyArgs {
  /**
   * A topology file (YAML or JSON), relative to the program's working directory: the folder of
   * Pulumi.yaml's `main` (the project's folder when main is not set). Name it from `__dirname` to be
   * independent of that.
   */
  file?: string;
  /** Or the topology itself (as a loader returns it). */
  topology?: Topology;
  /** Connection defaults for every resource (backend, emulatorPath, endpoint); config "image-share:*" otherwise. */
  connection?: ConnectionArgs;
  /** Shortcut for connection.emulatorPath. */
  emulatorPath?: string;
  /**
   * backend "cloud": per account key of the file, where that account's credentials are (names,
   * never values): a map, or a function of the account key (e.g. to environment variable names).
   */
  credentials?: Record<string, AccountCredentials> | ((accountKey: string) => AccountCredentials | undefined);
  /** Seed the emulator with the file's accounts and existing images before anything reads it. */
  seedEmulator?: boolean;
}

export interface AccountCredentials {
  accessKey?: SecretRefArgs;
  secretKey?: SecretRefArgs;
}

export class ShareTopology extends pulumi.ComponentResource {
  /** Image key -> image id (a copy's product once the copy exists). */
  public readonly imageIds: pulumi.Output<Record<string, string>>;
  /** Share name -> resource. */
  public readonly shares: Record<string, ImageShare> = {};
  public readonly acceptances: Record<string, ShareAcceptance> = {};
  public readonly copies: Record<string, CrossRegionCopy> = {};
  /** The warnings of the up-front validation (errors fail the program). */
  public readonly warnings: Violation[];
  /** The topology as loaded (keys and ids), e.g. for standalone resources beside it. */
  public readonly topology: Topology;
  /**
   * What the file says that its resources' inputs do not (image kinds and owners, members outside
   * the file, projects' regions, sites, trust, limits), in the policy settings' shape: registered
   * as an output, where the policy pack (image-share/policy) reads it for the whole stack.
   */
  public readonly policyFacts: PolicySettings;

  constructor(name: string, args: ShareTopologyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(TOPOLOGY_TYPE, name, {}, opts);
    const topology = topologyOf(name, args);
    this.topology = topology;
    const violations = validate(topology);
    const errors = violations.filter((v) => v.severity === "error");
    if (errors.length > 0) {
      throw new pulumi.ResourceError(
        `image-share: ${name}: the topology${args.file ? ` ${args.file}` : ""} breaks ${errors.length} rule(s):\n` +
          errors.map((v) => `  [${v.rule}] ${v.resource}: ${v.message}${v.fix ? ` Fix: ${v.fix}` : ""}`).join("\n"),
        this,
        true,
      );
    }
    this.warnings = violations.filter((v) => v.severity === "warning");
    for (const w of this.warnings) void pulumi.log.warn(`[${w.rule}] ${w.resource}: ${w.message}${w.fix ? ` Fix: ${w.fix}` : ""}`, this);

    let mapping: TopologyMapping;
    try {
      mapping = mapTopology(topology);
    } catch (e) {
      if (e instanceof MappingError) throw inputError(name, e.message);
      throw e;
    }

    // Seeding first: every resource's check reads the emulator, so their inputs wait for it.
    const seeded = args.seedEmulator ? this.seed(name, args, topology) : undefined;
    const connectionFor = (a: Actor): pulumi.Input<ConnectionArgs> => {
      const c: ConnectionArgs = { ...(args.connection ?? {}) };
      if (args.emulatorPath !== undefined) c.emulatorPath = args.emulatorPath;
      const creds = typeof args.credentials === "function" ? args.credentials(a.accountKey) : args.credentials?.[a.accountKey];
      if (creds) c.credentials = creds;
      return seeded ? pulumi.output(seeded.then(() => c)) : c;
    };
    const rules = {
      limits: topology.limits,
      trust: topology.trust?.map((k) => topology.accounts[k]?.id).filter((id): id is string => id !== undefined),
      strictTrust: topology.strictTrust,
      regions: topology.regions,
    };
    const identity = (a: Actor) => ({
      profile: a.profile,
      region: a.region,
      account: a.account,
      project: a.project,
      connection: connectionFor(a),
      ...rules,
    });

    const imageIds: Record<string, pulumi.Input<string>> = {};
    for (const [key, source] of Object.entries(mapping.images)) if (source.kind === "id") imageIds[key] = source.id;
    const imageId = (key: string): pulumi.Input<string> => imageIds[key];
    const producer = (key: string): CrossRegionCopy[] => {
      const s = mapping.images[key];
      return s?.kind === "copy" && this.copies[s.copy] ? [this.copies[s.copy]] : [];
    };

    for (const node of declarationOrder(name, mapping)) {
      const child = { parent: this };
      if (node.kind === "copy") {
        const c = node.copy;
        const copy = new CrossRegionCopy(
          `${name}-${c.name}`,
          { ...identity(c.actor), sourceImageId: imageId(c.image), targetRegion: c.targetRegion, name: c.imageName, description: c.description },
          { ...child, dependsOn: [...producer(c.image), ...c.after.map((a) => this.acceptances[a])] },
        );
        this.copies[c.name] = copy;
        imageIds[c.as] = copy.imageId;
      } else if (node.kind === "share") {
        const s = node.share;
        this.shares[s.name] = new ImageShare(
          `${name}-${s.name}`,
          { ...identity(s.actor), imageId: imageId(s.image), members: s.members.map((m) => m.target) },
          // A freshly copied image cannot be shared until the copy is ready.
          { ...child, dependsOn: producer(s.image) },
        );
      } else {
        const a = node.acceptance;
        this.acceptances[a.name] = new ShareAcceptance(
          `${name}-${a.name}`,
          { ...identity(a.actor), imageId: imageId(a.image), member: a.member, status: a.status },
          { ...child, dependsOn: [...producer(a.image), ...a.grantedBy.map((s) => this.shares[s])] },
        );
      }
    }

    this.imageIds = pulumi.output(imageIds) as pulumi.Output<Record<string, string>>;
    this.policyFacts = policyFactsOf(topology);
    this.registerOutputs({ imageIds: this.imageIds, policyFacts: this.policyFacts });
  }

  private seed(name: string, args: ShareTopologyArgs, topology: Topology): Promise<void> {
    const backend = args.connection?.backend ?? configDefaults().backend ?? "emulator";
    if (backend !== "emulator") throw inputError(name, `seedEmulator needs the emulator backend, not "${String(backend)}"`);
    const given = args.emulatorPath ?? args.connection?.emulatorPath ?? configDefaults().emulatorPath;
    if (given !== undefined && typeof given !== "string") throw inputError(name, "seedEmulator needs emulatorPath as a plain string");
    // Undefined: the emulator's own default, as the provider resolves it.
    return seedEmulatorFile(given, topology);
  }
}

function topologyOf(name: string, args: ShareTopologyArgs): Topology {
  if (!args || (args.file === undefined) === (args.topology === undefined)) {
    throw inputError(name, "give exactly one of file (a topology file) or topology");
  }
  if (args.topology) return args.topology;
  const file = path.resolve(args.file!);
  const loaded = loadTopologyFile(file);
  if ("errors" in loaded && loaded.errors && loaded.errors.length > 0) {
    throw inputError(name, `${args.file} is not a valid topology file:\n${loaded.errors.map((e) => `  ${describeLoadError(e)}`).join("\n")}`);
  }
  return (loaded as { topology: Topology }).topology;
}

type Node =
  | { kind: "copy"; copy: TopologyMapping["copies"][number] }
  | { kind: "share"; share: TopologyMapping["shares"][number] }
  | { kind: "acceptance"; acceptance: TopologyMapping["acceptances"][number] };

/** Copies, shares and acceptances in an order where each comes after what it waits for. */
function declarationOrder(name: string, m: TopologyMapping): Node[] {
  const nodes = new Map<string, { node: Node; after: string[] }>();
  const producerOf = (image: string) => {
    const s = m.images[image];
    return s?.kind === "copy" ? [`copy:${s.copy}`] : [];
  };
  for (const c of m.copies) nodes.set(`copy:${c.name}`, { node: { kind: "copy", copy: c }, after: [...producerOf(c.image), ...c.after.map((a) => `acceptance:${a}`)] });
  for (const s of m.shares) nodes.set(`share:${s.name}`, { node: { kind: "share", share: s }, after: producerOf(s.image) });
  for (const a of m.acceptances) {
    nodes.set(`acceptance:${a.name}`, { node: { kind: "acceptance", acceptance: a }, after: [...producerOf(a.image), ...a.grantedBy.map((s) => `share:${s}`)] });
  }
  const out: Node[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (key: string, trail: string[]) => {
    const s = state.get(key);
    if (s === "done") return;
    if (s === "visiting") throw inputError(name, `the topology waits in a circle: ${[...trail, key].join(" -> ")}`);
    const entry = nodes.get(key);
    if (!entry) return;
    state.set(key, "visiting");
    for (const dep of entry.after) visit(dep, [...trail, key]);
    state.set(key, "done");
    out.push(entry.node);
  };
  for (const key of nodes.keys()) visit(key, []);
  return out;
}
