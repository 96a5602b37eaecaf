import http = require("node:http");
import type { AddressInfo } from "node:net";

/**
 * A small recording server for the recorded-shape conformance suite: it answers a scripted
 * conversation, one documented exchange after another, and records every request as it came.
 *
 * Each exchange is what a cloud's API reference shows: the request's shape (method, path, the
 * headers and body fields that matter) and the documented answer (status, body). A request that
 * does not match the next expected exchange is answered 418 (not retryable) with the difference, so the test fails
 * naming what the backend sent and what the reference documents.
 */
export interface ExpectedRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  /** Query parameters that must be present with these values, or "/regex/" (others may be present too). */
  query?: Record<string, string>;
  /** Query parameters that must be absent. */
  queryAbsent?: string[];
  /** Header name (lower case) -> a value, or a regular expression written as "/.../". */
  headers?: Record<string, string>;
  /** JSON body: deep-equal (every field, no more). */
  body?: unknown;
  /** JSON body: these fields with these values, others allowed. */
  bodyFields?: Record<string, unknown>;
  /** JSON body: fields that must be absent. */
  bodyAbsent?: string[];
}

export interface DocumentedResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body (omitted: an empty body). */
  body?: unknown;
}

export interface Exchange {
  /** Where the example comes from: the API reference page (or SDK model) it is taken from. */
  source: string;
  request: ExpectedRequest;
  response: DocumentedResponse;
  /** How many times this exchange may repeat (a poll); default 1. */
  repeat?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body, or the form body as an object, or undefined when empty. */
  body: unknown;
  raw: string;
}

export interface ReplayServer {
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Every mismatch found, as sentences (empty when the conversation matched the script). */
  mismatches: string[];
  /** Exchanges not used up by the end (the backend stopped early). */
  remaining(): Exchange[];
  close(): Promise<void>;
}

/** A request as the suites compare it with the documented shape. */
export function recordRequest(req: http.IncomingMessage, raw: string): RecordedRequest {
  const url = new URL(req.url ?? "/", "http://replay");
  return { method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: parseBody(raw, req.headers["content-type"]), raw };
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === "") return undefined;
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function sameValue(want: string, got: string | undefined): boolean {
  if (got === undefined) return false;
  const m = /^\/(.*)\/([a-z]*)$/.exec(want);
  return m ? new RegExp(m[1], m[2]).test(got) : want === got;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** What differs between a recorded request and the documented shape (empty: it matches). */
export function differences(want: ExpectedRequest, got: RecordedRequest): string[] {
  const out: string[] = [];
  if (want.method !== got.method) out.push(`method ${got.method}, documented ${want.method}`);
  if (want.path !== got.path) out.push(`path ${got.path}, documented ${want.path}`);
  for (const [k, v] of Object.entries(want.query ?? {})) if (!sameValue(v, got.query[k])) out.push(`query ${k}=${got.query[k] ?? "(absent)"}, documented ${v}`);
  for (const k of want.queryAbsent ?? []) if (k in got.query) out.push(`query ${k}=${got.query[k]} sent, documented absent`);
  for (const [k, v] of Object.entries(want.headers ?? {})) {
    const value = got.headers[k.toLowerCase()];
    const text = Array.isArray(value) ? value.join(",") : value;
    if (!sameValue(v, text)) out.push(`header ${k}: ${text ?? "(absent)"}, documented ${v}`);
  }
  const body = (got.body ?? {}) as Record<string, unknown>;
  if (want.body !== undefined && canonical(want.body) !== canonical(got.body)) out.push(`body ${got.raw || "(empty)"}, documented ${JSON.stringify(want.body)}`);
  for (const [k, v] of Object.entries(want.bodyFields ?? {})) {
    if (canonical(body[k]) !== canonical(v)) out.push(`body field ${k}: ${JSON.stringify(body[k]) ?? "(absent)"}, documented ${JSON.stringify(v)}`);
  }
  for (const k of want.bodyAbsent ?? []) if (k in body) out.push(`body field ${k} sent, documented absent here`);
  return out;
}

export async function startReplay(script: readonly Exchange[]): Promise<ReplayServer> {
  const queue = script.map((e) => ({ exchange: e, left: e.repeat ?? 1 }));
  const requests: RecordedRequest[] = [];
  const mismatches: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded = recordRequest(req, Buffer.concat(chunks).toString("utf8"));
      requests.push(recorded);
      // A poll that repeats may stop early: skip to the next exchange when this one does not match.
      while (queue.length > 1 && queue[0].left === 0) queue.shift();
      let next = queue[0];
      if (next && next.exchange.repeat !== undefined && differences(next.exchange.request, recorded).length > 0 && queue.length > 1) {
        queue.shift();
        next = queue[0];
      }
      if (!next || next.left === 0) {
        mismatches.push(`request ${requests.length} (${recorded.method} ${recorded.path}) came after the documented conversation ended`);
        res.writeHead(418, { "content-type": "application/json" }).end(JSON.stringify({ replay: "unexpected request" }));
        return;
      }
      const diff = differences(next.exchange.request, recorded);
      if (diff.length > 0) {
        mismatches.push(`request ${requests.length} (${recorded.method} ${recorded.path}) does not match ${next.exchange.source}: ${diff.join("; ")}`);
        res.writeHead(418, { "content-type": "application/json" }).end(JSON.stringify({ replay: "mismatch", diff }));
        return;
      }
      next.left--;
      const { status, headers, body } = next.exchange.response;
      const text = body === undefined ? "" : JSON.stringify(body);
      res.writeHead(status, { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(headers ?? {}) }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mismatches,
    remaining: () => queue.filter((q) => q.left > 0 && q.exchange.repeat === undefined).map((q) => q.exchange),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
