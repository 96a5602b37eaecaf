/**
 * The state file's writer lock: `<state>.lock`, a hard link to the holder's own draft
 * `<state>.lock.<pid>.tmp` (written once per process: pid, host, boot id, pid namespace, the
 * process's start time), so that taking the lock is one link() and giving it back one unlink(),
 * and a lock is never seen without its holder, even if its holder is killed mid-way.
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
  /** When it wrote its draft, ms since the epoch (its clock: a date far ahead of ours is a clock skew). */
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
  /** When it was linked into place (its status change time). */
  lockedAt: number;
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
  if (st.isDirectory()) return { directory: true, mtimeMs: st.mtimeMs, lockedAt: st.ctimeMs };
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileSystemError(e, "read the lock", file);
  }
  return { holder: parseHolder(text), directory: false, mtimeMs: st.mtimeMs, lockedAt: st.ctimeMs, text };
}

const sameLock = (a: Found, b: Found) => (a.holder && b.holder ? a.holder.token === b.holder.token : a.directory === b.directory && a.mtimeMs === b.mtimeMs && a.text === b.text);

/** The draft a process writes its lock into, linked into place to take the lock. */
export const lockDraftOf = (file: string, pid = process.pid) => `${file}.${pid}.tmp`;

/** Writes `text` to a new file `file` and returns its inode. */
function writeNew(file: string, text: string, flag: "w" | "wx"): number {
  const fd = fs.openSync(file, flag, 0o644);
  try {
    fs.writeSync(fd, text);
    return fs.fstatSync(fd).ino;
  } finally {
    fs.closeSync(fd);
  }
}

const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * Creates `file` exclusively with `text`, whole, and returns its inode (undefined: it exists):
 * hard-linked from `draft` (written first if absent), or, where the file system has no hard links,
 * created exclusively and then written.
 */
