/**
 * Where the emulator's state lives: a file (several processes at once: the Pulumi provider host
 * running resource operations in parallel, the CLI, `emulator serve`, a test) or memory.
 *
 * Both hand a transaction a draft of the state (tables.ts): records are read when touched and
 * only the changed ones are kept, so a call costs what it touches, not the size of the state.
 * The file (journal.ts) is a journal of JSON lines: a write appends the records it changed, under
 * a lock that records its holder (lock.ts); readers take no lock and never wait for a writer.
 * Each process keeps the state it has read and reads only what others appended since.
 *
 * Transactions are synchronous: the lock is held only while a transaction runs, never across an
 * await.
 */
import fs = require("node:fs");
import path = require("node:path");
import { checkState, emptyState, type EmulatorState } from "./model";
import { encodeTransaction, StateFile, type WriteOptions } from "./journal";
import { Tables } from "./tables";

export { EmulatorStateError, type StateErrorKind } from "./stateError";

export const DEFAULT_EMULATOR_DB = ".image-share/emulator.db";
export const EMULATOR_DB_ENV = "IMAGE_SHARE_EMULATOR_DB";

/** The state file: an explicit path, else $IMAGE_SHARE_EMULATOR_DB, else .image-share/emulator.db under the current directory. */
export function resolveEmulatorPath(explicit?: string): string {
  const chosen = explicit ?? process.env[EMULATOR_DB_ENV] ?? DEFAULT_EMULATOR_DB;
  return path.resolve(chosen);
}

export interface Store {
  /**
   * Runs `fn` on the current state under the lock and saves what it changed (nothing if it
   * throws). `optimistic`: first run `fn` on a snapshot without the lock; if it changed nothing,
   * that is the answer (a read takes no lock); else run it again under the lock. Only for `fn`s
   * that may run twice (pure functions of the state).
   */
  transact<T>(fn: (state: EmulatorState) => T, options?: { optimistic?: boolean }): T;
  /**
   * The state as it is now, without a lock (a writer is never waited for). Records are read as
   * they are touched: read what you need before the store's next call. Changes to it are dropped.
   */
  read(): EmulatorState;
  /** Forgets everything (faults and settings included). A file that cannot be read is kept beside it: its new name is returned. */
  reset(): { kept?: string };
  /** Where it lives, for messages. */
  readonly location: string;
}

/** In memory. Each transaction works on a draft, so a refused call changes nothing. */
export class MemoryStore implements Store {
  readonly location = "(memory)";
  private tables: Tables;
  constructor(initial: EmulatorState = emptyState()) {
    // A copy: the caller keeps its object.
    this.tables = Tables.fromState(checkState(JSON.parse(JSON.stringify(initial)), this.location));
  }
  transact<T>(fn: (state: EmulatorState) => T): T {
    const draft = this.tables.draft();
    const result = fn(draft.state);
    const changes = draft.changes();
    if (changes) this.tables.apply(changes);
    return result;
  }
  read(): EmulatorState {
    return this.tables.draft().state;
  }
  reset(): { kept?: string } {
    this.tables = Tables.fromState(emptyState());
    return {};
  }
}

export interface FileStoreOptions {
  /**
   * fsync each write before it counts as done (default false; env IMAGE_SHARE_EMULATOR_FSYNC=1
   * turns it on). Without it, as SQLite's WAL mode with synchronous=NORMAL: a killed process
   * never loses a write that returned (it is in the OS's cache), and a crash of the machine may
   * lose the last writes but never leaves a damaged state (rewrites of the whole file are always
   * fsynced before they replace it). With it, every write waits for the disk (3-10 ms here).
   */
  fsync?: boolean;
  /**
   * How long to wait for a lock whose holder cannot be checked (on another host, or none recorded)
   * before reporting it (another host) or taking it (none recorded). Default 10 s (env
   * IMAGE_SHARE_EMULATOR_LOCK_STALE_MS). A holder on this machine is never timed out: it keeps the
   * lock while it lives, and loses it at once when it dies.
   */
  staleMs?: number;
  /** How long to wait for a live holder before giving up. Default 60 s. */
  lockTimeoutMs?: number;
  /** Rewrite the file once the transactions appended exceed this many bytes (and the state's own size). Default 4 MiB. */
  compactBytes?: number;
}

/**
 * One StateFile per path in a process: every FileStore of a path shares what has been read of
 * it, and keeps it open for writing. The least recently used are dropped beyond a few (tests
 * open many files).
 */
const files = new Map<string, StateFile>();
const MAX_OPEN_FILES = 16;
function stateFile(location: string): StateFile {
  let file = files.get(location);
  if (file) files.delete(location);
  else file = new StateFile(location);
  files.set(location, file);
  if (files.size > MAX_OPEN_FILES) {
    const oldest = files.keys().next().value as string;
    files.get(oldest)!.close();
    files.delete(oldest);
  }
  return file;
}

export class FileStore implements Store {
  readonly location: string;
  private readonly options: WriteOptions;

  constructor(file: string, options: FileStoreOptions = {}) {
    this.location = path.resolve(file);
    this.options = {
      fsync: options.fsync ?? process.env.IMAGE_SHARE_EMULATOR_FSYNC === "1",
      staleMs: options.staleMs ?? Number(process.env.IMAGE_SHARE_EMULATOR_LOCK_STALE_MS ?? 10_000),
      timeoutMs: options.lockTimeoutMs ?? 60_000,
      compactBytes: options.compactBytes ?? 4 << 20,
    };
  }

  /** Whether the state file exists. */
  exists(): boolean {
    return fs.existsSync(this.location);
  }

  read(): EmulatorState {
    return stateFile(this.location).refresh().draft().state;
  }

  transact<T>(fn: (state: EmulatorState) => T, options: { optimistic?: boolean } = {}): T {
    const file = stateFile(this.location);
    const run = (tables: Tables) => {
      const draft = tables.draft();
      const result = fn(draft.state);
      return { draft, result, changes: draft.changes() };
    };
    if (!options.optimistic) return file.write(run, this.options);
    // Optimistic: run without the lock. A read is done; a write takes the lock and is written as
    // it is if nothing it read has changed meanwhile (another process's write to other records
    // does not count), else it runs again under the lock.
    const first = file.refresh();
    const tried = run(first);
    if (!tried.changes) return tried.result;
    // Encoded before the lock too: the lock is held only to read the last writes, check and append.
    const encoded = encodeTransaction(tried.changes);
    return file.write((tables) => (tables === first && tried.draft.stillValid() ? { ...tried, encoded } : run(tables)), this.options);
  }

  reset(): { kept?: string } {
    return stateFile(this.location).reset(this.options);
  }
}
