import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Dialect } from "./dialect";

export interface EmulatorServer {
  /** e.g. "http://127.0.0.1:41234" */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Largest request body accepted; the clouds' own limits are far below it. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Serves the given dialects on loopback only. Each request goes to the first dialect that
 * matches it; anything else is a 404 in a neutral shape.
 */
export async function startEmulatorServer(options: { dialects: Dialect[]; port?: number; host?: string }): Promise<EmulatorServer> {
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413, { "content-type": "application/json" }).end('{"error":"request body too large"}');
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (response.writableEnded) return;
      const dialect = options.dialects.find((d) => d.matches(request));
      if (!dialect) {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: `no emulated API serves ${request.method} ${request.url}` }));
        return;
      }
      dialect.handle(request, Buffer.concat(chunks), response).catch((e: unknown) => {
        // A dialect answers its own errors; this is a bug in it, shown as the 500 a cloud would give.
        if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: `emulator: ${e instanceof Error ? e.message : String(e)}` }));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
