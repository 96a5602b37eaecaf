/**
 * The emulator's state held record by record, and the drafts transactions work on.
 *
 * The model (model.ts) is written as functions that mutate a plain `EmulatorState`. A draft hands
 * them an object that looks exactly like one, but reads a record (an image, an account, a job)
 * only when a function touches it, as a fresh copy, and at the end reports which records changed
 * and to what (`Draft.changes`). So a call costs what it touches: an image and a few accounts,
 * never the whole state; a refused call (it throws) leaves nothing behind; and the store writes
 * only the records that changed. A scan (`Object.values(state.accounts)`) still works, reading
 * every record: the model keeps indexes (projectAccounts, runningJobs) so that the calls an apply
 * makes never scan.
 */
import { STATE_COLLECTIONS, type EmulatorState, type StateCollection } from "./model";

const COLLECTIONS: ReadonlySet<string> = new Set(STATE_COLLECTIONS);

export const isCollection = (key: string): key is StateCollection => COLLECTIONS.has(key);

/**
 * A record as stored: its JSON text, or (just read from a file) its parsed value or its bytes in
 * the file (another process's write: most are never touched here), turned into text when first
 * needed.
 */
interface Entry {
  text?: string;
  value?: unknown;
  bytes?: Buffer;
  /** The tables' revision that wrote it. */
  revision: number;
}

/** What a transaction changed: per collection, each record's new JSON text (null: deleted); the other fields' new JSON text. */
export interface Changes {
  records: Map<StateCollection, Map<string, string | null>>;
  fields?: string;
}

export class Tables {
  /** The fields that are not collections (version, seq, settings, faults, ...), as JSON text. */
  private fields = "{}";
  private readonly collections = new Map<StateCollection, Map<string, Entry>>(STATE_COLLECTIONS.map((c) => [c, new Map()]));
  /** Counts changes: a draft started at revision r is still valid if nothing it read changed after r. */
  revision = 0;
  private fieldsRevision = 0;
  /** Per collection, the revision of the last record added or removed (what a scan depends on). */
  private readonly idsRevision = new Map<StateCollection, number>();

  /** Takes a whole state (checked, owned: its records are kept, not copied). */
  static fromState(state: EmulatorState): Tables {
    const tables = new Tables();
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(state)) {
      if (!isCollection(key)) fields[key] = value;
      else for (const [id, record] of Object.entries(value as Record<string, unknown>)) tables.put(key, id, record);
    }
    tables.setFields(JSON.stringify(fields));
    return tables;
  }

  get fieldsText(): string {
    return this.fields;
  }

  setFields(text: string): void {
    this.fields = text;
    this.fieldsRevision = ++this.revision;
  }

  /** Stores a parsed record (a file being read). */
  put(collection: StateCollection, id: string, value: unknown): void {
    this.set(collection, id, { value, revision: ++this.revision });
  }

  /** Stores a record's JSON text as UTF-8 bytes (another process's write, decoded and parsed only if touched; not copied: never change them). */
  putBytes(collection: StateCollection, id: string, bytes: Buffer): void {
    this.set(collection, id, { bytes, revision: ++this.revision });
  }

  remove(collection: StateCollection, id: string): void {
    const revision = ++this.revision;
    if (this.collections.get(collection)!.delete(id)) this.idsRevision.set(collection, revision);
  }

  private set(collection: StateCollection, id: string, entry: Entry): void {
    const rows = this.collections.get(collection)!;
    if (!rows.has(id)) this.idsRevision.set(collection, entry.revision);
    rows.set(id, entry);
  }

  text(collection: StateCollection, id: string): string | undefined {
    const entry = this.collections.get(collection)!.get(id);
    if (!entry) return undefined;
    if (entry.text === undefined) {
      entry.text = entry.bytes !== undefined ? entry.bytes.toString("utf8") : JSON.stringify(entry.value);
      entry.value = undefined;
      entry.bytes = undefined;
    }
    return entry.text;
  }

  ids(collection: StateCollection): IterableIterator<string> {
    return this.collections.get(collection)!.keys();
  }

  apply(changes: Changes): void {
    const revision = ++this.revision;
    for (const [collection, records] of changes.records) {
      for (const [id, text] of records) {
        if (text !== null) this.set(collection, id, { text, revision });
        else if (this.collections.get(collection)!.delete(id)) this.idsRevision.set(collection, revision);
      }
    }
    if (changes.fields !== undefined) {
      this.fields = changes.fields;
      this.fieldsRevision = revision;
    }
  }

  /** Whether nothing that `reads` saw has changed since `revision` (a draft made then can still be written). */
  unchangedSince(revision: number, reads: Reads): boolean {
    if (this.revision === revision) return true;
    if (reads.fields && this.fieldsRevision > revision) return false;
    for (const collection of reads.scanned) if ((this.idsRevision.get(collection) ?? 0) > revision) return false;
    for (const [collection, ids] of reads.records) {
      const rows = this.collections.get(collection)!;
      for (const [id, existed] of ids) {
        const entry = rows.get(id);
        if ((entry !== undefined) !== existed || (entry !== undefined && entry.revision > revision)) return false;
      }
    }
    return true;
  }

  /** Every record as [collection, id, JSON text], for writing the whole state. */
  *records(): Generator<[StateCollection, string, string]> {
    for (const collection of STATE_COLLECTIONS) for (const id of this.ids(collection)) yield [collection, id, this.text(collection, id)!];
  }

  draft(): Draft {
    return new Draft(this);
  }
}

