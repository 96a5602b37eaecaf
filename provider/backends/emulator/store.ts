/**
 * Where the emulator's state lives: a JSON file (several processes at once: the Pulumi provider
 * host running resource operations in parallel, the CLI, a test) or memory (unit tests).
 *
 * Every operation is one read-modify-write under an exclusive lock (proper-lockfile: a lock
 * directory beside the file, created atomically by mkdir) with an atomic write (temporary file,
 * fsync, rename over the state), so no update is lost and no reader ever sees a torn file. A
 * lock left by a killed process is recovered once its modification time is older than `staleMs`
 * (a live holder's lock is held for milliseconds only, never that long).
 *
 * Operations are synchronous: a transaction holds the lock only while the state is in memory,
 * never across an await, so the lock cannot be held by a stalled event loop.
 */
import fs = require("node:fs");
import path = require("node:path");
import lockfile = require("proper-lockfile");
import { checkState, emptyState, type EmulatorState } from "./model";

export const DEFAULT_EMULATOR_DB = ".image-share/emulator.db";
export const EMULATOR_DB_ENV = "IMAGE_SHARE_EMULATOR_DB";

/** The state file: an explicit path, else $IMAGE_SHARE_EMULATOR_DB, else .image-share/emulator.db under the current directory. */
export function resolveEmulatorPath(explicit?: string): string {
  const chosen = explicit ?? process.env[EMULATOR_DB_ENV] ?? DEFAULT_EMULATOR_DB;
  return path.resolve(chosen);
}

export interface Store {
  /**
   * Runs `fn` on the current state under the lock and saves what it leaves (unless it throws).
   * `optimistic`: first run `fn` on a snapshot without the lock; if it changed nothing, that is
   * the answer (a read costs no lock); else run it again under the lock. Only for `fn`s that may
   * run twice (pure functions of the state).
   */
  transact<T>(fn: (state: EmulatorState) => T, options?: { optimistic?: boolean }): T;
  /** A consistent snapshot (no lock needed: writes are atomic renames). */
  read(): EmulatorState;
  /** Where it lives, for messages. */
  readonly location: string;
}

/** In memory, for unit tests. Each transaction works on a copy, so a refused call changes nothing. */
export class MemoryStore implements Store {
  readonly location = "(memory)";
  private text: string;
  constructor(initial: EmulatorState = emptyState()) {
    this.text = JSON.stringify(initial);
  }
  transact<T>(fn: (state: EmulatorState) => T): T {
    const state = JSON.parse(this.text) as EmulatorState;
    const result = fn(state);
    this.text = JSON.stringify(state);
    return result;
  }
  read(): EmulatorState {
    return JSON.parse(this.text) as EmulatorState;
  }
}

export interface FileStoreOptions {
  /**
   * fsync the new state before renaming it into place (default true; env
   * IMAGE_SHARE_EMULATOR_FSYNC=0 turns it off). Without it a write is still atomic for every
   * process (rename), only an OS crash could lose the latest writes; it costs a disk flush per
   * write (about 10 ms on slow virtual disks).
   */
  fsync?: boolean;
  /** A lock older than this is a dead holder's and is taken over (proper-lockfile's minimum: 2000). Default 10 s. */
  staleMs?: number;
  /** How long to wait for the lock before giving up. Default 60 s. */
  lockTimeoutMs?: number;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps synchronously (the lock is taken synchronously; no event loop turn is needed). */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

export class FileStore implements Store {
  readonly location: string;
  private readonly lockPath: string;
  private readonly staleMs: number;
  private readonly lockTimeoutMs: number;
  private readonly fsync: boolean;

  constructor(file: string, options: FileStoreOptions = {}) {
    this.location = path.resolve(file);
    this.lockPath = `${this.location}.lock`;
    this.staleMs = Math.max(2000, options.staleMs ?? Number(process.env.IMAGE_SHARE_EMULATOR_LOCK_STALE_MS ?? 10_000));
    this.lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
    this.fsync = options.fsync ?? process.env.IMAGE_SHARE_EMULATOR_FSYNC !== "0";
    fs.mkdirSync(path.dirname(this.location), { recursive: true });
  }

  /** Whether the state file exists. */
  exists(): boolean {
    return fs.existsSync(this.location);
  }

  read(): EmulatorState {
    return this.readText().state;
  }

  private readText(): { state: EmulatorState; text: string } {
    let text: string;
    try {
      text = fs.readFileSync(this.location, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { state: emptyState(), text: "" };
      throw new Error(`image-share emulator: cannot read ${this.location}: ${(e as Error).message}`);
    }
    if (text.trim() === "") return { state: emptyState(), text };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`image-share emulator: ${this.location} is not valid JSON (${(e as Error).message}); delete it or run \`image-share emulator reset\``);
    }
    return { state: checkState(parsed, this.location), text };
  }

  transact<T>(fn: (state: EmulatorState) => T, options: { optimistic?: boolean } = {}): T {
    if (options.optimistic) {
      // Writes are atomic renames, so this snapshot is a state some transaction left.
      const { state, text } = this.readText();
      const result = fn(state);
      if (JSON.stringify(state) === (text.trim() === "" ? JSON.stringify(emptyState()) : text)) return result;
    }
    const release = this.lock();
    try {
      const { state, text } = this.readText();
      const result = fn(state);
      // A call that changed nothing (most reads) costs no write and no fsync.
      const next = JSON.stringify(state);
      if (next !== text) this.write(next);
      return result;
    } finally {
      release();
    }
  }

  /** Removes the state (reset). */
  remove(): void {
    const release = this.lock();
    try {
      fs.rmSync(this.location, { force: true });
    } finally {
      release();
    }
  }

  private write(text: string): void {
    const tmp = `${this.location}.${process.pid}.${Date.now().toString(36)}.tmp`;
    const fd = fs.openSync(tmp, "w", 0o600);
    try {
      fs.writeSync(fd, text);
      if (this.fsync) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.renameSync(tmp, this.location);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** Takes the lock, retrying with a short jittered pause; a stale lock is taken over by proper-lockfile. */
  private lock(): () => void {
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return lockfile.lockSync(this.location, {
          lockfilePath: this.lockPath,
          realpath: false,
          stale: this.staleMs,
          // A holder keeps the lock for milliseconds; were it ever compromised (taken over as
          // stale), its write is still atomic: report, do not crash the host process.
          onCompromised: (err: Error) => process.emitWarning(`image-share emulator lock compromised: ${err.message}`),
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw new Error(`image-share emulator: cannot lock ${this.location}: ${(e as Error).message}`);
        if (Date.now() > deadline) throw new Error(`image-share emulator: ${this.location} stayed locked for ${this.lockTimeoutMs} ms (lock ${this.lockPath})`);
        sleepSync(Math.min(20, 1 + attempt) * (0.5 + Math.random()));
      }
    }
  }
}