function createFrom(file: string, text: string, draft: { path: string; ino?: number }): number | undefined {
  for (let again = true; ; again = false) {
    try {
      draft.ino ??= writeNew(draft.path, text, "w");
    } catch (e) {
      fs.rmSync(draft.path, { force: true });
      throw fileSystemError(e, "create the lock", file, "nothing was changed");
    }
    try {
      fs.linkSync(draft.path, file);
      return draft.ino;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "";
      if (code === "EEXIST") return undefined;
      // The draft was removed (by someone who took its process for dead): write it again.
      if (code === "ENOENT" && again) {
        draft.ino = undefined;
        continue;
      }
      if (!NO_LINKS.has(code)) throw fileSystemError(e, "create the lock", file, "nothing was changed");
    }
    try {
      return writeNew(file, text, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return undefined;
      fs.rmSync(file, { force: true });
      throw fileSystemError(e, "create the lock", file, "nothing was changed");
    }
  }
}

/** Drafts of this process, removed when it exits (a killed one's are removed by the next writer). */
const drafts = new Set<string>();
let cleanupOnExit = false;
function keepDraft(file: string): void {
  drafts.add(file);
  if (cleanupOnExit) return;
  cleanupOnExit = true;
  process.once("exit", () => {
    for (const d of drafts) fs.rmSync(d, { force: true });
  });
}

/** Removes a file; gone already is fine (one unlink: rmSync stats first). */
function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
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

/**
 * A waiter sleeps this long (ms, with jitter) between looks while the lock changes hands: a
 * holder keeps it for a fraction of a millisecond. It does not spin: with more writers than cores
 * a spinning waiter takes the core the holder (or a writer preparing its transaction) needs.
 */
const SHORT_WAIT_MS = 0.05;
/** The longest sleep, once one holder has kept the lock a while (a long transaction). */
const LONG_WAIT_MS = 2;
/** How long one holder may keep the lock before a waiter checks it (alive? dead? no holder?). */
const CHECK_AFTER_MS = 1;

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps synchronously: a transaction is synchronous and takes its lock so. */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

const when = (ms: number) => new Date(ms).toISOString();
function describeHolder(h: Holder, lockedAt: number): string {
  return `pid ${h.pid}${h.command ? ` (${h.command})` : ""} on ${h.host} since ${when(lockedAt)}`;
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

/** Tokens: unique per process (its pid and a random session id) and lock. */
const session = crypto.randomBytes(6).toString("hex");
let locks = 0;

export class FileLock {
  readonly path: string;
  /** Held: the inode of the lock file put there. */
  private held: number | undefined;
  private readonly draft: { path: string; ino?: number; text: string };

  /** The lock of the state file `target`. */
  constructor(private readonly target: string) {
    this.path = `${target}.lock`;
    const token = `${process.pid}.${session}.${(++locks).toString(36)}`;
    this.draft = { path: lockDraftOf(this.path), text: `${JSON.stringify({ ...me(), since: Date.now(), token } satisfies Holder)}\n` };
  }

  /**
   * Takes the lock; returns whether a dead holder's lock was taken away on the way (the caller
   * then clears what a dead writer may have left). `whileWaiting` runs each time the lock is
   * found with another holder (the state file's reader catches up with the last one's write).
   */
  acquire(options: LockOptions, whileWaiting?: () => void): { recovered: boolean } {
    if (this.held !== undefined) throw new Error(`image-share emulator: a transaction on ${this.target} was started inside another one`);
    if (this.draft.ino === undefined) keepDraft(this.draft.path);
    const started = Date.now();
    let recovered = false;
    /** The lock in place when last looked (its inode and change time: each link makes another), and since when. */
    let seen: { ino: number; ctimeMs: number; since: number } | undefined;
    let wait = SHORT_WAIT_MS;
    let handoffs = 0;
    for (;;) {
      // A stat first: under contention the lock is mostly in place, and a failed link() costs an
      // exception. (A stat that fails otherwise: the link below says why.)
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(this.path, { throwIfNoEntry: false });
      } catch {
        st = undefined;
      }
      if (st === undefined) {
        const ino = createFrom(this.path, this.draft.text, this.draft);
        if (ino !== undefined) {
          this.held = ino;
          return { recovered };
        }
        continue;
      }
      const now = performance.now();
      if (seen === undefined || seen.ino !== st.ino || seen.ctimeMs !== st.ctimeMs) {
        // Another holder (or the same one again): the lock is changing hands.
        seen = { ino: st.ino, ctimeMs: st.ctimeMs, since: now };
        wait = SHORT_WAIT_MS;
        // Others writing without a pause keep it busy: the wait ends at the timeout all the same.
        const waited = Date.now() - started;
        if (++handoffs > 1 && waited >= options.timeoutMs) throw this.keptBusy(handoffs, waited);
        if (whileWaiting) {
          whileWaiting();
          continue;
        }
      } else if (now - seen.since >= CHECK_AFTER_MS || Date.now() - started >= Math.min(options.staleMs, options.timeoutMs)) {
        const verdict = this.look(options, started, handoffs);
        recovered ||= verdict === "recovered";
        if (verdict !== "wait") continue;
        wait = Math.min(wait * 2, LONG_WAIT_MS);
      }
      sleepSync(wait * (0.5 + Math.random()));
    }
  }

  /**
   * Looks at the lock in place: gone ("again": try again at once), a dead holder's (taken away:
   * "recovered"), one to wait for ("wait"); throws when waiting is over.
   */
  private look(options: LockOptions, started: number, handoffs: number): "again" | "recovered" | "wait" {
    const found = inspect(this.path);
    if (!found) return "again";
    const now = Date.now();
    const waited = now - started;
    if (found.holder) {
      const verdict = verdictOf(found.holder);
      if (verdict === "dead") {
        return this.breakLock(found) ? "recovered" : "again";
      }
      if (verdict === "elsewhere" && waited > options.staleMs) throw this.elsewhere(found.holder, now);
      if (verdict === "alive" && waited > options.timeoutMs) {
        // One holder found twice at the timeout after the lock changed hands: the others kept it busy, not this one.
        if (handoffs > 1) throw this.keptBusy(handoffs, waited);
        throw new EmulatorStateError("locked", this.path, `${this.target} is being written by ${describeHolder(found.holder, found.lockedAt)} (lock ${this.path}); gave up after waiting ${howLong(waited)}: let that process finish, or stop it, and retry`);
      }
    } else {
      const age = now - found.mtimeMs;
      if (age > options.staleMs) {
        return this.breakLock(found) ? "recovered" : "again";
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
    return "wait";
  }

  /** Whether this process still holds the lock (the lock file is the one it put there). */
  holds(): boolean {
    if (this.held === undefined) return false;
    try {
      return fs.statSync(this.path).ino === this.held;
    } catch {
      return false;
    }
  }

  release(): void {
    if (this.held === undefined) return;
    try {
      if (this.holds()) removeFile(this.path);
    } finally {
      this.held = undefined;
    }
  }

  /** The wait's end when the lock kept changing hands: no one holder to name. */
  private keptBusy(handoffs: number, waited: number): EmulatorStateError {
    return new EmulatorStateError("locked", this.path, `${this.target} is being written by other processes without a pause: its lock ${this.path} changed hands ${handoffs} times while this process waited ${howLong(waited)}; gave up: retry when they have finished`);
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
    const text = `${JSON.stringify({ ...me(), since: Date.now(), token: `${process.pid}.${session}.break` } satisfies Holder)}\n`;
    const draft = { path: lockDraftOf(breaker) };
    let took: number | undefined;
    try {
      took = createFrom(breaker, text, draft);
    } finally {
      fs.rmSync(draft.path, { force: true });
    }
    if (took === undefined) {
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