/** What a draft read: records (and whether each existed), collections scanned whole, the other fields. */
export interface Reads {
  records: Map<StateCollection, Map<string, boolean>>;
  scanned: Set<StateCollection>;
  fields: boolean;
}

const GONE = Symbol("deleted");
const descriptor = (value: unknown): PropertyDescriptor => ({ value, writable: true, enumerable: true, configurable: true });

/** A transaction's view of the state: records copied in on first touch, changes collected. */
export class Draft {
  readonly state: EmulatorState;
  private readonly fields: Record<string, unknown>;
  /** Records touched (read, written or deleted), by collection, with their current value. */
  private readonly touched = new Map<StateCollection, Map<string, unknown>>();
  /** Collections replaced as a whole (`state.images = {}`): their stored records are gone. */
  private readonly replaced = new Set<StateCollection>();
  private readonly views = new Map<StateCollection, Record<string, unknown>>();
  private readonly reads: Reads = { records: new Map(), scanned: new Set(), fields: false };
  /** The tables' revision this draft started from. */
  private readonly revision: number;

  constructor(private readonly tables: Tables) {
    this.revision = tables.revision;
    this.fields = JSON.parse(tables.fieldsText) as Record<string, unknown>;
    const draft = this;
    const field = (key: string) => {
      draft.reads.fields = true;
      return draft.fields[key];
    };
    this.state = new Proxy({} as EmulatorState, {
      get: (_, key) => (typeof key !== "string" ? undefined : isCollection(key) ? draft.view(key) : field(key)),
      // The other fields are written whole: writing one depends on them all.
      set(_, key, value) {
        if (typeof key !== "string") return false;
        if (isCollection(key)) draft.replace(key, value);
        else {
          draft.reads.fields = true;
          draft.fields[key] = value;
        }
        return true;
      },
      deleteProperty(_, key) {
        if (typeof key !== "string") return false;
        if (isCollection(key)) draft.replace(key, {});
        else {
          draft.reads.fields = true;
          delete draft.fields[key];
        }
        return true;
      },
      has: (_, key) => typeof key === "string" && (isCollection(key) || (field(key), Object.hasOwn(draft.fields, key))),
      ownKeys: () => {
        draft.reads.fields = true;
        return [...STATE_COLLECTIONS, ...Object.keys(draft.fields)];
      },
      getOwnPropertyDescriptor(_, key) {
        if (typeof key !== "string") return undefined;
        if (isCollection(key)) return descriptor(draft.view(key));
        return Object.hasOwn(draft.fields, key) ? descriptor(field(key)) : undefined;
      },
    });
  }

