/**
 * What the Pulumi engine does with a dynamic provider, in-process, for ImageShare resources:
 * one `up` checks each declared resource, creates the new ones, diffs and updates (or replaces)
 * the others, and deletes those no longer declared. Errors are treated as the engine treats
 * them: an error that carries `id` and `properties` (resource-init-failed) records those
 * properties as the resource's state with init errors, and the next up updates it even when the
 * diff finds no change (step_generator.go: "If resource was unchanged, but there were
 * initialization errors, generate an empty update step"); any other error leaves the state as
 * it was. Each up starts with cold read caches, as a new provider host would.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { imageShareProvider } from "../../provider/resources/runtime";
import { invalidate } from "../../provider/resources/provider/cache";
import { setLogSink } from "../../provider/resources/provider/errors";
import { resolveConnection } from "../../provider/resources/provider/credentials";
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import type { MemberTarget } from "../../provider/backends/types";
import type { ProfileId } from "../../provider/rules/model";
import { PROFILES, usesProjects } from "../../provider/rules/profiles";
import type { ImageShareInputs } from "../../provider/resources/wire";

type Props = Record<string, unknown>;

export interface ResourceState {
  id: string;
  inputs: Props;
  outputs: Props;
  initErrors: boolean;
}

/** A resource as the program declares it: its image and members (the rest comes from the world). */
export interface Declared {
  imageId: string;
  members: MemberTarget[];
}

export interface UpResult {
  errors: string[];
}

export const key = (m: MemberTarget): string => `${m.type}:${m.id}`;

/** The engine's state of one stack, and `up` over a declaration of its resources. */
export class Engine {
  readonly state = new Map<string, ResourceState>();
  constructor(private readonly inputsOf: (d: Declared) => ImageShareInputs) {}

  private cold(inputs: ImageShareInputs): void {
    // A new host per up: nothing cached from the previous one.
    invalidate(resolveConnection(inputs), inputs.imageId);
  }

