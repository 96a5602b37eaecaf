import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * One cloud's HTTP API dialect, served by the emulator on loopback: it parses and authenticates
 * a request in the cloud's own shape (verifying the signature against the emulator's access
 * keys), calls the emulator's model through an ImageService acting as the caller, and answers
 * in the cloud's response and error shapes. Each is built on base.ts (`defineDialect`). State
 * (jobs, idempotency tokens) lives in the emulator, never here.
 */
export interface Dialect {
  /** "huaweicloud" (also serves opentelekomcloud), "alicloud", "tencentcloud". */
  readonly name: string;
  /** Whether this request is in this dialect (by path, query or headers). */
  matches(request: IncomingMessage): boolean;
  /** Answers the request; `body` is the whole request body. Never throws: errors are answered in the cloud's shape. */
  handle(request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<void>;
}
