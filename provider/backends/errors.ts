import type { RuleId } from "../rules/rule";

/** What went wrong, in terms a caller can act on (retry or not). */
export type ImageServiceErrorKind =
  | "not-found"
  | "forbidden"
  | "quota-exceeded"
  | "throttled"
  | "conflict"
  | "transient"
  | "invalid"
  | "auth"
  | "job-failed"
  | "timeout";

const RETRYABLE: ReadonlySet<ImageServiceErrorKind> = new Set(["throttled", "transient"]);

/** A backend's typed error: the cloud's own error code, and the rule id where one applies. */
export class ImageServiceError extends Error {
  override readonly name = "ImageServiceError";
  constructor(
    readonly kind: ImageServiceErrorKind,
    message: string,
    readonly details: { cloudCode?: string; rule?: RuleId; httpStatus?: number; requestId?: string } = {},
  ) {
    super(message);
  }
  get cloudCode(): string | undefined {
    return this.details.cloudCode;
  }
  get rule(): RuleId | undefined {
    return this.details.rule;
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export function isImageServiceError(e: unknown, kind?: ImageServiceErrorKind): e is ImageServiceError {
  return e instanceof ImageServiceError && (kind === undefined || e.kind === kind);
}
