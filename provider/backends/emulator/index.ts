/**
 * The embedded emulator: a local cloud (accounts, projects, images, members, jobs) kept in a
 * file, that enforces the clouds' rules per profile and answers with their error codes.
 *
 *   const emulator = openEmulator();             // .image-share/emulator.db, or $IMAGE_SHARE_EMULATOR_DB
 *   emulator.addAccount({ id: "acct-a", profile: "alicloud" });
 *   const id = emulator.addImage({ region: "cn-hangzhou", owner: "acct-a", kind: "system", name: "golden" });
 *   const svc = emulator.service({ profile: "alicloud", region: "cn-hangzhou", account: "acct-a" });
 */
import { ImageServiceError } from "../errors";
import type { ImageService, Member } from "../types";
import type { ProfileId, Topology } from "../../rules/model";
import * as model from "./model";
import type { AccessKeyRecord, AccountInput, EmulatorSettings, EmulatorState, FaultSettings, Identity, ImageInput, ImageRecord, JobRecord, MemberJobInput, MemberJobResult } from "./model";
import { EmulatorImageService, type EmulatorServiceOptions } from "./service";
import { FileStore, MemoryStore, resolveEmulatorPath, type FileStoreOptions, type Store } from "./store";

export { EmulatorImageService, toImageInfo, toJob, type EmulatorServiceOptions } from "./service";
export { FileStore, MemoryStore, resolveEmulatorPath, DEFAULT_EMULATOR_DB, EMULATOR_DB_ENV, EmulatorStateError, type Store, type FileStoreOptions, type StateErrorKind } from "./store";
export type { AccessKeyRecord, AccountInput, AccountRecord, EmulatorSettings, EmulatorState, FaultSettings, Identity, ImageInput, ImageRecord, JobRecord, MemberJobInput, MemberJobRecord, MemberJobResult, MemberRecord } from "./model";
export { CODES, DEFAULT_BATCH_SIZE } from "./model";

/**
 * A fault as the HTTP dialects apply it to one request (a subset of each dialect's own fault
 * union: tencentcloud.ts TencentFault, alicloud.ts AlibabaFault).
 */
export type WireFault = { kind: "throttle" } | { kind: "internal-error" } | { kind: "latency"; ms: number } | { kind: "drop" };

/** What `show` and tests read: the state with jobs settled, members with their status. */
export interface EmulatorSnapshot {
  accounts: model.AccountRecord[];
  images: (Omit<ImageRecord, "members"> & { members: Member[] })[];
  jobs: (JobRecord & { progress: number })[];
  faults: FaultSettings;
  settings: EmulatorSettings;
}

/** A member-change job as one read sees it. */
export interface MemberJobView {
  id: string;
  type: string;
  status: "running" | "succeeded" | "failed";
  createdAt: number;
  failure?: { code: string; reason: string };
  results?: MemberJobResult[];
}

export interface SeedReport {
  accounts: string[];
  images: string[];
}

export class Emulator {
  constructor(readonly store: Store) {}

  /** Where the state lives ("(memory)" for an in-memory emulator). */
  get location(): string {
    return this.store.location;
  }

  /** Adds an account or merges new projects into it; returns whether anything changed. */
  addAccount(input: AccountInput & { key?: string }): boolean {
    return this.store.transact((s) => model.addAccount(s, input));
  }

  /** Adds many accounts in one transaction; returns how many changed. */
  addAccounts(inputs: AccountInput[]): number {
    return this.store.transact((s) => inputs.filter((input) => model.addAccount(s, input)).length);
  }

  addAccessKey(input: AccessKeyRecord): void {
    this.store.transact((s) => model.addAccessKey(s, input));
  }

  /** For every account without an access key, one from `make`, in one transaction; returns those added. */
  addAccessKeysForAccountsWithout(make: (account: model.AccountRecord) => { accessKeyId: string; secret: string; project?: string }): AccessKeyRecord[] {
    return this.store.transact((s) => {
      const keyed = new Set(Object.values(s.accessKeys).map((k) => k.account));
      return Object.values(s.accounts)
        .filter((a) => !keyed.has(a.id))
        .map((a) => {
          const key = { ...make(a), account: a.id };
          model.addAccessKey(s, key);
          return s.accessKeys[key.accessKeyId];
        });
    });
  }

  /** Removes an access key; returns whether it was there. */
  removeAccessKey(accessKeyId: string): boolean {
    return this.store.transact((s) => model.removeAccessKey(s, accessKeyId));
  }

