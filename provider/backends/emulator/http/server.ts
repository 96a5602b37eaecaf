import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { requestUrl } from "./base";
import type { Dialect } from "./dialect";

export interface EmulatorServer {
  /** e.g. "http://127.0.0.1:41234" */
  readonly url: string;
  readonly port: number;
  readonly limits: ServerLimits;
  close(): Promise<void>;
}

/**
 * What the server holds at most, so that no client (slow, hostile or broken) can take its memory
 * or keep a connection for ever. The clouds' own requests are a few kilobytes.
 */
export interface ServerLimits {
  /** Largest request body; a larger one is answered 413 and its connection closed. */
  maxBodyBytes: number;
  /** Request-body bytes held at once over all connections; a request past it is answered 503 (retry later). */
  maxBufferedBytes: number;
  /** Connections open at once; one more is closed at once. */
  maxConnections: number;
  /** Time for a request's headers to arrive (then 408 and closed). */
  headersTimeoutMs: number;
  /** Time for a whole request, headers and body, to arrive (then 408 and closed). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<ServerLimits> = {
  maxBodyBytes: 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** Node's own bound on a request's head (request line and headers): larger is answered 431. */
export const MAX_HEADER_BYTES = 16 * 1024;

/** An answer of the server itself (no dialect's): JSON `{"error"}`, connection closed after it. */
function refuse(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) {
    response.destroy();
    return;
  }
  const text = JSON.stringify({ error: message });
  response.shouldKeepAlive = false;
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), connection: "close", ...headers });
  response.end(text);
}

/**
 * Serves the given dialects on loopback only. Each request goes to the first dialect that
 * matches it; anything else is a 404 in a neutral shape. Every failure is an HTTP answer (or a
 * closed connection), never an exception out of the server; see ServerLimits for the bounds.
 */
export async function startEmulatorServer(options: { dialects: Dialect[]; port?: number; host?: string; limits?: Partial<ServerLimits> }): Promise<EmulatorServer> {
  const host = options.host ?? "127.0.0.1";
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  let buffered = 0;

  function handle(request: IncomingMessage, response: ServerResponse): void {
    request.on("error", () => {});
    response.on("error", () => {});
    const url = requestUrl(request.url);
    if (!url) return refuse(response, 400, `the request target ${JSON.stringify(request.url).slice(0, 200)} is not a URL`);
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > limits.maxBodyBytes) return refuse(response, 413, `request body too large: at most ${limits.maxBodyBytes} bytes`);
    let dialect: Dialect | undefined;
    try {
      dialect = options.dialects.find((d) => d.matches(request));
    } catch (e) {
      return refuse(response, 500, `emulator: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!dialect) return refuse(response, 404, `no emulated API serves ${request.method} ${url.pathname}`);

    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    const release = () => {
      buffered -= held;
      held = 0;
    };
    // Node's requestTimeout is checked only every few seconds and not for every state of a
    // request: a body that drips is timed here.
    const timer = setTimeout(() => {
      release();
      refuse(response, 408, `the request did not arrive within ${limits.requestTimeoutMs} ms`);
    }, limits.requestTimeoutMs);
    const stop = (status: number, message: string, headers?: Record<string, string>) => {
      clearTimeout(timer);
      release();
      chunks.length = 0;
      request.removeAllListeners("data");
      refuse(response, status, message, headers);
    };
    request.on("close", () => {
      clearTimeout(timer);
      if (!request.complete) release();
    });
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBodyBytes) return stop(413, `request body too large: at most ${limits.maxBodyBytes} bytes`);
      if (buffered + chunk.length > limits.maxBufferedBytes) return stop(503, "the emulator is reading too many request bodies at once; retry", { "retry-after": "1" });
      buffered += chunk.length;
      held += chunk.length;
      chunks.push(chunk);
    });
    request.on("end", () => {
      clearTimeout(timer);
      if (response.writableEnded || response.destroyed) return release();
      dialect!
        .handle(request, Buffer.concat(chunks), response)
        .catch((e: unknown) => {
          // A dialect answers its own errors; this is a bug in it, shown as the 500 a cloud would give.
          refuse(response, 500, `emulator: ${e instanceof Error ? e.message : String(e)}`);
        })
        .finally(release);
    });
  }

  const server: Server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node looks for requests past headersTimeout (default 30 s, which adds to it).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
      maxHeaderSize: MAX_HEADER_BYTES,
    },
    (request, response) => {
      try {
        handle(request, response);
      } catch (e) {
        refuse(response, 500, `emulator: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  );
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // After listening, an error of the listening socket is reported, never thrown.
  server.on("error", (e) => process.emitWarning(`image-share emulator server: ${e.message}`));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    limits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
