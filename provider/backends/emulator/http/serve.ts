/**
 * `image-share emulator serve --port N [--host 127.0.0.1] [--db PATH] [--max-body-bytes N] ...`:
 * the clouds' HTTP APIs on loopback, on top of the emulator state at PATH, until SIGINT / SIGTERM.
 */
import { openEmulator, type Emulator } from "../index";
import type { Dialect } from "./dialect";
import { DEFAULT_LIMITS, startEmulatorServer, type ServerLimits } from "./server";
import { formatKey } from "./keys";
import { createHuaweiCloudDialect } from "./huaweicloud";
import { createAlibabaCloudDialect } from "./alicloud";
import { createTencentCloudDialect } from "./tencentcloud";

/** Every dialect served; each cloud's dialect adds its line here. */
export function allDialects(emulator: Emulator): Dialect[] {
  return [createHuaweiCloudDialect(emulator), createAlibabaCloudDialect(emulator), createTencentCloudDialect(emulator)];
}

/** The server's bounds, as `serve` flags (server.ts ServerLimits). */
const LIMIT_FLAGS: Record<string, keyof ServerLimits> = {
  "--max-body-bytes": "maxBodyBytes",
  "--max-buffered-bytes": "maxBufferedBytes",
  "--max-connections": "maxConnections",
  "--headers-timeout-ms": "headersTimeoutMs",
  "--request-timeout-ms": "requestTimeoutMs",
  "--keep-alive-timeout-ms": "keepAliveTimeoutMs",
};

const USAGE = `usage: image-share emulator serve --port N [--host 127.0.0.1] [--db PATH] ${Object.keys(LIMIT_FLAGS).map((f) => `[${f} N]`).join(" ")}`;

function parse(args: string[]): { port: number; host: string; db?: string; limits: Partial<ServerLimits> } | string {
  let port: number | undefined;
  let host = "127.0.0.1";
  let db: string | undefined;
  const limits: Partial<ServerLimits> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=") ? [args[i].slice(0, args[i].indexOf("=")), args[i].slice(args[i].indexOf("=") + 1)] : [args[i], undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    try {
      if (flag === "--port") {
        const v = value();
        if (!/^\d+$/.test(v) || Number(v) > 65535) return `--port takes a port number (0..65535), got ${v}`;
        port = Number(v);
      } else if (flag === "--host") {
        host = value();
        // The emulator accepts any key it was given: never expose it beyond this machine.
        if (!["127.0.0.1", "::1", "localhost"].includes(host)) return `--host must be a loopback address (127.0.0.1, ::1, localhost), got ${host}`;
      } else if (flag === "--db") db = value();
      else if (Object.prototype.hasOwnProperty.call(LIMIT_FLAGS, flag)) {
        const v = value();
        if (!/^[1-9]\d{0,12}$/.test(v)) return `${flag} takes a whole number of 1 or more, got ${v}`;
        limits[LIMIT_FLAGS[flag]] = Number(v);
      } else return `unknown argument ${args[i]}`;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (port === undefined) return "--port is required (0 picks a free port)";
  const { headersTimeoutMs, requestTimeoutMs } = { ...DEFAULT_LIMITS, ...limits };
  if (headersTimeoutMs > requestTimeoutMs) return `--headers-timeout-ms (${headersTimeoutMs}) must not exceed --request-timeout-ms (${requestTimeoutMs})`;
  return { port, host, limits, ...(db !== undefined ? { db } : {}) };
}

/**
 * Serves until SIGINT / SIGTERM; prints the URL on stdout (first line) for scripts to read.
 * Exit code 0 after a signal, 2 for bad arguments.
 */
export async function runServe(args: string[], db?: string): Promise<number> {
  const parsed = parse(args);
  if (typeof parsed === "string") {
    process.stderr.write(`image-share emulator serve: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  const emulator = openEmulator(parsed.db ?? db);
  let server;
  try {
    server = await startEmulatorServer({ dialects: allDialects(emulator), port: parsed.port, host: parsed.host, limits: parsed.limits });
  } catch (e) {
    process.stderr.write(`image-share emulator serve: cannot listen on ${parsed.host}:${parsed.port}: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`${server.url}\n`);
  const l = server.limits;
  process.stderr.write(
    `image-share emulator: serving Huawei Cloud / Open Telekom Cloud IMS, Alibaba Cloud ECS and Tencent Cloud CVM on ${server.url} (state ${emulator.location}); Ctrl-C stops\n` +
      `  bounds: bodies up to ${l.maxBodyBytes} bytes (${l.maxBufferedBytes} held at once), ${l.maxConnections} connections, headers within ${l.headersTimeoutMs} ms, whole requests within ${l.requestTimeoutMs} ms\n`,
  );
  process.stderr.write(acceptedKeys(emulator));
  // The server answers every request error itself; should a defect still throw, it is reported
  // and serving goes on (the state is safe: every change is one atomic transaction).
  const defect = (e: unknown) => process.stderr.write(`image-share emulator serve: internal error (still serving): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.on("uncaughtException", defect);
  process.on("unhandledRejection", defect);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  process.off("uncaughtException", defect);
  process.off("unhandledRejection", defect);
  await server.close();
  return 0;
}

/** The access keys the server accepts, for the start-up message (at most 20; `keys list` has them all). */
function acceptedKeys(emulator: Emulator): string {
  const keys = emulator.accessKeys();
  if (keys.length === 0) {
    const accounts = emulator.snapshot().accounts;
    const some = accounts.slice(0, 5).map((a) => `${a.id} (${a.profile})`).join(", ");
    return `  no access keys yet: every signed request is refused. Add one with image-share emulator keys add --account ID${accounts.length ? ` (accounts: ${some}${accounts.length > 5 ? ", ..." : ""})` : " (seed a topology first: image-share emulator seed FILE)"}, or one per account with keys add --all\n`;
  }
  const shown = keys.slice(0, 20).map((k) => {
    const profile = emulator.findAccount(k.account)?.profile;
    return `  ${formatKey({ ...k, ...(profile ? { profile } : {}) })}`;
  });
  return `  access keys (${keys.length}; image-share emulator keys add|list|remove):\n${shown.join("\n")}\n${keys.length > 20 ? `  ... and ${keys.length - 20} more: image-share emulator keys list\n` : ""}`;
}

/** The hook provider/cli/emulator.ts calls: `run(args, db)`. */
export function run(args: string[], db: string | undefined): Promise<number> {
  return runServe(args, db);
}
