/**
 * The recorded cases the other way round: the emulator's dialect plays the cloud. Each case's
 * world (`emulator` in the fixture: accounts, the caller's key, images and members, limits,
 * faults by request) is seeded, the case's backend runs its operation against the served
 * dialect, and the conversation is compared with the documented one, exchange by exchange:
 * every documented request took place in order (so the emulator's answers led the backend along
 * the documented path), each answer has the documented status and error code and carries every
 * documented body field with the documented JSON type and, for the fields that name a state
 * (status, ImageState, member_type, ...), the documented value; and the outcome is the case's.
 *
 * Ids the emulator makes itself (job ids, the ids of copies) differ from the page's: each is
 * learnt from the answer that first names it and put in place of the page's in later requests
 * and in the expected result.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { memoryEmulator, type Emulator } from "../../../provider/backends/emulator";
import type { WireFault } from "../../../provider/backends/emulator/http/base";
import type { Dialect } from "../../../provider/backends/emulator/http/dialect";
import type { ImageKind, MemberStatus, ProfileId } from "../../../provider/rules/model";
import type { ImageStatus } from "../../../provider/backends/types";
import type { RecordedCase } from "./cases";
import { differences, recordRequest, type Exchange, type ExpectedRequest, type RecordedRequest } from "./replay";

export interface EmulatedWorld {
  $comment?: string;
  /** Why the emulator cannot play this case; the case is then listed as pending with the reason. */
  skip?: string;
  /** Accounts (huaweicloud: with their projects). */
  accounts?: { id: string; projects?: { id: string; region: string }[] }[];
  /** The account (and project) the case's access key acts as. */
  caller?: { account: string; project?: string };
  /** The emulator holds another secret for the key than the backend signs with: a signature failure. */
  wrongSecret?: boolean;
  images?: {
    id: string;
    region: string;
    owner: string;
    ownerProject?: string;
    kind: ImageKind;
    name: string;
    status?: ImageStatus;
    sourceImageId?: string;
    backupId?: string;
    members?: { type: "account" | "project"; id: string; status?: MemberStatus }[];
  }[];
  /** The member limit of every image kind (a raised, or here a lowered, quota). */
  memberLimit?: number;
  /** Huawei: reads a member job answers RUNNING before it ends. */
  memberJobPolls?: number;
  /** Huawei: how the dialect reports a refused member change (its option asyncRefusals). */
  asyncRefusals?: boolean | "per-member";
  /** A fault for the Nth request (1-based) the dialect serves. */
  faults?: Record<string, WireFault>;
  /** Documented exchanges (0-based) the emulator does not play, each with why. */
  absent?: { exchange: number; why: string }[];
  /** The outcome the emulator's conversation ends in where it differs from the page's, and why. */
  outcome?: { expect: RecordedCase["expect"]; why: string };
}

/** The case's world: the file's defaults, then the case's own (images and accounts by id). */
export function worldOf(defaults: EmulatedWorld | undefined, own: EmulatedWorld | undefined): EmulatedWorld {
  const byId = <T extends { id: string }>(a: T[] = [], b: T[] = []) => [...a.filter((x) => !b.some((y) => y.id === x.id)), ...b];
  return { ...defaults, ...own, accounts: byId(defaults?.accounts, own?.accounts), images: byId(defaults?.images, own?.images) };
}

/** Seeds a fresh in-memory emulator with the world; the case's key is `accessKeyId` / `secret`. */
export function seed(profile: ProfileId, world: EmulatedWorld, key: { accessKeyId: string; secret: string }): Emulator {
  const emulator = memoryEmulator();
  emulator.configure({ copyDurationMs: 60_000, ...(world.memberLimit !== undefined ? { memberLimits: { [profile]: { member: world.memberLimit, fullMember: world.memberLimit } } } : {}) });
  emulator.addAccounts((world.accounts ?? []).map((a) => ({ id: a.id, profile, projects: a.projects ?? [] })));
  if (!world.caller) throw new Error("the emulated world names no caller");
  emulator.addAccessKey({ accessKeyId: key.accessKeyId, secret: world.wrongSecret ? `not-${key.secret}` : key.secret, account: world.caller.account, ...(world.caller.project ? { project: world.caller.project } : {}) });
  for (const { members, ...image } of world.images ?? []) {
    emulator.addImage({ profile, ...image });
    if (members?.length) emulator.addMembersDirectly(image.id, members);
  }
  return emulator;
}

/** One request the dialect served and its answer. */
export interface Served {
  request: RecordedRequest;
  status: number;
  body: unknown;
}

/** The dialect, recording every request and answer into `log`. */
export function recording(dialect: Dialect, log: Served[]): Dialect {
  return {
    name: dialect.name,
    matches: (request) => dialect.matches(request),
    handle(request: IncomingMessage, body: Buffer, response: ServerResponse) {
      const entry: Served = { request: recordRequest(request, body.toString("utf8")), status: 0, body: undefined };
      log.push(entry);
      const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
      const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
      let text = "";
      response.writeHead = ((status: number, ...rest: unknown[]) => {
        entry.status = status;
        return writeHead(status, ...rest);
      }) as ServerResponse["writeHead"];
      response.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk === "string" || Buffer.isBuffer(chunk)) text += chunk.toString();
        try {
          entry.body = text === "" ? undefined : JSON.parse(text);
        } catch {
          entry.body = text;
        }
        return end(chunk, ...rest);
      }) as ServerResponse["end"];
      return dialect.handle(request, body, response);
    },
  };
}

