/**
 * The state file: a journal of JSON lines, one file.
 *
 *   {"imageShareEmulator":3,"generation":"3f9a…","base":N}     header
 *   {"$":{"version":2,"seq":7,"settings":{…},"faults":{},…}}   the base (N lines): the state's
 *   {"accounts":{"1000…":{"id":"1000…",…}}}                     other fields, then one record
 *   …                                                           a line
 *   {"images":{"m-…":{…}}}                                      then each transaction: the records
 *   {"jobs":{"job-…":null}}                                     it changed (null: deleted), one a
 *   {"$":{…}}                                                   line, the other fields if they
 *   {"tx":1764…,"lines":3}                                      changed, and its commit line
 *
 * A transaction appends its lines, under the lock, in one write. A reader reads, without the lock,
 * the lines it has not read yet, and applies a transaction once its commit line is there: whole or
 * not at all. Lines after the last commit line are a write cut short (a killed process, a full
 * disk): readers leave them out, and the next writer cuts them off. A reader catching up with
 * other processes' writes keeps their records as the bytes read, decoded and parsed only if a call
 * of its own touches them. Once the transactions outgrow the base (and 4 MiB), the writer rewrites
 * the file as a new base (temporary file, fsync, rename) under a new generation; its header then
 * also names the generation and the end it compacts and the base's size
 * (`"follows":{"generation":"…","end":N},"baseBytes":N`). A reader in another process that has
 * read that generation to that end (it finishes it through the file it keeps open) holds that
 * base already and reads only what follows it; any other reads the new file whole. So a call
 * costs what it touches and changes, a process re-reads only what others have written since, and
 * the whole file is read only when opened (and by a process that missed a compaction).
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

export const FILE_FORMAT = 3;

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

/**
 * One journal line: a record (its parsed value, or its JSON text as bytes of the file; null:
 * deleted), the state's other fields (JSON text), or the commit line of the `lines` lines before it.
 */
type Line =
  | { kind: "record"; collection: StateCollection; id: string; value: unknown; bytes?: undefined }
  | { kind: "record"; collection: StateCollection; id: string; bytes: Buffer | null; value?: undefined }
  | { kind: "fields"; text: string }
  | { kind: "commit"; lines: number };

const isCommit = (v: Record<string, unknown>) => typeof v.tx === "number" && Number.isInteger(v.lines) && (v.lines as number) >= 0 && Object.keys(v).length === 2;

