/**
 * The state file: a journal of JSON lines, one file.
 *
 *   {"imageShareEmulator":2,"generation":"3f9a…","base":N}     header
 *   {"$":{"version":2,"seq":7,"settings":{…},"faults":{},…}}   the base (N lines): the state's
 *   {"accounts":{"1000…":{"id":"1000…",…}}}                     other fields, then one record
 *   …                                                           a line
 *   {"tx":1764…,"images":{"m-…":{…}},"$":{…}}                   then one line per transaction: the
 *   {"tx":1764…,"jobs":{"job-…":null}}                          records it changed (null: deleted)
 *
 * A transaction appends one line, under the lock, in one write. A reader reads, without the lock,
 * the lines it has not read yet: a transaction is there whole or not at all. A last line without
 * its newline is a write cut short (a killed process, a full disk): readers leave it out, and the
 * next writer cuts it off. Once the transactions outgrow the base (and 1 MiB), the writer rewrites
 * the file as a new base (temporary file, fsync, rename) under a new generation, which readers in
 * other processes notice and read whole. So a call costs what it touches and changes, a process
 * re-reads only what others have written since, and the whole file is read only when opened and
 * after a compaction (amortized: the file at least doubles in between).
 *
 * A file of the previous format (one JSON document) is read as it is, and rewritten in this format
 * by the first write.
 */
import crypto = require("node:crypto");
import fs = require("node:fs");
import path = require("node:path");
import { checkFields, checkState, emptyState, recordProblem, type StateCollection } from "./model";
import { FileLock, pidAlive, type LockOptions } from "./lock";
import { EmulatorStateError, fileSystemError } from "./stateError";
import { isCollection, Tables, type Changes } from "./tables";

export const FILE_FORMAT = 2;

export interface WriteOptions extends LockOptions {
  /** fsync each write (a rewrite of the whole file is fsynced always). */
  fsync: boolean;
  /** Compact once the transactions since the base exceed this many bytes and the base's size. */
  compactBytes: number;
}

interface Identity {
  ino: number;
  size: number;
  mtimeMs: number;
}
const identityOf = (st: fs.Stats): Identity => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
const sameIdentity = (a: Identity, b: Identity) => a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A line that cannot be read: the reason, without the file's name. */
class Damaged extends Error {}

/** One journal line, checked. */
interface Line {
  records: [StateCollection, string, unknown][];
  fields?: string;
}

function decodeLine(text: string, lineNo: number): Line {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Damaged(`line ${lineNo} is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(value)) throw new Damaged(`line ${lineNo} is not a JSON object`);
  const line: Line = { records: [] };
  for (const [key, part] of Object.entries(value)) {
    if (key === "tx") continue;
    if (key === "$") {
      if (!isObject(part)) throw new Damaged(`line ${lineNo}: the state's fields are not an object`);
      try {
        line.fields = JSON.stringify(checkFields(part, `line ${lineNo}`));
      } catch (e) {
        throw new Damaged((e as Error).message);
      }
      continue;
    }
    if (!isCollection(key)) throw new Damaged(`line ${lineNo} has an unknown part "${key}"`);
    if (!isObject(part)) throw new Damaged(`line ${lineNo}: ${key} is not an object of records`);
    for (const [id, record] of Object.entries(part)) {
      const problem = record === null ? undefined : recordProblem(key, record);
      if (problem) throw new Damaged(`line ${lineNo}: ${key}.${id} is not ${problem}`);
      line.records.push([key, id, record]);
    }
  }
  return line;
}

function applyLine(tables: Tables, line: Line): void {
  for (const [collection, id, record] of line.records) {
    if (record === null) tables.remove(collection, id);
    else tables.put(collection, id, record);
  }
  if (line.fields !== undefined) tables.setFields(line.fields);
}

function encode(changes: Changes): string {
  const parts = [`"tx":${Date.now()}`];
  for (const [collection, records] of changes.records) {
    const inner: string[] = [];
    for (const [id, text] of records) inner.push(`${JSON.stringify(id)}:${text ?? "null"}`);
    parts.push(`${JSON.stringify(collection)}:{${inner.join(",")}}`);
  }
  if (changes.fields !== undefined) parts.push(`"$":${changes.fields}`);
  return `{${parts.join(",")}}\n`;
}

