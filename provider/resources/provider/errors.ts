/**
 * Errors the provider hands to the engine: one clear sentence, the cloud's error code and our
 * rule id where one applies. The dynamic-provider host prints `${e}: ${e.stack}` for errors of
 * check, diff, read and delete, so the stack is replaced by the message: a user sees what went
 * wrong, never a stack trace of ours.
 */
import { ImageServiceError } from "../../backends/errors";

export class ProviderError extends Error {
  override readonly name = "ImageShareError";
  /** resource-init-failed partial state (Create / Update): the host packs these into the engine's record. */
  id?: string;
  properties?: Record<string, unknown>;
  reasons?: string[];
  constructor(message: string) {
    super(message);
    this.stack = message;
  }
}

/** The sentence for an error of a backend call, e.g. "adding members to image X failed: ... (cloud error IMG.0088, rule member-limit)". */
export function describe(action: string, e: unknown): string {
  if (e instanceof ImageServiceError) {
    const tags: string[] = [];
    if (e.cloudCode) tags.push(`cloud error ${e.cloudCode}`);
    if (e.rule) tags.push(`rule ${e.rule}`);
    if (!e.cloudCode) tags.push(e.kind);
    return `${action} failed: ${e.message}${tags.length ? ` (${tags.join(", ")})` : ""}`;
  }
  if (e instanceof ProviderError) return e.message;
  const message = e instanceof Error ? e.message : String(e);
  return `${action} failed: ${message}`;
}

export function failure(action: string, e: unknown): ProviderError {
  if (e instanceof ProviderError) return e;
  return new ProviderError(describe(action, e));
}

/** A partial-state error: the resource exists with `properties`, and the next up finishes it. */
export function partial(message: string, id: string, properties: Record<string, unknown>, reasons: string[]): ProviderError {
  const e = new ProviderError(message);
  e.id = id;
  e.properties = properties;
  e.reasons = reasons;
  return e;
}

/** Warnings and progress go to stderr: the engine shows a provider's stderr as its log. */
const toStderr = (line: string): void => void process.stderr.write(line);
let sink = toStderr;

export function log(message: string): void {
  sink(`image-share: ${message}\n`);
}

/**
 * Where log lines go: stderr (the engine shows a provider's stderr), unless a caller that runs
 * the provider in-process thousands of times (the reliability tests) collects them instead.
 */
export function setLogSink(next?: (line: string) => void): void {
  sink = next ?? toStderr;
}
