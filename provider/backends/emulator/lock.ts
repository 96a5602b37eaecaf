/**
 * The state file's writer lock: `<state>.lock`, created exclusively (O_EXCL) with its holder
 * written in it: pid, host, boot id, pid namespace, the process's start time, since when.
 *
 * - A live holder keeps it however long it writes: nothing takes a lock by its age.
 * - A holder on this machine that is dead (no such pid, or the pid now belongs to a process that
 *   started later, or the machine has rebooted since) has its lock taken at once.
 * - A holder on another host (or in another container: another pid namespace) cannot be checked:
 *   after `staleMs` of waiting it is reported, with what to do, and never taken.
 * - A lock that names no holder (a lock directory of an older image-share, or a lock file emptied
 *   by a system crash) is taken once older than `staleMs`, and reported when dated in the future.
 *
 * Taking a dead holder's lock away is itself done under `<state>.lock.break` and re-checked
 * there, so that two waiters never both remove it (one of them would remove a fresh lock).
 */
import crypto = require("node:crypto");
import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { EmulatorStateError, fileSystemError } from "./stateError";

export interface Holder {
  pid: number;
  host: string;
  /** Linux: /proc/sys/kernel/random/boot_id. */
  boot?: string;
  /** Linux: the pid namespace (/proc/self/ns/pid); a container's pids are not this machine's. */
  pidns?: string;
  /** Linux: the process's start time in clock ticks since boot (/proc/PID/stat, field 22): a reused pid has another. */
  start?: number;
  /** What the holder runs (the script's name), for messages. */
  command?: string;
  /** When it took the lock, ms since the epoch (its clock). */
  since: number;
  token: string;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** A process's start time (Linux), or undefined where /proc does not tell. */
function startTimeOf(pid: number): number | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[19]);
  return Number.isFinite(start) ? start : undefined;
}

let self: Omit<Holder, "since" | "token"> | undefined;
function me(): Omit<Holder, "since" | "token"> {
  if (!self) {
    let pidns: string | undefined;
    try {
      pidns = fs.readlinkSync("/proc/self/ns/pid");
    } catch {
      pidns = undefined;
    }
    const boot = readText("/proc/sys/kernel/random/boot_id");
    const start = startTimeOf(process.pid);
    self = {
      pid: process.pid,
      host: os.hostname(),
      ...(boot ? { boot } : {}),
      ...(pidns ? { pidns } : {}),
      ...(start !== undefined ? { start } : {}),
      command: path.basename(process.argv[1] ?? process.argv0),
    };
  }
  return self;
}

type Verdict = "alive" | "dead" | "elsewhere";

/** Whether the holder is alive, dead, or on another host (or pid namespace) where it cannot be checked. */
export function verdictOf(holder: Holder): Verdict {
  const m = me();
  if (holder.host !== m.host || holder.pidns !== m.pidns) return "elsewhere";
  if (holder.boot !== undefined && m.boot !== undefined && holder.boot !== m.boot) return "dead"; // rebooted since
  if (!pidAlive(holder.pid)) return "dead";
  if (holder.start !== undefined) {
    const start = startTimeOf(holder.pid);
    if (start !== undefined && start !== holder.start) return "dead"; // the pid was reused
  }
  return "alive";
}

function parseHolder(text: string): Holder | undefined {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    const ok = typeof h === "object" && h !== null && Number.isInteger(h.pid) && (h.pid as number) > 0 && typeof h.host === "string" && typeof h.token === "string" && typeof h.since === "number";
    return ok ? (h as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** A lock as found on disk. */
interface Found {
  holder?: Holder;
  /** Not a file (an older image-share's lock directory). */
  directory: boolean;
  mtimeMs: number;
  text?: string;
}

function inspect(file: string): Found | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileSystemError(e, "read the lock", file);
  }
  if (st.isDirectory()) return { directory: true, mtimeMs: st.mtimeMs };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileSystemError(e, "read the lock", file);
  }
  return { holder: parseHolder(text), directory: false, mtimeMs: st.mtimeMs, text };
}

const sameLock = (a: Found, b: Found) => (a.holder && b.holder ? a.holder.token === b.holder.token : a.directory === b.directory && a.mtimeMs === b.mtimeMs && a.text === b.text);

/** The temporary file a process writes its lock into before linking it in place. */
export const lockDraftOf = (file: string, pid = process.pid) => `${file}.${pid}.tmp`;

/**
 * Creates `file` exclusively with `text`, whole: written to a file of its own first and hard-linked
 * into place (a lock is never seen without its holder, even if its writer is killed mid-way);
 * false if it exists. Where hard links are not supported, created exclusively and then written.
 */