  /** One resource's step; returns an error message, or undefined. */
  async step(name: string, declared: Declared | undefined): Promise<string | undefined> {
    const p = imageShareProvider;
    const old = this.state.get(name);
    try {
      if (!declared) {
        if (!old) return undefined;
        this.cold(old.outputs as unknown as ImageShareInputs);
        await p.delete!(old.id, old.outputs as never);
        this.state.delete(name);
        return undefined;
      }
      const news = this.inputsOf(declared) as unknown as Props;
      this.cold(news as unknown as ImageShareInputs);
      const checked = await p.check!((old?.inputs ?? {}) as never, news as never);
      if (checked.failures?.length) return `check: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`;
      const inputs = (checked.inputs ?? news) as Props;
      if (!old) {
        try {
          const r = await p.create(inputs as never);
          this.state.set(name, { id: r.id, inputs, outputs: r.outs as unknown as Props, initErrors: false });
        } catch (e) {
          this.record(name, inputs, e);
          throw e;
        }
        return undefined;
      }
      const d = await p.diff!(old.id, old.outputs as never, inputs as never);
      if (d.replaces?.length) throw new Error(`unexpected replace of ${name}: ${d.replaces.join(", ")}`);
      if (!d.changes && !old.initErrors) {
        this.state.set(name, { ...old, inputs });
        return undefined;
      }
      try {
        const r = await p.update!(old.id, old.outputs as never, inputs as never);
        this.state.set(name, { id: old.id, inputs, outputs: r.outs as unknown as Props, initErrors: false });
      } catch (e) {
        this.record(name, inputs, e);
        throw e;
      }
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /** resource-init-failed: the properties become the state; any other error changes nothing. */
  private record(name: string, inputs: Props, e: unknown): void {
    const err = e as { id?: unknown; properties?: unknown };
    if (typeof err?.id === "string" && err.id !== "" && err.properties && typeof err.properties === "object") {
      this.state.set(name, { id: err.id, inputs, outputs: err.properties as Props, initErrors: true });
    }
  }

  /**
   * `pulumi up` of a declaration (name -> resource; names absent are deleted). `parallel`: the
   * resources' steps run at once (they are independent), as the engine runs them.
   */
  async up(declared: Record<string, Declared | undefined>, parallel = false): Promise<UpResult> {
    const names = [...new Set([...Object.keys(declared), ...this.state.keys()])].sort();
    const errors: string[] = [];
    if (parallel) {
      const results = await Promise.all(names.map((n) => this.step(n, declared[n])));
      results.forEach((r, i) => r && errors.push(`${names[i]}: ${r}`));
    } else {
      for (const n of names) {
        const r = await this.step(n, declared[n]);
        if (r) errors.push(`${n}: ${r}`);
      }
    }
    return { errors };
  }

  /**
   * Ups of the same declaration until every resource has had one error-free step (at most `max`
   * ups). A resource whose step succeeded is done: later ups find no change (a failing check
   * changes nothing), so "every resource succeeded once" is what a user rerunning `pulumi up`
   * until it passes gets, without needing one up in which no call at all meets a fault.
   */
  async converge(declared: Record<string, Declared | undefined>, max = 60, parallel = false): Promise<{ ups: number }> {
    const pending = new Set([...Object.keys(declared), ...this.state.keys()]);
    let last: string[] = [];
    for (let n = 1; n <= max; n++) {
      const r = await this.up(declared, parallel);
      const failed = new Set(r.errors.map((e) => e.slice(0, e.indexOf(": "))));
      for (const name of [...pending]) if (!failed.has(name)) pending.delete(name);
      if (pending.size === 0) return { ups: n };
      last = r.errors;
    }
    throw new Error(`resources ${[...pending].join(", ")} never had an error-free step in ${max} ups; last errors:\n${last.join("\n")}`);
  }
}

// ------------------------------------------------------------------------------------------------
// A world: one owner with images, a pool of recipients, on a temporary emulator file.

const REGION: Record<ProfileId, string> = { huaweicloud: "cn-north-4", opentelekomcloud: "eu-de", alicloud: "cn-hangzhou", tencentcloud: "ap-guangzhou" };

export interface World {
  profile: ProfileId;
  dir: string;
  db: string;
  emulator: Emulator;
  region: string;
  owner: string;
  ownerProject?: string;
  images: string[];
  /** Member targets as the profile shares (projects on opentelekomcloud). */
  pool: MemberTarget[];
  inputs(d: Declared): ImageShareInputs;
  members(imageId: string): string[];
  cleanup(): void;
}

export function makeWorld(profile: ProfileId, options: { images: number; recipients: number; prefix?: string; dir?: string; db?: string }): World {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "image-share-rel-"));
  const db = options.db ?? path.join(dir, "emulator.db");
  const emulator = openEmulator(db, { fsync: false });
  const region = REGION[profile];
  const projects = usesProjects(profile);
  const prefix = options.prefix ?? "";
  const owner = `${prefix}owner`;
  const ownerProject = projects ? `${owner}-p` : undefined;
  emulator.addAccounts([
    { id: owner, profile, projects: projects ? [{ id: ownerProject!, region }] : [] },
    ...Array.from({ length: options.recipients }, (_, i) => ({ id: `${prefix}r${i}`, profile, projects: projects ? [{ id: `${prefix}r${i}-p`, region }] : [] })),
  ]);
  const images = Array.from({ length: options.images }, (_, i) => emulator.addImage({ profile, region, owner, ownerProject, kind: "system", name: `${prefix}img${i}` }));
  const pool: MemberTarget[] = Array.from({ length: options.recipients }, (_, i) =>
    PROFILES[profile].shareTarget === "project" ? { type: "project", id: `${prefix}r${i}-p` } : { type: "account", id: `${prefix}r${i}` },
  );
  return {
    profile,
    dir,
    db,
    emulator,
    region,
    owner,
    ownerProject,
    images,
    pool,
    inputs: (d) => ({
      profile,
      region,
      account: owner,
      ...(ownerProject ? { project: ownerProject } : {}),
      connection: { backend: "emulator", emulatorPath: db },
      imageId: d.imageId,
      members: d.members,
    }),
    members: (imageId) => (emulator.image(imageId)?.members ?? []).map(key).sort(),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The seed of a run: $RELIABILITY_SEED, else the given default. */
export function seedFrom(fallback: number): number {
  const s = process.env.RELIABILITY_SEED;
  return s !== undefined && s !== "" && Number.isInteger(Number(s)) ? Number(s) : fallback;
}

/** Runs `fn` with environment variables set, restoring them after. */
export async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Inside a describe block: the provider's log lines (rule warnings on every check, by the
 * thousand here) are kept in `providerLog` instead of flooding the test output.
 */
export const providerLog: string[] = [];
export function quietProviderLog(): void {
  before(() => setLogSink((line) => void (providerLog.length < 10_000 && providerLog.push(line))));
  after(() => setLogSink());
}