  /** Every access key, in the order they were added. */
  accessKeys(): AccessKeyRecord[] {
    return Object.values(this.store.read().accessKeys).map((k) => ({ ...k }));
  }

  /** The access key's secret, account and default project; undefined for an unknown key. */
  findAccessKey(accessKeyId: string): AccessKeyRecord | undefined {
    const keys = this.store.read().accessKeys;
    return Object.prototype.hasOwnProperty.call(keys, accessKeyId) ? { ...keys[accessKeyId] } : undefined;
  }

  /** An account with its projects; undefined for an unknown one. */
  findAccount(accountId: string): model.AccountRecord | undefined {
    const accounts = this.store.read().accounts;
    return Object.prototype.hasOwnProperty.call(accounts, accountId) ? { ...accounts[accountId] } : undefined;
  }

  /** Records a member-change job (Huawei Cloud IMS) whose change is applied already; returns its id. */
  startMemberJob(identity: Identity, input: MemberJobInput): string {
    return this.store.transact((s) => model.startMemberJob(s, identity, input, Date.now()).id);
  }

  /** One read of a member-change job; undefined when `jobId` is none of the caller's member jobs. */
  pollMemberJob(identity: Identity, jobId: string): MemberJobView | undefined {
    return this.store.transact((s) => {
      const polled = model.pollMemberJob(s, identity, jobId);
      return (
        polled && {
          id: polled.job.id,
          type: polled.job.type,
          status: polled.status,
          createdAt: polled.job.createdAt,
          ...(polled.job.failure ? { failure: { ...polled.job.failure } } : {}),
          ...(polled.job.results ? { results: polled.job.results.map((r) => ({ ...r })) } : {}),
        }
      );
    }, { optimistic: true });
  }

  /** Adds an image (an existing one of the cloud) and returns its id; an id already there is kept as it is. */
  addImage(input: ImageInput): string {
    return this.store.transact((s) => model.addImage(s, input, Date.now()).id);
  }

  /** Adds members directly (seeding: shares made outside the stack), bypassing limits and faults. */
  addMembersDirectly(imageId: string, members: { type: "account" | "project"; id: string; status?: Member["status"] }[]): void {
    this.store.transact((s) => {
      const image = s.images[imageId];
      if (!image) throw new ImageServiceError("not-found", `no image ${imageId} in the emulator`);
      for (const m of members) {
        if (!image.members.some((x) => x.type === m.type && x.id === m.id)) {
          image.members.push({ type: m.type, id: m.id, status: m.status ?? (model.hasAcceptance(image.profile) ? "pending" : "accepted"), createdAt: Date.now() });
        }
      }
    });
  }

  /** Replaces the faults (and reseeds the PRNG with `seed`, default 1). */
  setFaults(faults: FaultSettings): void {
    this.store.transact((s) => model.setFaults(s, faults));
  }

  clearFaults(): void {
    this.store.transact((s) => model.clearFaults(s));
  }

  /** Changes settings: copy duration, batch sizes per profile, raised member limits. */
  configure(settings: Partial<Omit<EmulatorSettings, "batchSize">> & { batchSize?: Partial<Record<ProfileId, number>> }): void {
    this.store.transact((s) => {
      if (settings.copyDurationMs !== undefined) {
        if (!(Number.isInteger(settings.copyDurationMs) && settings.copyDurationMs >= 0)) throw new ImageServiceError("invalid", `copyDurationMs must be a whole number of ms, got ${settings.copyDurationMs}`);
        s.settings.copyDurationMs = settings.copyDurationMs;
      }
      for (const [p, n] of Object.entries(settings.batchSize ?? {})) {
        if (!(Number.isInteger(n) && (n as number) >= 1)) throw new ImageServiceError("invalid", `batchSize.${p} must be a whole number of 1 or more, got ${n}`);
        s.settings.batchSize[p as ProfileId] = n as number;
      }
      if (settings.memberLimits !== undefined) s.settings.memberLimits = { ...s.settings.memberLimits, ...settings.memberLimits };
    });
  }

  /**
   * The fault for one HTTP request of `action` (dialects call it once per authenticated request,
   * before serving it). Draws from the same faults and PRNG as the in-process service.
   */
  takeFault(action: string): WireFault | undefined {
    // Optimistic: with no counting fault set, the draw changes nothing and takes no lock.
    const fault = this.store.transact((s) => model.drawCallFault(s, action, { drop: true }), { optimistic: true });
    if (fault.kind === "drop") return { kind: "drop" };
    if (fault.kind === "throttle") return { kind: "throttle" };
    if (fault.kind === "server-error") return { kind: "internal-error" };
    if (fault.latencyMs > 0) return { kind: "latency", ms: fault.latencyMs };
    return undefined;
  }