  /** Whether the tables have changed nothing this draft read since it started (its changes can still be written as they are). */
  stillValid(): boolean {
    return this.tables.unchangedSince(this.revision, this.reads);
  }

  /** What changed against the stored state, or undefined for nothing. */
  changes(): Changes | undefined {
    const records = new Map<StateCollection, Map<string, string | null>>();
    for (const [collection, touched] of this.touched) {
      const out = new Map<string, string | null>();
      for (const [id, value] of touched) {
        const next = value === GONE ? null : JSON.stringify(value);
        if (next !== (this.tables.text(collection, id) ?? null)) out.set(id, next);
      }
      if (this.replaced.has(collection)) for (const id of this.tables.ids(collection)) if (!touched.has(id)) out.set(id, null);
      if (out.size > 0) records.set(collection, out);
    }
    const fields = JSON.stringify(this.fields);
    const changed = fields !== this.tables.fieldsText;
    return records.size > 0 || changed ? { records, ...(changed ? { fields } : {}) } : undefined;
  }

  private touch(collection: StateCollection): Map<string, unknown> {
    let touched = this.touched.get(collection);
    if (!touched) this.touched.set(collection, (touched = new Map()));
    return touched;
  }

  private record(collection: StateCollection, id: string): unknown {
    const touched = this.touched.get(collection);
    if (touched?.has(id)) {
      const value = touched.get(id);
      return value === GONE ? undefined : value;
    }
    if (this.replaced.has(collection)) return undefined;
    const text = this.tables.text(collection, id);
    let read = this.reads.records.get(collection);
    if (!read) this.reads.records.set(collection, (read = new Map()));
    read.set(id, text !== undefined);
    if (text === undefined) return undefined;
    const value: unknown = JSON.parse(text);
    this.touch(collection).set(id, value);
    return value;
  }

  private ids(collection: StateCollection): string[] {
    this.reads.scanned.add(collection);
    const ids = new Set<string>(this.replaced.has(collection) ? [] : this.tables.ids(collection));
    for (const [id, value] of this.touched.get(collection) ?? []) {
      if (value === GONE) ids.delete(id);
      else ids.add(id);
    }
    return [...ids];
  }

  private replace(collection: StateCollection, value: unknown): void {
    if (typeof value !== "object" || value === null) throw new TypeError(`state.${collection} must be an object of records`);
    this.reads.scanned.add(collection);
    this.replaced.add(collection);
    this.touched.set(collection, new Map(Object.entries(value)));
  }

  /** The collection as an object of records by id. */
  private view(collection: StateCollection): Record<string, unknown> {
    let view = this.views.get(collection);
    if (view) return view;
    const draft = this;
    view = new Proxy({} as Record<string, unknown>, {
      get: (_, id) => (typeof id === "string" ? draft.record(collection, id) : undefined),
      set(_, id, value) {
        if (typeof id !== "string") return false;
        draft.touch(collection).set(id, value === undefined ? GONE : value);
        return true;
      },
      deleteProperty(_, id) {
        if (typeof id !== "string") return false;
        draft.touch(collection).set(id, GONE);
        return true;
      },
      has: (_, id) => typeof id === "string" && draft.record(collection, id) !== undefined,
      ownKeys: () => draft.ids(collection),
      getOwnPropertyDescriptor(_, id) {
        const value = typeof id === "string" ? draft.record(collection, id) : undefined;
        return value === undefined ? undefined : descriptor(value);
      },
    });
    this.views.set(collection, view);
    return view;
  }
}
