import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import fs = require("node:fs");
import net = require("node:net");
import path = require("node:path");
import { acs3CanonicalRequest, acs3Signature, acs3StringToSign } from "../../../provider/backends/emulator/http/alicloud";

// Helpers for tests of `image-share emulator serve` as a user runs it: the spawned CLI, raw bytes
// on a socket (to send what no HTTP client would), the server's peak memory, and each cloud's
// request signing (Huawei's with the SDK's own signer).

const CLI = path.resolve(__dirname, "../../../cli.js");

export interface Served {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Peak resident memory of the process so far, in MiB (Linux: /proc/PID/status VmHWM). */
  peakRssMiB(): number | undefined;
  /** Resident memory now, in MiB. */
  rssMiB(): number | undefined;
  stop(): Promise<number | null>;
}

/** Spawns `image-share emulator serve --port 0 --db DB ...extra` and waits for its URL. */
export async function serve(db: string, extra: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI, "emulator", "serve", "--port", "0", "--db", db, ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let exited = false;
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => ((exited = true), resolve(code))));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n")) resolve(line.trim());
    });
    void exit.then((code) => reject(new Error(`emulator serve exited (${code}) before printing its URL: ${stderr}`)));
  });
  const status = (field: string) => {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
      return m ? Number(m[1]) / 1024 : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    child,
    stderr: () => stderr,
    alive: () => !exited,
    peakRssMiB: () => status("VmHWM"),
    rssMiB: () => status("VmRSS"),
    async stop() {
      if (!exited) child.kill("SIGTERM");
      return exit;
    },
  };
}

export interface RawAnswer {
  /** The status of the first response, if one came. */
  status?: number;
  /** Everything the server sent. */
  text: string;
  /** The server closed the connection (else the client gave up after `timeoutMs`). */
  closedByServer: boolean;
  /** The connection was refused or reset. */
  error?: string;
}

/** Sends raw bytes on a new connection and reads until the server closes it (or `timeoutMs`). */
export function raw(port: number, bytes: Buffer | string, options: { timeoutMs?: number; drip?: { chunks: (Buffer | string)[]; everyMs: number } } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let done = false;
    let drip: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (drip) clearInterval(drip);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ ...(m ? { status: Number(m[1]) } : {}), text, closedByServer, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 15_000);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (e) => (error = (e as NodeJS.ErrnoException).code ?? e.message));
    socket.on("close", () => finish(true));
    socket.write(bytes);
    if (options.drip) {
      const rest = [...options.drip.chunks];
      drip = setInterval(() => {
        const next = rest.shift();
        if (next === undefined || socket.destroyed) return clearInterval(drip);
        socket.write(next);
      }, options.drip.everyMs);
    }
  });
}

/** One HTTP/1.1 request as bytes, closing the connection after the answer. */
export function request(method: string, target: string, headers: Record<string, string>, body: Buffer | string = ""): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const named = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const head = [`${method} ${target} HTTP/1.1`, `host: ${named.host ?? "127.0.0.1"}`, ...Object.entries(named).filter(([k]) => k !== "host").map(([k, v]) => `${k}: ${v}`), "connection: close", `content-length: ${b.length}`, "", ""].join("\r\n");
  return Buffer.concat([Buffer.from(head, "latin1"), b]);
}

/** Runs `tasks` with at most `concurrency` at once. */
export async function pool<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}

// ---- signing, as each cloud's SDK signs ----

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Huawei Cloud: headers from the SDK's own AKSKSigner (huaweicloud-sdk-core), for a JSON body. */
export function huaweiSigned(input: { url: string; method: string; path: string; query?: Record<string, string>; body?: unknown; ak: string; sk: string; project: string }): { target: string; headers: Record<string, string>; body: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner") as { AKSKSigner: { sign(request: object, credential: object): Record<string, string> } };
  const body = input.body === undefined ? "" : JSON.stringify(input.body);
  const query = new URLSearchParams(input.query ?? {}).toString();
  const headers = AKSKSigner.sign(
    { method: input.method, endpoint: `${input.url}${input.path}`, headers: { "content-type": "application/json", "x-project-id": input.project }, queryParams: input.query ?? {}, ...(input.body !== undefined ? { data: input.body } : {}) },
    { getAk: () => input.ak, getSk: () => input.sk },
  );
  return { target: `${input.path}${query ? `?${query}` : ""}`, headers: headers, body };
}

/** Tencent Cloud TC3-HMAC-SHA256 (host signed without the port, as the SDK does). */
export function tencentSigned(input: { action: string; region: string; body: string; secretId: string; secret: string; timestamp?: number }): Record<string, string> {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonical = ["POST", "/", "", `content-type:application/json\nhost:127.0.0.1\n`, "content-type;host", sha256(input.body)].join("\n");
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/cvm/tc3_request\n${sha256(canonical)}`;
  const h = (k: string | Buffer, d: string) => createHmac("sha256", k).update(d).digest();
  const key = h(h(h(`TC3${input.secret}`, date), "cvm"), "tc3_request");
  const signature = createHmac("sha256", key).update(toSign).digest("hex");
  return {
    authorization: `TC3-HMAC-SHA256 Credential=${input.secretId}/${date}/cvm/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`,
    "content-type": "application/json",
    "x-tc-action": input.action,
    "x-tc-version": "2017-03-12",
    "x-tc-region": input.region,
    "x-tc-timestamp": String(timestamp),
  };
}

/** Alibaba Cloud ACS3-HMAC-SHA256 over the query (the dialect's canonical form, checked against the SDK in alicloud.signature.test.ts). */
export function alibabaSigned(input: { action: string; query: Record<string, string>; accessKeyId: string; secret: string; port: number; nonce: string }): { target: string; headers: Record<string, string> } {
  const headers: Record<string, string> = {
    host: `127.0.0.1:${input.port}`,
    "x-acs-action": input.action,
    "x-acs-version": "2014-05-26",
    "x-acs-date": new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    "x-acs-signature-nonce": input.nonce,
    "x-acs-content-sha256": sha256(""),
  };
  const signed = Object.keys(headers).sort();
  const canonical = acs3CanonicalRequest({ method: "POST", pathname: "/", query: input.query, headers, signedHeaders: signed, payloadHash: headers["x-acs-content-sha256"] });
  return {
    target: `/?${new URLSearchParams(input.query).toString().replace(/\+/g, "%20")}`,
    headers: { ...headers, authorization: `ACS3-HMAC-SHA256 Credential=${input.accessKeyId},SignedHeaders=${signed.join(";")},Signature=${acs3Signature(input.secret, acs3StringToSign(canonical))}` },
  };
}