function createExclusive(file: string, text: string): boolean {
  const draft = lockDraftOf(file);
  try {
    fs.writeFileSync(draft, text, { mode: 0o644 });
  } catch (e) {
    fs.rmSync(draft, { force: true });
    throw fileSystemError(e, "create the lock", file, "nothing was changed");
  }
  try {
    fs.linkSync(draft, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw fileSystemError(e, "create the lock", file, "nothing was changed");
  } finally {
    fs.rmSync(draft, { force: true });
  }
  let fd: number;
  try {
    fd = fs.openSync(file, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw fileSystemError(e, "create the lock", file, "nothing was changed");
  }
  try {
    fs.writeSync(fd, text);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw fileSystemError(e, "write the lock", file, "nothing was changed");
  }
  fs.closeSync(fd);
  return true;
}

/** Whether a process with this pid runs on this machine (a process of another user counts). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps synchronously: a transaction is synchronous and takes its lock so. */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

const when = (ms: number) => new Date(ms).toISOString();
function describeHolder(h: Holder): string {
  return `pid ${h.pid}${h.command ? ` (${h.command})` : ""} on ${h.host} since ${when(h.since)}`;
}
function howLong(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

export interface LockOptions {
  /** How long to wait for a holder that cannot be checked (another host, or none recorded). */
  staleMs: number;
  /** How long to wait for a live holder before giving up. */
  timeoutMs: number;
}

/** Tokens: unique per acquisition (this process's pid, a counter, a random session id). */
const session = crypto.randomBytes(6).toString("hex");
let taken = 0;

export class FileLock {
  readonly path: string;
  private token: string | undefined;

  /** The lock of the state file `target`. */
  constructor(private readonly target: string) {
    this.path = `${target}.lock`;
  }

  /**
   * Takes the lock; returns whether a dead holder's lock was taken away on the way (the caller
   * then clears what a dead writer may have left).
   */
  acquire(options: LockOptions): { recovered: boolean } {
    if (this.token !== undefined) throw new Error(`image-share emulator: a transaction on ${this.target} was started inside another one`);
    const token = `${process.pid}.${(++taken).toString(36)}.${session}`;
    const text = `${JSON.stringify({ ...me(), since: Date.now(), token } satisfies Holder)}\n`;
    const started = Date.now();
    let recovered = false;
    let wait = 0.05;
    for (;;) {
      if (createExclusive(this.path, text)) {
        this.token = token;
        return { recovered };
      }
      const found = inspect(this.path);
      if (!found) continue; // released in between: try again at once
      const now = Date.now();
      const waited = now - started;
      if (found.holder) {
        const verdict = verdictOf(found.holder);
        if (verdict === "dead") {
          recovered = this.breakLock(found) || recovered;
          continue;
        }
        if (verdict === "elsewhere" && waited > options.staleMs) throw this.elsewhere(found.holder, now);
        if (verdict === "alive" && waited > options.timeoutMs) {
          throw new EmulatorStateError("locked", this.path, `${this.target} is being written by ${describeHolder(found.holder)} (lock ${this.path}); gave up after waiting ${howLong(waited)}: let that process finish, or stop it, and retry`);
        }
      } else {
        const age = now - found.mtimeMs;
        if (age > options.staleMs) {
          recovered = this.breakLock(found) || recovered;
          continue;
        }
        if (age < -options.staleMs) {
          throw new EmulatorStateError(
            "locked",
            this.path,
            `the lock ${this.path} names no holder and is dated ${howLong(age)} in the future (a clock set back, or a directory copied from another machine): if no image-share process is using ${this.target}, delete ${this.path}`,
          );
        }
        if (waited > options.timeoutMs) throw new EmulatorStateError("locked", this.path, `${this.target} stayed locked for ${howLong(waited)} (lock ${this.path}, no holder recorded)`);
      }
      sleepSync(wait * (0.5 + Math.random()));
      wait = Math.min(wait * 2, 5);
    }
  }

  /** Whether this process still holds the lock (its token is in the lock file). */
  holds(): boolean {
    return this.token !== undefined && inspect(this.path)?.holder?.token === this.token;
  }

  release(): void {
    if (this.token === undefined) return;
    try {
      if (this.holds()) fs.rmSync(this.path, { force: true });
    } finally {
      this.token = undefined;
    }
  }

  private elsewhere(holder: Holder, now: number): EmulatorStateError {
    const m = me();
    const ahead = holder.since - now;
    const where = holder.host !== m.host ? `on another host (${holder.host}, this is ${m.host})` : `in another pid namespace (a container: ${holder.pidns ?? "none"}, this is ${m.pidns ?? "none"})`;
    const future = ahead > 60_000 ? `, and is dated ${howLong(ahead)} in the future (clock skew, or a directory copied from another machine)` : "";
    return new EmulatorStateError(
      "locked",
      this.path,
      `the lock ${this.path} is held by pid ${holder.pid}${holder.command ? ` (${holder.command})` : ""} ${where}, which image-share cannot check${future}: if no image-share process there is using ${this.target}, delete ${this.path}`,
    );
  }

  /** Removes the lock `found` if it is still the one found (checked under the break lock); returns whether it did. */
  private breakLock(found: Found): boolean {
    const breaker = `${this.path}.break`;
    if (!createExclusive(breaker, `${JSON.stringify({ ...me(), since: Date.now(), token: `${process.pid}.break.${session}` } satisfies Holder)}\n`)) {
      // Another waiter is breaking it (for microseconds), or was killed doing so.
      const other = inspect(breaker);
      if (other && (other.holder ? verdictOf(other.holder) === "dead" : Date.now() - other.mtimeMs > 2000)) fs.rmSync(breaker, { force: true });
      return false;
    }
    try {
      const again = inspect(this.path);
      if (!again || !sameLock(again, found)) return false;
      fs.rmSync(this.path, { force: true, recursive: again.directory });
      return true;
    } finally {
      fs.rmSync(breaker, { force: true });
    }
  }
}
