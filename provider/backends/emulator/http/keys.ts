/**
 * `image-share emulator keys add|list|remove`: the access keys `emulator serve` accepts. Each key
 * acts as one account (on Huawei Cloud / Open Telekom Cloud, by default in one of its projects),
 * as a cloud's access key does; the emulator plays the cloud, so it keeps the secret.
 *
 *   keys add --account ID [--project ID] [--id KEY_ID] [--secret SECRET] [--json]
 *   keys add --all [--json]          a key for every account that has none
 *   keys list [--json]
 *   keys remove KEY_ID...
 */
import { randomBytes } from "node:crypto";
import { openEmulator, type AccessKeyRecord, type Emulator } from "../index";
import type { ProfileId } from "../../../rules/model";

const USAGE = [
  "usage: image-share emulator keys add --account ID [--project ID] [--id KEY_ID] [--secret SECRET] [--json]",
  "       image-share emulator keys add --all [--json]",
  "       image-share emulator keys list [--json]",
  "       image-share emulator keys remove KEY_ID...",
].join("\n");

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function randomText(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

/** A key id and secret shaped as the cloud shapes its own (LTAI..., AKID..., 20 upper-case characters). */
export function newAccessKey(profile: ProfileId): { accessKeyId: string; secret: string } {
  switch (profile) {
    case "alicloud":
      return { accessKeyId: `LTAI${randomText(ALNUM, 20)}`, secret: randomText(ALNUM, 30) };
    case "tencentcloud":
      return { accessKeyId: `AKID${randomText(ALNUM, 32)}`, secret: randomText(ALNUM, 32) };
    default:
      return { accessKeyId: randomText(UPPER, 20), secret: randomText(ALNUM, 40) };
  }
}

/** A key as `list` and `add` print it. */
export interface KeyView extends AccessKeyRecord {
  profile?: ProfileId;
}

function view(emulator: Emulator, key: AccessKeyRecord): KeyView {
  const profile = emulator.findAccount(key.account)?.profile;
  return { ...key, ...(profile ? { profile } : {}) };
}

export function formatKey(key: KeyView): string {
  return `  ${key.accessKeyId}  secret ${key.secret}  account ${key.account}${key.project ? ` project ${key.project}` : ""}${key.profile ? ` (${key.profile})` : ""}`;
}

class UsageError extends Error {}

function options(args: string[], flags: string[], switches: string[]): { values: Record<string, string>; on: Set<string>; rest: string[] } {
  const values: Record<string, string> = {};
  const on = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const [flag, inline] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    if (flags.includes(flag)) {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      values[flag] = v;
    } else if (switches.includes(flag) && inline === undefined) on.add(flag);
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  return { values, on, rest };
}

function add(emulator: Emulator, args: string[]): number {
  const { values, on, rest } = options(args, ["--account", "--project", "--id", "--secret"], ["--all", "--json"]);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  let added: AccessKeyRecord[];
  if (on.has("--all")) {
    if (Object.keys(values).length > 0) throw new UsageError("--all takes no --account, --project, --id or --secret");
    added = emulator.addAccessKeysForAccountsWithout((account) => ({ ...newAccessKey(account.profile), ...(account.projects.length === 1 ? { project: account.projects[0].id } : {}) }));
  } else {
    const accountId = values["--account"];
    if (!accountId) throw new UsageError("add needs --account ID (or --all)");
    const account = emulator.findAccount(accountId);
    if (!account) {
      process.stderr.write(`image-share emulator keys: no account ${accountId} in ${emulator.location} (seed a topology first: image-share emulator seed FILE)\n`);
      return 2;
    }
    const generated = newAccessKey(account.profile);
    const accessKeyId = values["--id"] ?? generated.accessKeyId;
    if (emulator.findAccessKey(accessKeyId)) {
      process.stderr.write(`image-share emulator keys: access key ${accessKeyId} exists already (remove it first)\n`);
      return 2;
    }
    const project = values["--project"] ?? (account.projects.length === 1 ? account.projects[0].id : undefined);
    const key: AccessKeyRecord = { accessKeyId, secret: values["--secret"] ?? generated.secret, account: account.id, ...(project ? { project } : {}) };
    emulator.addAccessKey(key);
    added = [key];
  }
  const views = added.map((k) => view(emulator, k));
  if (on.has("--json")) process.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
  else if (views.length === 0) process.stdout.write("every account has an access key already (image-share emulator keys list)\n");
  else process.stdout.write(`added ${views.length} access key(s) to ${emulator.location}:\n${views.map(formatKey).join("\n")}\n`);
  return 0;
}

function list(emulator: Emulator, args: string[]): number {
  const { on, rest } = options(args, [], ["--json"]);
  if (rest.length > 0) throw new UsageError(`unexpected argument ${rest[0]}`);
  const keys = emulator.accessKeys().map((k) => view(emulator, k));
  if (on.has("--json")) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
  else if (keys.length === 0) process.stdout.write(`no access keys in ${emulator.location}: add one with image-share emulator keys add --account ID\n`);
  else process.stdout.write(`access keys in ${emulator.location} (${keys.length}):\n${keys.map(formatKey).join("\n")}\n`);
  return 0;
}

function remove(emulator: Emulator, args: string[]): number {
  const { rest } = options(args, [], []);
  if (rest.length === 0) throw new UsageError("remove needs the access key id(s)");
  let missing = 0;
  for (const id of rest) {
    if (emulator.removeAccessKey(id)) process.stdout.write(`removed access key ${id}\n`);
    else {
      process.stderr.write(`image-share emulator keys: no access key ${id} in ${emulator.location}\n`);
      missing++;
    }
  }
  return missing > 0 ? 1 : 0;
}

const SUBCOMMANDS: Record<string, (emulator: Emulator, args: string[]) => number> = { add, list, remove };

/** The hook provider/cli/emulator.ts calls: `run(args, db)`; exit 0, 1 (a key to remove was not there) or 2 (bad arguments). */
export async function run(args: string[], db: string | undefined): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const sub = Object.prototype.hasOwnProperty.call(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!sub) {
    process.stderr.write(`image-share emulator keys: unknown subcommand "${name}" (add, list, remove)\n${USAGE}\n`);
    return 2;
  }
  try {
    return sub(openEmulator(db), rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`image-share emulator keys ${name}: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    throw e;
  }
}
