import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { ImageServiceError, type ImageServiceErrorKind } from "../../errors";
import type { ImageInfo, ImageService, Member } from "../../types";
import type { RuleId } from "../../../rules/rule";
import type { Identity } from "../model";
import type { Dialect } from "./dialect";

/**
 * The base every cloud's dialect stands on, in the manner of moto's responses: a dialect says how
 * its cloud signs (`accept`), which model call each request is (`serve`), how its errors look
 * (`renderError`) and which of its codes each of the model's refusals is (`errors`, a table); the
 * base runs every request the same way: signature and caller first, then the emulator's fault for
 * the action, then the model call, and every failure, expected or not, answered in the cloud's
 * shape. A dialect keeps no state of its own: jobs and tokens live in the emulator's state.
 */

/**
 * The emulator's service as the dialects call it: the ImageService calls, and what the clouds'
 * APIs serve besides them (emulator/service.ts EmulatorImageService has it all).
 */
export interface DialectService extends ImageService {
  /** Every image of the caller's region that it owns or that is shared with it, with when it was made. */
  listImages(): Promise<(ImageInfo & { createdAt: number })[]>;
  /** Every member of an image with when it was added (owner only, unpaged). */
  memberRecords(imageId: string): Promise<(Member & { createdAt: number })[]>;
  /** One member of an image, read by the owner or by that member. */
  getMember(imageId: string, memberId: string): Promise<Member & { createdAt: number }>;
  /** Cancels a copy still being made (its image is deleted). */
  cancelCopy(imageId: string): Promise<void>;
}

/** What every dialect needs of the emulator (emulator/index.ts's Emulator has it all). */
export interface DialectEmulator {
  /** The access key with this id: its secret and the account (and default project) it acts as. */
  findAccessKey(id: string): { secret: string; account: string; project?: string } | undefined;
  /** A service acting as `identity` (no call faults: the dialect draws one per request). */
  service(identity: Identity): DialectService;
  /** The fault for one request of `action`, from the emulator's schedule. */
  takeFault?(action: string): WireFault | undefined;
}

/**
 * Faults as a cloud's clients meet them: throttling, server errors and the gateway's 503 in the
 * cloud's error shape, another HTTP status from a gateway (a body the SDK cannot read), a slow
 * answer, a connection dropped without an answer. Each dialect answers them in its cloud's words.
 */
export type WireFault =
  | { kind: "throttle" }
  | { kind: "internal-error" }
  | { kind: "service-unavailable" }
  | { kind: "http-status"; status: number }
  | { kind: "latency"; ms: number }
  | { kind: "drop" };

/** A refusal on the wire: HTTP status, the cloud's code and message. `gateway`: the API gateway's own (Huawei Cloud's APIG shape). */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly gateway = false,
  ) {
    super(message);
  }
}

/** One request, read whole. */
export interface WireRequest {
  readonly method: string;
  /** Parsed against a placeholder origin; the path and query are the request's. */
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  /** A header's (first) value. */
  header(name: string): string | undefined;
  readonly body: Buffer;
  readonly requestId: string;
  readonly raw: IncomingMessage;
}

/** What a dialect answers. */
export interface WireAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Which of the cloud's codes each of the model's refusals is: the model's own code for the cloud
 * (`ImageServiceError.cloudCode`, from model.ts CODES) where it gives one, else by our rule id,
 * else by the kind of error. `codes` gives a code's HTTP status and, where the cloud has a fixed
 * text, its message; a code not listed takes `status(error)` (default 400) and the model's message.
 */
export interface ErrorTable {
  codes?: Readonly<Record<string, { status: number; message?: string }>>;
  byRule?: Readonly<Partial<Record<RuleId, string>>>;
  byKind: Readonly<Record<ImageServiceErrorKind, string>>;
  status?(error: ImageServiceError): number;
  /** A defect in the dialect or the emulator, answered as the cloud's internal error. */
  internal(message: string): WireError;
}

export function toWireError(e: unknown, table: ErrorTable): WireError {
  if (e instanceof WireError) return e;
  if (!(e instanceof ImageServiceError)) return table.internal(e instanceof Error ? e.message : String(e));
  const code = e.cloudCode ?? (e.rule !== undefined ? table.byRule?.[e.rule] : undefined) ?? table.byKind[e.kind];
  const known = table.codes && Object.prototype.hasOwnProperty.call(table.codes, code) ? table.codes[code] : undefined;
  return new WireError(known?.status ?? table.status?.(e) ?? 400, code, known?.message ?? e.message);
}

/** How a dialect answers each fault (latency and drop are the base's). */
export interface FaultAnswers {
  throttle(request: WireRequest): WireError;
  "internal-error": WireError;
  "service-unavailable": WireError;
  /** A gateway's answer with this status. */
  "http-status"(status: number): WireAnswer | WireError;
}

export interface DialectSpec<Accepted extends { action: string }> {
  name: string;
  /** Whether this request is in this dialect (by path, query or headers). */
  matches(request: IncomingMessage, url: URL): boolean;
  requestId(): string;
  /**
   * Everything decided before a fault may strike and before the model is called: the signature
   * first, then the action and who calls. Throws the cloud's refusal.
   */
  accept(request: WireRequest): Accepted | Promise<Accepted>;
  /** The model calls for the request, and the answer. */
  serve(request: WireRequest, accepted: Accepted): Promise<WireAnswer>;
  /** The fault for one request of `action`. */
  fault?(action: string): WireFault | undefined;
  faults: FaultAnswers;
  errors: ErrorTable;
  renderError(error: WireError, request: WireRequest): WireAnswer;
}