/** Fields whose value names a state or a code: compared by value, not only by type. */
const VALUE_KEYS = new Set(["code", "Code", "error_code", "status", "Status", "ImageState", "ImageType", "ImageOwnerAlias", "member_type", "job_type", "schema", "DiskUsage"]);
/** Fields that carry an id the emulator makes itself; learnt, not compared. */
const ID_KEY = /(^|_)id$|Id$|(^|_)marker$/;
const NOT_AN_ID = new Set(["RequestId", "request_id", "HostId"]);

const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Where the emulator's answer lacks the documented shape (documented fields may be fewer than the emulator's). */
export function shapeDifferences(documented: unknown, actual: unknown, at = "body", key = ""): string[] {
  if (documented === null || documented === undefined) return [];
  if (kind(documented) !== kind(actual)) return [`${at}: documented ${kind(documented)} ${JSON.stringify(documented).slice(0, 60)}, the emulator ${actual === undefined ? "leaves it out" : `answers ${kind(actual)} ${JSON.stringify(actual).slice(0, 60)}`}`];
  if (Array.isArray(documented)) {
    const got = actual as unknown[];
    if (documented.length > 0 && got.length === 0) return [`${at}: documented ${documented.length} item(s), the emulator none`];
    return documented.length > 0 ? shapeDifferences(documented[0], got[0], `${at}[0]`, key) : [];
  }
  if (typeof documented === "object") {
    const got = actual as Record<string, unknown>;
    return Object.entries(documented as Record<string, unknown>).flatMap(([k, v]) => shapeDifferences(v, got[k], `${at}.${k}`, k));
  }
  if (VALUE_KEYS.has(key) && documented !== actual) return [`${at}: documented ${JSON.stringify(documented)}, the emulator ${JSON.stringify(actual)}`];
  return [];
}

/** Ids the documented answer names where the emulator's names its own. */
export function learnIds(documented: unknown, actual: unknown, into: Map<string, string>, key = ""): void {
  if (documented === null || actual === null || documented === undefined || actual === undefined) return;
  if (Array.isArray(documented) && Array.isArray(actual)) documented.forEach((d, i) => learnIds(d, actual[i], into, key));
  else if (typeof documented === "object" && typeof actual === "object") {
    for (const [k, v] of Object.entries(documented as Record<string, unknown>)) learnIds(v, (actual as Record<string, unknown>)[k], into, k);
  } else if (typeof documented === "string" && typeof actual === "string" && documented !== actual && ID_KEY.test(key) && !NOT_AN_ID.has(key) && !into.has(documented)) {
    into.set(documented, actual);
  }
}

/** A JSON value with the learnt ids in place of the page's. */
export function withIds<T>(value: T, ids: Map<string, string>): T {
  if (ids.size === 0 || value === undefined) return value;
  let text = JSON.stringify(value);
  for (const [page, ours] of ids) text = text.split(page).join(ours);
  return JSON.parse(text) as T;
}

/**
 * The served conversation against the documented one: what differs, in sentences (empty: the
 * emulator played it as documented). `ids` learns the emulator's own ids as it goes.
 */
export function compareConversation(exchanges: readonly Exchange[], served: readonly Served[], absent: EmulatedWorld["absent"] = [], ids = new Map<string, string>()): string[] {
  const out: string[] = [];
  let next = 0;
  exchanges.forEach((exchange, i) => {
    if (absent.some((a) => a.exchange === i)) return;
    const want: ExpectedRequest = withIds(exchange.request, ids);
    let taken = 0;
    while (next < served.length && taken < (exchange.repeat ?? 1) && differences(want, served[next].request).length === 0) {
      const got = served[next];
      const where = `exchange ${i + 1} (${exchange.request.method} ${exchange.request.path}, ${exchange.source})`;
      if (got.status !== exchange.response.status) out.push(`${where}: documented HTTP ${exchange.response.status}, the emulator ${got.status} ${JSON.stringify(got.body).slice(0, 200)}`);
      for (const d of shapeDifferences(exchange.response.body, got.body)) out.push(`${where}: ${d}`);
      learnIds(exchange.response.body, got.body, ids);
      taken++;
      next++;
    }
    if (taken === 0) {
      const instead = served[next];
      out.push(
        `exchange ${i + 1} (${exchange.request.method} ${exchange.request.path}, ${exchange.source}) did not take place` +
          (instead ? `: the backend sent ${instead.request.method} ${instead.request.path} instead (${differences(want, instead.request).join("; ")})` : ": the backend stopped"),
      );
    }
  });
  for (const extra of served.slice(next)) out.push(`the backend sent ${extra.request.method} ${extra.request.path} after the documented conversation (answered ${extra.status})`);
  return out;
}
