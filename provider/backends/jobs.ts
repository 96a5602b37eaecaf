import { ImageServiceError } from "./errors";
import { sleep } from "./retry";
import type { ImageService, Job } from "./types";

export interface WaitForJobOptions {
  /** Give up after this long (default 30 minutes: cross-region copies of large images are slow). */
  timeoutMs?: number;
  /** First pause between polls (default 500 ms); doubles up to maxPollMs. */
  pollMs?: number;
  maxPollMs?: number;
  /** Called after each poll with the job as read. */
  onProgress?: (job: Job) => void;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Polls a job with backoff until it succeeds (returns it), fails (throws `job-failed` with the
 * cloud's reason) or the deadline passes (throws `timeout`). A throttled or transient poll is
 * simply polled again: reading a job has no side effect.
 */
export async function waitForJob(service: ImageService, jobId: string, options: WaitForJobOptions = {}): Promise<Job> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const maxPoll = options.maxPollMs ?? 10_000;
  const wait = options.sleep ?? sleep;
  const deadline = Date.now() + timeoutMs;
  let pause = Math.max(1, options.pollMs ?? 500);
  let last: Job | undefined;
  for (;;) {
    try {
      last = await service.getJob(jobId);
      options.onProgress?.(last);
      if (last.status === "succeeded") return last;
      if (last.status === "failed") {
        throw new ImageServiceError("job-failed", `job ${jobId}${last.imageId ? ` (image ${last.imageId})` : ""} failed: ${last.reason ?? "the cloud gave no reason"}`, {
          cloudCode: last.reason?.match(/^([A-Za-z][\w.]*):/)?.[1],
        });
      }
    } catch (e) {
      if (!(e instanceof ImageServiceError && e.retryable)) throw e;
    }
    if (Date.now() + pause > deadline) {
      throw new ImageServiceError(
        "timeout",
        `job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s (last seen: ${last ? `${last.status}${last.progress !== undefined ? `, ${last.progress}%` : ""}` : "never read"})`,
      );
    }
    await wait(pause);
    pause = Math.min(maxPoll, pause * 2);
  }
}
