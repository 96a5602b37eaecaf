import { AsyncLocalStorage } from "node:async_hooks";
import { ImageServiceError } from "./errors";
import type { ImageService } from "./types";

/**
 * The one retry layer. Every backend retries its own requests here (the cloud backends per HTTP
 * request, the in-process emulator per call through `retrying`), and nothing above retries again:
 * a throttled call waits at most its deadline, never attempts x deadline. The deadline of one
 * request is `deadlineMs`; an operation (a resource's create, update, delete, check or read, or a
 * CLI command) can bound all its requests together with `withOperationDeadline`.
 */
export interface RetryOptions {
  /** Total time allowed for one request, first attempt included. */
  deadlineMs: number;
  /**
   * Total time for one request while the endpoint cannot be reached at all (refused, unresolved,
   * no route: ImageServiceError details.unreachable), within `deadlineMs`: a wrong endpoint or a
   * missing network fails in seconds, not after the throttling deadline.
   */
  connectDeadlineMs: number;
  /** At most this many attempts (default: as many as the deadline allows). */
  maxAttempts?: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected for reproducible tests. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Decides what to retry; default: throttling and transient server errors. */
  retryable?: (error: unknown) => boolean;
  /** Waited for before every attempt, retries included: the API's documented rate (`RateLimits.of`). */
  limiter?: Limiter;
}

export const DEFAULT_RETRY: RetryOptions = { deadlineMs: 120_000, connectDeadlineMs: 10_000, baseDelayMs: 200, maxDelayMs: 10_000 };

const operation = new AsyncLocalStorage<{ deadline: number }>();

/**
 * Runs `fn` with one deadline for every retry inside it: a retry that would end after
 * `Date.now() + ms` is not made (the error surfaces). Nested operations keep the earlier deadline.
 */
export function withOperationDeadline<T>(ms: number | undefined, fn: () => Promise<T>): Promise<T> {
  if (ms === undefined || !Number.isFinite(ms)) return fn();
  const outer = operation.getStore()?.deadline ?? Infinity;
  return operation.run({ deadline: Math.min(outer, Date.now() + Math.max(0, ms)) }, fn);
}

/**
 * The retry policy every backend starts from: DEFAULT_RETRY, then the environment
 * (IMAGE_SHARE_RETRY_DEADLINE_MS: one request's deadline; IMAGE_SHARE_CONNECT_DEADLINE_MS: its
 * deadline while the endpoint cannot be reached; IMAGE_SHARE_RETRY_ATTEMPTS: at most this many
 * attempts, 1 = no retry), then the connection's own options.
 */
export function retryPolicy(options: Partial<RetryOptions> = {}, env: Record<string, string | undefined> = process.env): Partial<RetryOptions> {
  const whole = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined);
  const deadlineMs = whole(env.IMAGE_SHARE_RETRY_DEADLINE_MS);
  const connectDeadlineMs = whole(env.IMAGE_SHARE_CONNECT_DEADLINE_MS);
  const attempts = whole(env.IMAGE_SHARE_RETRY_ATTEMPTS);
  return {
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(connectDeadlineMs !== undefined ? { connectDeadlineMs } : {}),
    ...(attempts !== undefined && attempts >= 1 ? { maxAttempts: attempts } : {}),
    ...options,
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const defaultRetryable = (e: unknown) => e instanceof ImageServiceError && e.retryable;

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs, or the deadline would pass.
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter").
 */
export async function withRetry<T>(attempt: () => Promise<T>, options: Partial<RetryOptions> = {}): Promise<T> {
  const o = { ...DEFAULT_RETRY, ...options };
  const random = o.random ?? Math.random;
  const wait = o.sleep ?? sleep;
  const retryable = o.retryable ?? defaultRetryable;
  const start = Date.now();
  const deadline = Math.min(start + o.deadlineMs, operation.getStore()?.deadline ?? Infinity);
  for (let n = 0; ; n++) {
    const answered = await o.limiter?.take();
    try {
      return await attempt();
    } catch (e) {
      answered?.();
      if (!retryable(e)) throw e;
      if (o.maxAttempts !== undefined && n + 1 >= o.maxAttempts) throw e;
      const delay = Math.floor(random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** n));
      const unreachable = e instanceof ImageServiceError && e.details.unreachable !== undefined;
      if (Date.now() + delay >= (unreachable ? Math.min(deadline, start + o.connectDeadlineMs) : deadline)) throw e;
      await wait(delay);
    } finally {
      answered?.();
    }
  }
}

/**
 * An ImageService whose calls are retried in this layer: for a backend that does not retry its
 * own requests (the in-process emulator, one call = one request). Every call but copyImage is
 * idempotent (members present or gone are success; reads have no effect); a copy is not retried,
 * as a retried copy after a lost answer would make a second image.
 */
