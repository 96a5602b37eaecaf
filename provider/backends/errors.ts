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
    readonly details: {
      cloudCode?: string;
      rule?: RuleId;
      httpStatus?: number;
      requestId?: string;
      /** The socket error of a request that never reached the endpoint (unreachableCode). */
      unreachable?: string;
    } = {},
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

/**
 * Socket errors of a request that never reached the endpoint: refused, a host name that does
 * not resolve (or not yet), no route. Nothing was sent, so another attempt is safe, but a wrong
 * endpoint or a missing network stays so: the retry layer gives these a short deadline of their own.
 */
const UNREACHABLE = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"] as const;
const UNREACHABLE_IN_TEXT = new RegExp(`\\b(${UNREACHABLE.join("|")})\\b`);

/** The socket error code of an SDK's failure that never reached the endpoint (its code, its cause's, or in its message). */
export function unreachableCode(e: unknown): string | undefined {
  for (let x: unknown = e, depth = 0; x && typeof x === "object" && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === "string" && (UNREACHABLE as readonly string[]).includes(code)) return code;
    const message = (x as { message?: unknown }).message;
    const named = typeof message === "string" ? UNREACHABLE_IN_TEXT.exec(message) : null;
    if (named) return named[1];
  }
  return typeof e === "string" ? UNREACHABLE_IN_TEXT.exec(e)?.[1] : undefined;
}