  /**
   * An ImageService acting as `identity`. By default without call faults: the HTTP dialects draw
   * those per request with takeFault. Pass {callFaults: true} for the in-process backend.
   */
  service(identity: Identity, options: EmulatorServiceOptions = {}): EmulatorImageService {
    return new EmulatorImageService(this.store, identity, { callFaults: false, ...options });
  }

  /** Everything, jobs settled (as of now). */
  snapshot(): EmulatorSnapshot {
    return this.store.transact((s) => {
      const now = Date.now();
      model.settleJobs(s, now);
      return {
        accounts: Object.values(s.accounts),
        images: Object.values(s.images).map((i) => ({ ...i, members: i.members.map((m) => ({ type: m.type, id: m.id, status: m.status })) })),
        jobs: Object.values(s.jobs).map((j) => ({ ...j, progress: model.jobProgress(j, now) })),
        faults: s.faults,
        settings: s.settings,
      };
    }, { optimistic: true });
  }

  /** One image with its members (jobs settled), or undefined; reads that image only. */
  image(imageId: string): (Omit<ImageRecord, "members"> & { members: Member[] }) | undefined {
    return this.store.transact((s) => {
      model.settleJobs(s, Date.now());
      const i = s.images[imageId];
      return i ? { ...i, members: i.members.map((m) => ({ type: m.type, id: m.id, status: m.status })) } : undefined;
    }, { optimistic: true });
  }

  /**
   * Forgets everything (faults and settings included). A state file that cannot be read is kept
   * beside it first: its new name is returned.
   */
  reset(): { kept?: string } {
    return this.store.reset();
  }

  /**
   * Seeds the accounts (with projects) and the existing images (those with an id) of a topology.
   * Idempotent: what is there already stays, and is not reported.
   */
  seedTopology(topology: Topology): SeedReport {
    return this.store.transact((s) => {
      const report: SeedReport = { accounts: [], images: [] };
      const profileOfAccount = new Map<string, ProfileId>();
      for (const image of Object.values(topology.images)) {
        profileOfAccount.set(image.owner, image.profile ?? topology.profile);
      }
      for (const [key, account] of Object.entries(topology.accounts)) {
        const profile = profileOfAccount.get(key) ?? topology.profile;
        const existed = s.accounts[account.id] !== undefined;
        const changed = model.addAccount(s, { id: account.id, profile, site: account.site, projects: Object.values(account.projects ?? {}) });
        if (changed) report.accounts.push(existed ? `${key} (${account.id}): projects added` : `${key} (${account.id})`);
      }
      const now = Date.now();
      for (const [key, image] of Object.entries(topology.images)) {
        if (image.id === undefined) continue;
        const owner = topology.accounts[image.owner];
        if (!owner) throw new ImageServiceError("invalid", `images.${key}: owner ${image.owner} is not an account of the topology`);
        const ownerProject = image.project !== undefined ? owner.projects?.[image.project]?.id : undefined;
        if (image.project !== undefined && ownerProject === undefined) throw new ImageServiceError("invalid", `images.${key}: account ${image.owner} has no project ${image.project}`);
        const { added } = model.addImage(
          s,
          { id: image.id, profile: image.profile ?? topology.profile, region: image.region, owner: owner.id, ownerProject, kind: image.kind, name: image.name, description: image.description },
          now,
        );
        if (added) report.images.push(`${key} (${image.id})`);
      }
      return report;
    });
  }

  /** Nothing to release (every operation opens and closes the file); kept for callers that close. */
  close(): void {}
}

/** The emulator whose state is at `path` (default: $IMAGE_SHARE_EMULATOR_DB, else .image-share/emulator.db). */
export function openEmulator(path?: string, options: FileStoreOptions = {}): Emulator {
  return new Emulator(new FileStore(resolveEmulatorPath(path), options));
}

/** An emulator in memory (unit tests). */
export function memoryEmulator(): Emulator {
  return new Emulator(new MemoryStore());
}

/** Seeds the emulator at `file` from a topology (the bridge provider/resources/seed.ts calls). */
export function seedTopology(file: string, topology: Topology): SeedReport {
  return openEmulator(file).seedTopology(topology);
}

/** For the backend factory: the in-process service, with call faults drawn per call. */
export function emulatorService(identity: Identity, path?: string): ImageService {
  return openEmulator(path).service(identity, { callFaults: true, cancelCopyOnDelete: true });
}

export type { EmulatorState as State };
