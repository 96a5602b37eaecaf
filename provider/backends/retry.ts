import { ImageServiceError } from "./errors";

export interface RetryOptions {
  /** Total time allowed, first attempt included. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected for reproducible tests. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Decides what to retry; default: throttling and transient server errors. */
  retryable?: (error: unknown) => boolean;
}

export const DEFAULT_RETRY: RetryOptions = { deadlineMs: 120_000, baseDelayMs: 200, maxDelayMs: 10_000 };

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
  const deadline = Date.now() + o.deadlineMs;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!retryable(e)) throw e;
      const delay = Math.floor(random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** n));
      if (Date.now() + delay >= deadline) throw e;
      await wait(delay);
    }
  }
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