/** A line read whole and checked (a file read whole: every record's shape is checked). */
function decodeLine(text: string, lineNo: number): Line {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Damaged(`line ${lineNo} is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(value)) throw new Damaged(`line ${lineNo} is not a JSON object`);
  if ("tx" in value) {
    if (!isCommit(value)) throw new Damaged(`line ${lineNo} is not a commit line {"tx": time, "lines": count}`);
    return { kind: "commit", lines: value.lines as number };
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new Damaged(`line ${lineNo} holds ${keys.length} parts, not one`);
  const [key] = keys;
  const part = value[key];
  if (key === "$") {
    if (!isObject(part)) throw new Damaged(`line ${lineNo}: the state's fields are not an object`);
    try {
      return { kind: "fields", text: JSON.stringify(checkFields(part, `line ${lineNo}`)) };
    } catch (e) {
      throw new Damaged((e as Error).message);
    }
  }
  if (!isCollection(key)) throw new Damaged(`line ${lineNo} has an unknown part "${key}"`);
  const records = isObject(part) ? Object.entries(part) : [];
  if (records.length !== 1) throw new Damaged(`line ${lineNo}: ${key} is not one record`);
  const [[id, record]] = records;
  const problem = record === null ? undefined : recordProblem(key, record);
  if (problem) throw new Damaged(`line ${lineNo}: ${key}.${id} is not ${problem}`);
  return { kind: "record", collection: key, id, value: record };
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const BRACE_CLOSE = 125;
const PREFIX_COMMIT = Buffer.from('{"tx":');
const COMMIT_LINE = /^\{"tx":\d{1,16},"lines":(\d{1,9})\}$/;
const PREFIX_FIELDS = Buffer.from('{"$":{');
const COLLECTION_END = Buffer.from('":{"');
const NULL = Buffer.from("null");
const startsWith = (buffer: Buffer, start: number, end: number, prefix: Buffer) => end - start >= prefix.length && buffer.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0;

/**
 * The line `buffer[start, end)` of another process's write, split without decoding its record
 * (kept as bytes: most are never read here); undefined for a line not of the shapes writers make
 * (the file is then read whole, and checked).
 */
function splitLine(buffer: Buffer, start: number, end: number): Line | undefined {
  if (startsWith(buffer, start, end, PREFIX_COMMIT)) {
    // Most lines of a catch-up are commit lines as writers make them: matched, not parsed.
    const written = COMMIT_LINE.exec(buffer.toString("latin1", start, end));
    if (written) return { kind: "commit", lines: Number(written[1]) };
    try {
      const value = JSON.parse(buffer.toString("utf8", start, end)) as unknown;
      return isObject(value) && isCommit(value) ? { kind: "commit", lines: value.lines as number } : undefined;
    } catch {
      return undefined;
    }
  }
  if (end - start < 2 || buffer[end - 1] !== BRACE_CLOSE) return undefined;
  if (startsWith(buffer, start, end, PREFIX_FIELDS)) return { kind: "fields", text: buffer.toString("utf8", start + 5, end - 1) };
  // {"<collection>":{"<id>":<record>}}: collection names need no escapes; the id may have some
  // (UTF-8 puts no quote or backslash byte inside a character).
  if (buffer[start] !== 123 || buffer[start + 1] !== QUOTE) return undefined;
  const quote = buffer.indexOf(QUOTE, start + 2);
  if (quote < 0 || quote >= end) return undefined;
  const collection = buffer.toString("latin1", start + 2, quote);
  if (!isCollection(collection) || !startsWith(buffer, quote, end, COLLECTION_END) || buffer[end - 2] !== BRACE_CLOSE) return undefined;
  let i = quote + 4;
  while (i < end && buffer[i] !== QUOTE) i += buffer[i] === BACKSLASH ? 2 : 1;
  if (i + 1 >= end || buffer[i + 1] !== COLON) return undefined;
  let id: unknown;
  try {
    id = JSON.parse(buffer.toString("utf8", quote + 3, i + 1));
  } catch {
    return undefined;
  }
  const record = buffer.subarray(i + 2, end - 2);
  return { kind: "record", collection, id: id as string, bytes: record.equals(NULL) ? null : record };
}

function applyLine(tables: Tables, line: Line): void {
  if (line.kind === "fields") tables.setFields(line.text);
  else if (line.kind === "record") {
    if (line.value === null || line.bytes === null) tables.remove(line.collection, line.id);
    else if (line.bytes !== undefined) tables.putBytes(line.collection, line.id, line.bytes);
    else tables.put(line.collection, line.id, line.value);
  }
}

/** A transaction's lines: one per record changed, the other fields if they changed, the commit line. */
export function encodeTransaction(changes: Changes): Buffer {
  const lines: string[] = [];
  for (const [collection, records] of changes.records) {
    for (const [id, text] of records) lines.push(`{${JSON.stringify(collection)}:{${JSON.stringify(id)}:${text ?? "null"}}}`);
  }
  if (changes.fields !== undefined) lines.push(`{"$":${changes.fields}}`);
  lines.push(`{"tx":${Date.now()},"lines":${lines.length}}`);
  return Buffer.from(`${lines.join("\n")}\n`);
}

/** What a transaction run under the lock gives back: its result, what it changed, and (made before the lock) those changes encoded. */
export interface Ran<T> {
  result: T;
  changes?: Changes;
  encoded?: Buffer;
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
  /** The generation read (its header's). */
  private generation: string | undefined;
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
  /** Whether a read of the whole file has checked every record (the first one in this process does). */
  private checked = false;
  /** The file open for writing, and its inode. */
  private fd: { fd: number; ino: number } | undefined;
  /** The file open for reading, and its inode (kept while its generation lasts: a catch-up is a stat and a pread). */
  private reader: { fd: number; ino: number } | undefined;
  /** Whether this process has removed what killed writers left (once, at its first write). */
  private swept = false;

  constructor(readonly location: string) {
    this.lock = new FileLock(location);
  }

  /** The state as the file holds it now. Takes no lock: the file only grows by whole lines or is replaced whole. */
  refresh(): Tables {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(this.location, { throwIfNoEntry: false });
    } catch (e) {
      throw fileSystemError(e, "read", this.location);
    }
    if (st === undefined) {
      if (!this.tables || this.format !== "none") this.load(Tables.fromState(emptyState()), "none", 0);
      return this.tables!;
    }
    if (this.tables && this.seen && sameIdentity(identityOf(st), this.seen)) return this.tables;
    try {
      // Another generation: first the end of the one read, through the file still open.
      if (this.reader !== undefined && this.reader.ino !== st.ino) this.finishGeneration(this.reader.fd);
      const open = this.readable(st);
      if (open === undefined) return this.refresh();
      const { fd, now } = open;
      const incremental = this.format === "journal" && this.tables !== undefined && this.seen?.ino === now.ino && now.size >= this.end;
      if (!(incremental && this.readNewLines(fd, now)) && !this.follow(fd, now)) this.readWhole(fd, now);
      this.seen = identityOf(now);
    } catch (e) {
      this.forget();
      throw e instanceof EmulatorStateError ? e : fileSystemError(e, "read", this.location);
    }
    return this.tables!;
  }

  /**
   * The file open for reading and its stat: the one kept if it is still the file `st` found there,
   * else opened (and stated: perhaps not the file `st` found, replaced in between); undefined:
   * gone meanwhile.
   */
  private readable(st: fs.Stats): { fd: number; now: fs.Stats } | undefined {
    if (this.reader?.ino === st.ino) return { fd: this.reader.fd, now: st };
    this.closeReader();
    let fd: number;
    try {
      fd = fs.openSync(this.location, "r");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    let now: fs.Stats;
    try {
      now = fs.fstatSync(fd);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    this.reader = { fd, ino: now.ino };
    return { fd, now };
  }

  /**
   * Under the lock: runs `run` on the current state and writes what it changed (nothing when it
   * changed nothing, or threw).
   */
  write<T>(run: (tables: Tables) => Ran<T>, options: WriteOptions): T {
    this.prepare();
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.refresh();
      // While it waits, it reads what each holder wrote: under the lock it has only the last one's to read.
      const { recovered } = this.lock.acquire(options, () => this.refresh());
      try {
        // A killed writer may have left a temporary file (a compaction cut short, a lock's draft).
        if (recovered || !this.swept) this.removeTemporaryFiles();
        // Another process rewrote the file meanwhile: read it (whole) without holding the lock.
        if (attempt < 3 && this.rewrittenSinceRead()) continue;
        return this.commit(run, options);
      } finally {
        this.lock.release();
      }
    }
  }

  /** Whether the file is another generation than the one read (one stat). */
  private rewrittenSinceRead(): boolean {
    try {
      return this.format === "journal" && fs.statSync(this.location).ino !== this.seen?.ino;
    } catch {
      return false;
    }
  }

  /** Under the lock: runs `run` on the file's state and writes what it changed. */
  private commit<T>(run: (tables: Tables) => Ran<T>, options: WriteOptions): T {
    const tables = this.refresh();
    const { result, changes, encoded } = run(tables);
    if (!changes) return result;
    if (!this.lock.holds()) {
      throw new EmulatorStateError("locked", this.lock.path, `the lock ${this.lock.path} was taken from this process while it wrote (is another machine or container using ${this.location}?); nothing was written: retry`);
    }
    if (this.format === "journal") this.append(tables, changes, encoded ?? encodeTransaction(changes), options);
    else {
      tables.apply(changes);
      this.rewriteOrForget(tables);
    }
    return result;
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
    this.close();
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
    this.generation = header ? (JSON.parse(header) as { generation?: string }).generation : undefined;
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
    // One read: the mark (the last bytes read before), then what follows it. The mark, not the
    // header, tells a file rewritten in place (copied over: the same inode) from the one read.
    const from = this.end - this.mark.length;
    // Not zeroed: only the `n` bytes read are looked at.
    const buffer = Buffer.allocUnsafeSlow(st.size - from);
    const n = readFully(fd, buffer, from);
    if (n < this.mark.length || buffer.compare(this.mark, 0, this.mark.length, 0, this.mark.length) !== 0) return false;
    // Transactions whose commit line is there; what follows is still being written (or cut short).
    const committed: Line[] = [];
    let pending: Line[] = [];
    let read = this.mark.length;
    for (let pos = read; ; ) {
      const next = buffer.indexOf(10, pos);
      if (next < 0 || next >= n) break;
      const line = splitLine(buffer, pos, next);
      if (!line) return false; // read whole: it says what is wrong
      pos = next + 1;
      if (line.kind !== "commit") pending.push(line);
      else {
        if (line.lines !== pending.length) return false;
        committed.push(...pending);
        pending = [];
        read = pos;
      }
    }
    for (const line of committed) applyLine(this.tables!, line);
    this.end = from + read;
    this.setMark(buffer.subarray(0, read));
    return true;
  }

  /** Reads what was appended to the generation read (`fd`, replaced since: nothing is appended to it any more). */
  private finishGeneration(fd: number): void {
    if (this.format !== "journal" || this.tables === undefined) return;
    const old = fs.fstatSync(fd);
    if (old.ino === this.seen?.ino && old.size > this.end) this.readNewLines(fd, old);
  }

  /**
   * Follows a compaction of the generation read, to where this process has read it: the new base
   * is the state this process holds already (a writer compacts under the lock, right after its
   * append), so only the transactions after it are read. False when it is not that (read it whole).
   */
  private follow(fd: number, st: fs.Stats): boolean {
    if (this.format !== "journal" || this.tables === undefined || this.generation === undefined) return false;
    const head = Buffer.alloc(Math.min(st.size, 1024));
    const n = readFully(fd, head, 0);
    const newline = head.indexOf(10);
    if (newline < 0 || newline >= n) return false;
    let header: unknown;
    try {
      header = JSON.parse(head.toString("utf8", 0, newline));
    } catch {
      return false;
    }
    if (!isObject(header) || header.imageShareEmulator !== FILE_FORMAT || typeof header.generation !== "string" || !isObject(header.follows)) return false;
    const { follows, baseBytes } = header;
    const baseEnd = newline + 1 + (baseBytes as number);
    if (follows.generation !== this.generation || follows.end !== this.end || !Number.isInteger(baseBytes) || (baseBytes as number) < 1 || baseEnd > st.size) return false;
    const mark = Buffer.alloc(Math.min(MARK_BYTES, baseBytes as number));
    if (readFully(fd, mark, baseEnd - mark.length) !== mark.length || mark[mark.length - 1] !== 10) return false;
    this.generation = header.generation;
    this.end = this.baseEnd = baseEnd;
    this.mark = mark;
    this.seen = undefined;
    return this.readNewLines(fd, st);
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
      // The first read in this process checks every record; a later generation (another
      // process's compaction) is split without parsing its records, unless a line looks wrong.
      if (this.checked && this.readJournal(buffer.subarray(0, size), first, newline, false)) return;
      this.readJournal(buffer.subarray(0, size), first, newline, true);
      this.checked = true;
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

  /** Reads a file of this format; unchecked, returns false for a line not of the shapes writers make (read it again, checked). */
  private readJournal(buffer: Buffer, header: Record<string, unknown>, newline: number, checked: boolean): boolean {
    const format = header.imageShareEmulator;
    if (typeof format === "number" && format > FILE_FORMAT) {
      throw new EmulatorStateError("unreadable", this.location, `${this.location} was written by a newer image-share (file format ${format}; this one reads ${FILE_FORMAT}): upgrade image-share`);
    }
    const base = header.base;
    if (format === 2) throw this.unreadable(`${this.location} is in the format of a development version of image-share (2)`);
    if (format !== FILE_FORMAT || typeof header.generation !== "string" || !Number.isInteger(base) || (base as number) < 1 || newline < 0) {
      throw this.unreadable(`${this.location} has a damaged header (line 1)`);
    }
    const tables = new Tables();
    let pos = newline + 1;
    let lineNo = 1;
    let baseEnd = -1;
    /** Lines of a transaction whose commit line has not come yet, and where the last one committed ends. */
    let pending: Line[] = [];
    let end = -1;
    while (pos < buffer.length) {
      const next = buffer.indexOf(10, pos);
      lineNo++;
      // A last line without its newline is a write cut short (the base is written whole before it
      // is renamed into place: cut short, it is damaged, reported below).
      if (next < 0) break;
      let line: Line;
      try {
        const split = checked ? decodeLine(buffer.toString("utf8", pos, next), lineNo) : splitLine(buffer, pos, next);
        if (!split) return false;
        line = split;
        if (baseEnd >= 0 && line.kind === "commit" && line.lines !== pending.length) throw new Damaged(`line ${lineNo} commits ${line.lines} lines, not the ${pending.length} before it`);
        if (baseEnd < 0 && line.kind === "commit") throw new Damaged(`line ${lineNo} is a commit line inside the snapshot`);
      } catch (e) {
        if (!(e instanceof Damaged)) throw e;
        // NUL bytes past the base: the file was extended by a write that never reached the disk
        // (a machine crash without fsync). What follows was never durable either: the state ends here.
        if (baseEnd >= 0 && buffer.subarray(pos, next).includes(0)) break;
        throw this.unreadable(`${this.location} is damaged: ${e.message}`);
      }
      pos = next + 1;
      if (baseEnd < 0) {
        applyLine(tables, line);
        if (lineNo - 1 === base) baseEnd = end = pos;
      } else if (line.kind !== "commit") pending.push(line);
      else {
        for (const l of pending) applyLine(tables, l);
        pending = [];
        end = pos;
      }
    }
    if (baseEnd < 0) throw this.unreadable(`${this.location} is cut short: it ends inside its snapshot, at line ${lineNo} of ${(base as number) + 1} (a copy interrupted, a full disk?)`);
    // Lines after the last commit line: a write cut short, never committed.
    this.load(tables, "journal", end, baseEnd, buffer.toString("utf8", 0, newline + 1), buffer.subarray(0, end));
    return true;
  }

  /** The file open for writing (kept open while its generation lasts: a write is one pwrite). */
  private writable(): number {
    if (this.fd !== undefined && this.fd.ino === this.seen?.ino) return this.fd.fd;
    this.closeWriter();
    let fd: number;
    try {
      fd = fs.openSync(this.location, "r+");
    } catch (e) {
      this.forget();
      throw fileSystemError(e, "write", this.location, "nothing was changed");
    }
    const { ino } = fs.fstatSync(fd);
    this.fd = { fd, ino };
    if (ino !== this.seen?.ino) {
      this.forget();
      throw new EmulatorStateError("locked", this.lock.path, `${this.location} was replaced while this process held its lock (by something other than image-share?); nothing was written: retry`);
    }
    return fd;
  }

  /** Closes the file kept open (for writing and for reading). */
  close(): void {
    this.closeWriter();
    this.closeReader();
  }

  private closeWriter(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd.fd);
    this.fd = undefined;
  }

  private closeReader(): void {
    if (this.reader !== undefined) fs.closeSync(this.reader.fd);
    this.reader = undefined;
  }

  private append(tables: Tables, changes: Changes, line: Buffer, options: WriteOptions): void {
    const fd = this.writable();
    // As the refresh under the lock found it: more than was read is a write cut short.
    if (this.seen!.size > this.end) this.cutShort(fd, this.seen!.size);
    try {
      writeFully(fd, line, this.end);
      if (options.fsync) fs.fdatasyncSync(fd);
    } catch (e) {
      try {
        fs.ftruncateSync(fd, this.end);
      } catch {
        // Left as a write cut short: readers leave it out, the next writer cuts it off.
      }
      this.forget();
      throw fileSystemError(e, "write", this.location, "nothing was changed");
    }
    tables.apply(changes);
    this.end += line.length;
    this.setMark(line.length >= MARK_BYTES ? line : Buffer.concat([this.mark, line] as Uint8Array[]));
    this.seen = identityOf(fs.fstatSync(fd));
    if (this.end - this.baseEnd > Math.max(options.compactBytes, this.baseEnd) && this.end >= this.compactNotBefore) {
      try {
        this.rewrite(tables, { generation: this.generation, end: this.end });
      } catch {
        // The transaction is written; the compaction waits for room (a full disk says so at the next write).
        this.compactNotBefore = this.end + options.compactBytes;
      }
    }
  }

  /**
   * Cuts off what follows the last transaction read: a write a killed writer cut short, or what a
   * machine crash left unwritten (NUL bytes). A commit line there would be another writer's,
   * written without the lock: refused, not cut.
   */
  private cutShort(fd: number, size: number): void {
    const tail = Buffer.alloc(size - this.end);
    readFully(fd, tail, this.end);
    const lines = tail.toString("utf8").split("\n").slice(0, -1);
    if (!tail.includes(0) && lines.some((l) => l.startsWith('{"tx":'))) {
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

  /**
   * Writes the whole state as a new base: temporary file, fsync, rename. `follows`: the generation
   * and end it compacts (the header says so, with the base's size: a process that has read that
   * generation to there reads only what follows the base).
   */
  private rewrite(tables: Tables, follows?: { generation: string | undefined; end: number }): void {
    this.removeTemporaryFiles();
    const lines = [`{"$":${tables.fieldsText}}`];
    for (const [collection, id, text] of tables.records()) lines.push(`{${JSON.stringify(collection)}:{${JSON.stringify(id)}:${text}}}`);
    const base = Buffer.from(`${lines.join("\n")}\n`);
    const header = `${JSON.stringify({
      imageShareEmulator: FILE_FORMAT,
      generation: crypto.randomBytes(8).toString("hex"),
      base: lines.length,
      ...(follows?.generation !== undefined ? { follows: { generation: follows.generation, end: follows.end }, baseBytes: base.length } : {}),
    })}\n`;
    const data = Buffer.concat([Buffer.from(header), base] as Uint8Array[]);
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