export function retrying(service: ImageService, options: Partial<RetryOptions> = {}): ImageService {
  const retry = <T>(op: () => Promise<T>) => withRetry(op, options);
  const wrapped: ImageService = {
    profile: service.profile,
    region: service.region,
    getImage: (id) => retry(() => service.getImage(id)),
    findOwnedImages: (name) => retry(() => service.findOwnedImages(name)),
    listMembers: (id, page) => retry(() => service.listMembers(id, page)),
    addMembers: (id, members, known) => retry(() => service.addMembers(id, members, known)),
    removeMembers: (id, members, known) => retry(() => service.removeMembers(id, members, known)),
    setMemberStatus: (id, member, status, o) => retry(() => service.setMemberStatus(id, member, status, o)),
    copyImage: (request) => service.copyImage(request),
    getJob: (id) => retry(() => service.getJob(id)),
    deleteImage: (id) => retry(() => service.deleteImage(id)),
  };
  // Keep what the wrapped service offers beyond the interface (close(), the emulator's handles).
  return Object.assign(Object.create(service) as ImageService, wrapped);
}

/** Splits `items` into batches of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError(`batch size must be at least 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `limit` running at once; results in input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Independent calls in flight at once where the cloud documents no rate: Terraform's default -parallelism, what the tools users run today send to the same APIs. */
export const DEFAULT_CONCURRENCY = 10;

/** A documented request rate: at most `requests` requests in any `perMs` window. */
export interface RequestRate {
  requests: number;
  perMs: number;
}

export interface Limiter {
  /** Resolves when one more request may start, with the function to call once its answer (or failure) is in. */
  take(): Promise<() => void>;
}

const unlimited: Limiter = { take: () => Promise.resolve(() => {}) };

/**
 * At most `rate.requests` requests in any window of `rate.perMs`, as the cloud counts them on
 * arrival, whatever the network and the machine's load do to the requests on their way. The
 * limiter has `requests` slots; a request holds one from its start until its answer is in, and
 * the slot is free again `perMs` after that answer. So two requests of one slot arrive at least
 * `perMs` apart (the later starts after the earlier was answered, hence after it arrived), and
 * any window of `perMs` holds at most one request per slot. The price: a little under the rate
 * (`requests` per `perMs` plus one round trip).
 * IMAGE_SHARE_RATE_SCALE (read at each take) multiplies the rate, for a quota raised above the
 * documented default.
 */
export class RateLimiter implements Limiter {
  /** Per slot: when it may start a request again (Infinity while its request is unanswered). */
  private readonly freeAt: number[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly rate: RequestRate,
    private readonly clock: { now(): number; sleep(ms: number): Promise<void> } = { now: Date.now, sleep },
    private readonly env: Record<string, string | undefined> = process.env,
  ) {
    if (!(rate.requests >= 1) || !(rate.perMs > 0)) throw new RangeError(`a rate is at least 1 request in a positive window, got ${JSON.stringify(rate)}`);
  }

  private capacity(): number {
    const scale = Number(this.env.IMAGE_SHARE_RATE_SCALE);
    return Number.isFinite(scale) && scale > 0 ? Math.max(1, Math.floor(this.rate.requests * scale)) : this.rate.requests;
  }

  async take(): Promise<() => void> {
    for (;;) {
      const slots = this.capacity();
      while (this.freeAt.length < slots) this.freeAt.push(-Infinity);
      let slot = 0;
      for (let i = 1; i < slots; i++) if (this.freeAt[i] < this.freeAt[slot]) slot = i;
      const now = this.clock.now();
      const at = this.freeAt[slot];
      if (at <= now) {
        this.freeAt[slot] = Infinity;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.freeAt[slot] = this.clock.now() + this.rate.perMs;
          for (const wake of this.waiting.splice(0)) wake();
        };
      }
      if (at === Infinity) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else await this.clock.sleep(Math.max(1, Math.ceil(at - now)));
    }
  }
}

/** One limiter per key in the process: every service instance acting as one identity in one region shares the rate of an API. */
const limiters = new Map<string, RateLimiter>();

/**
 * The documented rates of one cloud's APIs (the profile table's `rates`), for one identity in one
 * account (`scope`, e.g. the cloud, endpoint and key id: the clouds count per account, region and API). An API without a documented
 * rate is not limited here: its calls are bounded by the backend's concurrency, and its throttling
 * answers are retried.
 */
export class RateLimits {
  constructor(
    private readonly rates: Readonly<Record<string, RequestRate>>,
    private readonly scope: string,
  ) {}

  /** The limiter of one API in one region (shared by every RateLimits of the same scope). */
  of(api: string, region: string): Limiter {
    const rate = this.rates[api];
    if (!rate) return unlimited;
    const key = `${this.scope}\u0000${region}\u0000${api}\u0000${rate.requests}/${rate.perMs}`;
    let limiter = limiters.get(key);
    if (!limiter) limiters.set(key, (limiter = new RateLimiter(rate)));
    return limiter;
  }

  /** Calls of `api` worth running at once: no more than its rate lets start together, else `configured`. */
  concurrency(api: string, configured: number): number {
    const rate = this.rates[api];
    return rate ? Math.max(1, Math.min(configured, rate.requests)) : configured;
  }
}