const ORIGIN = "http://emulator.invalid";

/**
 * The request target as a URL, or undefined when it is none: an origin-form target (`/path?query`,
 * also `//[` or `///x`: paths, never an authority) under a placeholder origin, an absolute-form
 * one (`http://host/path`) as it is.
 */
export function requestUrl(raw: string | undefined): URL | undefined {
  const target = raw ?? "/";
  try {
    return target.startsWith("/") ? new URL(`${ORIGIN}${target}`) : new URL(target);
  } catch {
    return undefined;
  }
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A dialect on the base: each request accepted, faulted, served and answered as above. */
export function defineDialect<Accepted extends { action: string }>(spec: DialectSpec<Accepted>): Dialect {
  return {
    name: spec.name,
    matches(request) {
      const url = requestUrl(request.url);
      return url !== undefined && spec.matches(request, url);
    },
    async handle(raw, body, response) {
      const url = requestUrl(raw.url);
      const request: WireRequest = {
        method: raw.method ?? "GET",
        url: url ?? new URL("/", ORIGIN),
        headers: raw.headers,
        header: (name) => firstHeader(raw.headers[name]),
        body,
        requestId: spec.requestId(),
        raw,
      };
      let answer: WireAnswer;
      try {
        if (!url) throw new ImageServiceError("invalid", `the request target ${JSON.stringify(raw.url)} is not a URL`);
        const accepted = await spec.accept(request);
        const fault = spec.fault?.(accepted.action);
        if (fault?.kind === "drop") {
          raw.socket.destroy();
          return;
        }
        if (fault?.kind === "latency") await sleep(fault.ms);
        if (fault === undefined || fault.kind === "latency") answer = await spec.serve(request, accepted);
        else if (fault.kind === "http-status") {
          const gateway = spec.faults["http-status"](fault.status);
          answer = gateway instanceof WireError ? spec.renderError(gateway, request) : gateway;
        } else answer = spec.renderError(fault.kind === "throttle" ? spec.faults.throttle(request) : spec.faults[fault.kind], request);
      } catch (e) {
        answer = spec.renderError(toWireError(e, spec.errors), request);
      }
      send(response, answer);
    },
  };
}

/** The fault source a dialect uses: the option given, else the emulator's schedule. */
export function faultSource(emulator: { takeFault?(action: string): WireFault | undefined }, option?: (action: string) => WireFault | undefined): ((action: string) => WireFault | undefined) | undefined {
  return option ?? (emulator.takeFault ? (action) => emulator.takeFault!(action) : undefined);
}

export function send(response: ServerResponse, answer: WireAnswer): void {
  if (response.writableEnded || response.destroyed) return;
  const headers: Record<string, string | number> = { ...answer.headers };
  if (answer.body !== undefined) headers["content-length"] = Buffer.byteLength(answer.body);
  try {
    response.writeHead(answer.status, headers);
  } catch {
    // An answer HTTP cannot carry (a fault's status out of range): the connection is dropped instead.
    response.destroy();
    return;
  }
  response.end(answer.body);
}

/** A JSON answer. */
export function json(status: number, value: unknown, headers: Record<string, string> = {}): WireAnswer {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(value) };
}

// ---------------------------------------------------------------------------------------------
// Requests' parameters, refused in the cloud's words.

export type Json = Record<string, unknown>;

/** The body as a JSON object (empty: {}); `invalid` words the refusal. */
export function jsonObject(body: Buffer, invalid: (message: string) => WireError): Json {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    throw invalid("The request body is not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw invalid("The request body must be a JSON object.");
  return parsed as Json;
}

/** How a cloud refuses a parameter. */
export interface ParameterErrors {
  missing(name: string): WireError;
  /** `expected` e.g. "a string". */
  invalid(name: string, expected: string): WireError;
  empty(name: string): WireError;
}

/** Typed reads of a JSON body's parameters. */
export class Parameters {
  constructor(
    readonly body: Json,
    private readonly errors: ParameterErrors,
  ) {}

  private value(name: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.body, name) ? this.body[name] : undefined;
  }

  /** A required non-empty string. */
  text(name: string): string {
    const value = this.value(name);
    if (value === undefined || value === null || value === "") throw this.errors.missing(name);
    if (typeof value !== "string") throw this.errors.invalid(name, "a string");
    return value;
  }

  optionalText(name: string): string | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw this.errors.invalid(name, "a string");
    return value;
  }

  /** A list of non-empty strings; `required`: present and not empty. */
  texts(name: string, required: true): string[];
  texts(name: string, required: false): string[] | undefined;
  texts(name: string, required: boolean): string[] | undefined {
    const value = this.value(name);
    if (value === undefined || value === null) {
      if (required) throw this.errors.missing(name);
      return undefined;
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) throw this.errors.invalid(name, "an array of non-empty strings");
    if (required && value.length === 0) throw this.errors.empty(name);
    return value as string[];
  }
}

/** Decodes a path segment; a malformed escape is a refusal, never a crash. */
export function pathSegment(text: string, invalid: (message: string) => WireError): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`The path segment ${JSON.stringify(text)} is not validly percent-encoded.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Signing primitives the clouds share.

export const sha256Hex = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
export const hmacSha256 = (key: string | Buffer, data: string): Buffer => createHmac("sha256", key).update(data).digest();

/** Compares two signatures in constant time (texts of different lengths never match). */
export function sameSignature(actual: string | Buffer, expected: string | Buffer): boolean {
  const a = Buffer.isBuffer(actual) ? actual : Buffer.from(actual);
  const b = Buffer.isBuffer(expected) ? expected : Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