function readFully(fd: number, buffer: Buffer, position: number): number {
  let done = 0;
  while (done < buffer.length) {
    const n = fs.readSync(fd, buffer, done, buffer.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

function writeFully(fd: number, buffer: Buffer, position: number): void {
  let done = 0;
  while (done < buffer.length) done += fs.writeSync(fd, buffer, done, buffer.length - done, position + done);
}

const MARK_BYTES = 64;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One state file as this process knows it: its records in memory, and how far it has read the file. */
export class StateFile {
  readonly lock: FileLock;
  private tables: Tables | undefined;
  /** "journal": this format; "document": the previous format's one JSON document; "none": no file. */
  private format: "none" | "document" | "journal" = "none";
  /** The header line (with its newline) of the generation read. */
  private header = "";
  /** The file as last read (stat), to skip reading when nothing changed. */
  private seen: Identity | undefined;
  /** Bytes read: whole lines only. */
  private end = 0;
  /** The last bytes read (up to `end`): a file rewritten in place (a copy over it) no longer has them there. */
  private mark: Buffer = Buffer.alloc(0);
  /** Where the base ends and the transactions begin. */
  private baseEnd = 0;
  /** After a compaction failed (a full disk), none is tried again before the file reaches this size. */
  private compactNotBefore = 0;
  private prepared = false;
  /** Whether this process has removed what killed writers left (once, at its first write). */
  private swept = false;

  constructor(readonly location: string) {
    this.lock = new FileLock(location);
  }

  /** The state as the file holds it now. Takes no lock: the file only grows by whole lines or is replaced whole. */
  refresh(): Tables {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.location);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw fileSystemError(e, "read", this.location);
      if (!this.tables || this.format !== "none") this.load(Tables.fromState(emptyState()), "none", 0);
      return this.tables!;
    }
    if (this.tables && this.seen && sameIdentity(identityOf(st), this.seen)) return this.tables;
    let fd: number;
    try {
      fd = fs.openSync(this.location, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return this.refresh();
      throw fileSystemError(e, "read", this.location);
    }
    try {
      const now = fs.fstatSync(fd);
      const incremental = this.format === "journal" && this.tables !== undefined && this.seen?.ino === now.ino && now.size >= this.end;
      if (!(incremental && this.readNewLines(fd, now))) this.readWhole(fd, now);
      this.seen = identityOf(now);
    } catch (e) {
      this.forget();
      throw e instanceof EmulatorStateError ? e : fileSystemError(e, "read", this.location);
    } finally {
      fs.closeSync(fd);
    }
    return this.tables!;
  }

  /**
   * Under the lock: runs `run` on the current state and writes what it changed (nothing when it
   * changed nothing, or threw).
   */
  write<T>(run: (tables: Tables) => { result: T; changes?: Changes }, options: WriteOptions): T {
    this.prepare();
    const { recovered } = this.lock.acquire(options);
    try {
      // A killed writer may have left a temporary file (a compaction cut short, a lock's draft).
      if (recovered || !this.swept) this.removeTemporaryFiles();
      const tables = this.refresh();
      const { result, changes } = run(tables);
      if (!changes) return result;
      if (!this.lock.holds()) {
        throw new EmulatorStateError("locked", this.lock.path, `the lock ${this.lock.path} was taken from this process while it wrote (is another machine or container using ${this.location}?); nothing was written: retry`);
      }
      if (this.format === "journal") this.append(tables, changes, options);
      else {
        tables.apply(changes);
        this.rewriteOrForget(tables);
      }
      return result;
    } finally {
      this.lock.release();
    }
  }

  /** Replaces the state with an empty one; a file that cannot be read is kept beside it first (its new name returned). */
  reset(options: WriteOptions): { kept?: string } {
    this.prepare();
    this.lock.acquire(options);
    try {
      let kept: string | undefined;
      try {
        this.refresh();
      } catch (e) {
        if (!(e instanceof EmulatorStateError && e.kind === "unreadable")) throw e;
        kept = `${this.location}.broken-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        try {
          fs.renameSync(this.location, kept);
        } catch (err) {
          throw fileSystemError(err, "keep a copy of", this.location, "nothing was changed");
        }
      }
      this.tables = Tables.fromState(emptyState());
      this.rewriteOrForget(this.tables);
      return kept ? { kept } : {};
    } finally {
      this.lock.release();
    }
  }

  /** Forgets what was read: the next refresh reads the file whole. */
  private forget(): void {
    this.tables = undefined;
    this.seen = undefined;
    this.format = "none";
  }

  private load(tables: Tables, format: StateFile["format"], end: number, baseEnd = end, header = "", mark: Uint8Array = new Uint8Array(0)): void {
    this.tables = tables;
    this.format = format;
    this.end = end;
    this.setMark(mark);
    this.baseEnd = baseEnd;
    this.header = header;
    this.seen = undefined;
  }

  private setMark(bytes: Uint8Array): void {
    this.mark = Buffer.from(bytes.subarray(Math.max(0, bytes.length - MARK_BYTES)));
  }

  private prepare(): void {
    if (this.prepared) return;
    try {
      fs.mkdirSync(path.dirname(this.location), { recursive: true });
    } catch (e) {
      throw fileSystemError(e, "create the directory of", this.location, "nothing was changed");
    }
    this.prepared = true;
  }

  /** `sentence` says what is wrong with the file (naming it); the error adds what to do. */
  private unreadable(sentence: string): EmulatorStateError {
    return new EmulatorStateError(
      "unreadable",
      this.location,
      `${sentence}. Run \`image-share emulator reset --db ${this.location}\` to start again with an empty emulator (it keeps this file as ${path.basename(this.location)}.broken-<time>).`,
    );
  }

  /** Reads the lines appended since the last read; false when the file must be read whole (another generation, a damaged line). */
  private readNewLines(fd: number, st: fs.Stats): boolean {
    const head = Buffer.alloc(Buffer.byteLength(this.header));
    if (readFully(fd, head, 0) !== head.length || head.toString("utf8") !== this.header) return false;
    const mark = Buffer.alloc(this.mark.length);
    if (readFully(fd, mark, this.end - mark.length) !== mark.length || !mark.equals(this.mark)) return false;
    if (st.size === this.end) return true;
    const buffer = Buffer.alloc(st.size - this.end);
    const n = readFully(fd, buffer, this.end);
    const last = buffer.lastIndexOf(10, n - 1);
    if (last < 0) return true; // a line still being written (or cut short): not there yet
    const lines: Line[] = [];
    try {
      let pos = 0;
      while (pos <= last) {
        const next = buffer.indexOf(10, pos);
        lines.push(decodeLine(buffer.toString("utf8", pos, next), 0));
        pos = next + 1;
      }
    } catch (e) {
      if (e instanceof Damaged) return false; // read whole: it says where
      throw e;
    }
    for (const line of lines) applyLine(this.tables!, line);
    this.end += last + 1;
    this.setMark(buffer.subarray(0, last + 1));
    return true;
  }

  private readWhole(fd: number, st: fs.Stats): void {
    const buffer = Buffer.alloc(st.size);
    const size = readFully(fd, buffer, 0);
    if (size === 0) throw this.unreadable(`${this.location} is empty (0 bytes), and a state file never is, not even a new one: it was cut short (a copy interrupted, a full disk?)`);
    const newline = buffer.indexOf(10);
    let first: unknown;
    try {
      first = JSON.parse(buffer.toString("utf8", 0, newline < 0 ? size : newline));
    } catch {
      first = undefined;
    }
    if (isObject(first) && "imageShareEmulator" in first) {
      this.readJournal(buffer.subarray(0, size), first, newline);
      return;
    }
    let document: unknown;
    try {
      document = JSON.parse(buffer.toString("utf8", 0, size));
    } catch (e) {
      throw this.unreadable(`${this.location} is not an image-share emulator state: not valid JSON (${(e as Error).message})`);
    }
    let state;
    try {
      state = checkState(document, this.location);
    } catch (e) {
      throw this.unreadable((e as Error).message);
    }
    this.load(Tables.fromState(state), "document", size, size, "", buffer.subarray(0, size));
  }

  private readJournal(buffer: Buffer, header: Record<string, unknown>, newline: number): void {
    const format = header.imageShareEmulator;
    if (typeof format === "number" && format > FILE_FORMAT) {
      throw new EmulatorStateError("unreadable", this.location, `${this.location} was written by a newer image-share (file format ${format}; this one reads ${FILE_FORMAT}): upgrade image-share`);
    }
    const base = header.base;
    if (format !== FILE_FORMAT || typeof header.generation !== "string" || !Number.isInteger(base) || (base as number) < 1 || newline < 0) {
      throw this.unreadable(`${this.location} has a damaged header (line 1)`);
    }
    const tables = new Tables();
    let pos = newline + 1;
    let lineNo = 1;
    let baseEnd = -1;
    while (pos < buffer.length) {
      const next = buffer.indexOf(10, pos);
      lineNo++;
      // A last line without its newline is a transaction cut short, never committed (the base is
      // written whole before it is renamed into place: cut short, it is damaged, reported below).
      if (next < 0) break;
      const text = buffer.toString("utf8", pos, next);
      try {
        applyLine(tables, decodeLine(text, lineNo));
      } catch (e) {
        if (!(e instanceof Damaged)) throw e;
        // NUL bytes past the base: the file was extended by a write that never reached the disk
        // (a machine crash without fsync). What follows was never durable either: the state ends here.
        if (baseEnd >= 0 && text.includes("\0")) break;
        throw this.unreadable(`${this.location} is damaged: ${e.message}`);
      }
      pos = next + 1;
      if (lineNo - 1 === base) baseEnd = pos;
    }
    if (baseEnd < 0) throw this.unreadable(`${this.location} is cut short: it ends inside its snapshot, at line ${lineNo} of ${(base as number) + 1} (a copy interrupted, a full disk?)`);
    this.load(tables, "journal", pos, baseEnd, buffer.toString("utf8", 0, newline + 1), buffer.subarray(0, pos));
  }

  private append(tables: Tables, changes: Changes, options: WriteOptions): void {
    const line = Buffer.from(encode(changes));
    let fd: number;
    try {
      fd = fs.openSync(this.location, "r+");
    } catch (e) {
      this.forget();
      throw fileSystemError(e, "write", this.location, "nothing was changed");
    }
    try {
      const st = fs.fstatSync(fd);
      if (st.ino !== this.seen?.ino) {
        this.forget();
        throw new EmulatorStateError("locked", this.lock.path, `${this.location} was replaced while this process held its lock (by something other than image-share?); nothing was written: retry`);
      }
      if (st.size > this.end) this.cutShortLine(fd, st.size);
      try {
        writeFully(fd, line, this.end);
        if (options.fsync) fs.fdatasyncSync(fd);
      } catch (e) {
        try {
          fs.ftruncateSync(fd, this.end);
        } catch {
          // Left as a line cut short: readers leave it out, the next writer cuts it off.
        }
        this.forget();
        throw fileSystemError(e, "write", this.location, "nothing was changed");
      }
      tables.apply(changes);
      this.end += line.length;
      this.setMark(line.length >= MARK_BYTES ? line : Buffer.concat([this.mark, line] as Uint8Array[]));
      this.seen = identityOf(fs.fstatSync(fd));
    } finally {
      fs.closeSync(fd);
    }
    if (this.end - this.baseEnd > Math.max(options.compactBytes, this.baseEnd) && this.end >= this.compactNotBefore) {
      try {
        this.rewrite(tables);
      } catch {
        // The transaction is written; the compaction waits for room (a full disk says so at the next write).
        this.compactNotBefore = this.end + options.compactBytes;
      }
    }
  }

  /**
   * Cuts off what follows the last line read: a line a killed writer cut short, or what a machine
   * crash left unwritten (NUL bytes). Whole lines there would be another writer's, written without
   * the lock: refused, not cut.
   */
  private cutShortLine(fd: number, size: number): void {
    const tail = Buffer.alloc(size - this.end);
    readFully(fd, tail, this.end);
    if (tail.includes(10) && !tail.includes(0)) {
      this.forget();
      throw new EmulatorStateError("locked", this.lock.path, `${this.location} was written by another process while this one held its lock ${this.lock.path} (is another machine or container using it?); nothing was written: retry`);
    }
    try {
      fs.ftruncateSync(fd, this.end);
    } catch (e) {
      throw fileSystemError(e, "write", this.location, "nothing was changed");
    }
  }

  private rewriteOrForget(tables: Tables): void {
    try {
      this.rewrite(tables);
    } catch (e) {
      this.forget();
      throw e;
    }
  }

  /** Writes the whole state as a new base: temporary file, fsync, rename. */
  private rewrite(tables: Tables): void {
    this.removeTemporaryFiles();
    const lines = [`{"$":${tables.fieldsText}}`];
    for (const [collection, id, text] of tables.records()) lines.push(`{${JSON.stringify(collection)}:{${JSON.stringify(id)}:${text}}}`);
    const header = `${JSON.stringify({ imageShareEmulator: FILE_FORMAT, generation: crypto.randomBytes(8).toString("hex"), base: lines.length })}\n`;
    const data = Buffer.from(`${header}${lines.join("\n")}\n`);
    const tmp = `${this.location}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    try {
      // 0600: the state holds the emulator's access key secrets.
      const fd = fs.openSync(tmp, "wx", 0o600);
      try {
        writeFully(fd, data, 0);
        // Always: a renamed file whose data never reached the disk is the empty file of a crash.
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, this.location);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw fileSystemError(e, "write", this.location, "nothing was changed");
    }
    try {
      const dir = fs.openSync(path.dirname(this.location), "r");
      fs.fsyncSync(dir);
      fs.closeSync(dir);
    } catch {
      // Not every file system syncs directories; the rename is atomic either way.
    }
    this.load(tables, "journal", data.length, data.length, header, data);
    this.seen = identityOf(fs.statSync(this.location));
    this.compactNotBefore = 0;
  }

  /**
   * Removes temporary files killed writers left: a whole state's (under the lock, no live writer
   * has one), and a lock's draft whose process is gone.
   */
  private removeTemporaryFiles(): void {
    const dir = path.dirname(this.location);
    const base = escapeRegExp(path.basename(this.location));
    const state = new RegExp(`^${base}\\.\\d+\\.[0-9a-z]+\\.tmp$`);
    const lockDraft = new RegExp(`^${base}\\.lock(?:\\.break)?\\.(\\d+)\\.tmp$`);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    this.swept = true;
    for (const name of names) {
      const draft = lockDraft.exec(name);
      if (state.test(name) || (draft && !pidAlive(Number(draft[1])))) fs.rmSync(path.join(dir, name), { force: true });
    }
  }
}
