/**
 * What the three resource classes share: the acting identity and connection arguments, the
 * defaults read from the program's Pulumi config (namespace "image-share"), member
 * normalisation, and the walk that finds which resources a set of arguments already depends on.
 *
 * Everything here runs in the Pulumi program, never in the provider: nothing of it is serialized.
 */
import * as pulumi from "@pulumi/pulumi";
import { PROFILE_IDS, type Limits, type ProfileId } from "../rules/model";
import type { MemberTarget } from "../backends/types";
import type { ConnectionInputs, SecretRef } from "./wire";

/** A member as a program writes it: an account id, or an explicit account or project target. */
export type MemberInput = string | MemberTarget;

/** Where the provider reads a credential at run time: names only, never the value. */
export interface SecretRefArgs {
  /** An environment variable's name, e.g. "HUAWEICLOUD_SDK_SK". */
  env?: pulumi.Input<string>;
  /** A Pulumi config key, e.g. "image-share:hwSecretKey" (set it with `pulumi config set --secret`). */
  config?: pulumi.Input<string>;
}

export interface ConnectionArgs {
  /** "emulator" (default, or config `image-share:backend`) or "cloud". */
  backend?: pulumi.Input<"emulator" | "cloud">;
  /**
   * emulator: its state file (default config `image-share:emulatorPath`, else `.image-share/emulator.db`);
   * a relative path is resolved in the provider host's working directory, the program's (the folder of
   * Pulumi.yaml's `main`).
   */
  emulatorPath?: pulumi.Input<string>;
  /** cloud: an endpoint override (default config `image-share:endpoint`). */
  endpoint?: pulumi.Input<string>;
  /** cloud: where the provider reads the access key pair; default: the cloud's usual environment variables. */
  credentials?: pulumi.Input<{ accessKey?: pulumi.Input<SecretRefArgs>; secretKey?: pulumi.Input<SecretRefArgs> }>;
  /** cloud, huaweicloud / opentelekomcloud: the IAM agency IMS needs for a cross-region copy (agency_name). */
  agencyName?: pulumi.Input<string>;
  /**
   * cloud, huaweicloud / opentelekomcloud: project id -> account id of other accounts' projects
   * (IMS names an image's owner by its project only; with this the owner is reported as the account).
   */
  projectAccounts?: pulumi.Input<Record<string, string>>;
  /** One deadline (ms) for all the retries of one operation of the resource (default: 120 s per request). */
  retryDeadlineMs?: pulumi.Input<number>;
}

/** Arguments every resource takes: who acts, where, through which backend, and the stack's rule settings. */
export interface IdentityArgs {
  profile: pulumi.Input<ProfileId>;
  /** The region the resource acts in (a copy: the source image's region). */
  region: pulumi.Input<string>;
  /** The account id the resource acts as (an acceptance: the recipient's). */
  account: pulumi.Input<string>;
  /** huaweicloud / opentelekomcloud: the project id the resource acts in. */
  project?: pulumi.Input<string>;
  connection?: pulumi.Input<ConnectionArgs>;
  /** A raised member quota (the profile's limit otherwise). */
  limits?: pulumi.Input<Limits>;
  /** Account ids whose images may be accepted or copied (untrusted-source). */
  trust?: pulumi.Input<pulumi.Input<string>[]>;
  /** Makes untrusted-source an error. */
  strictTrust?: pulumi.Input<boolean>;
  /** Region ids the profile's region table does not know yet (a new region): accepted as `region` / `targetRegion` as well as the table's. */
  regions?: pulumi.Input<pulumi.Input<string>[]>;
}

/** Plain, non-secret defaults of the program's config namespace "image-share". */
export const CONFIG_NAMESPACE = "image-share";

/** The error Pulumi prints as a message alone (no stack trace): bad arguments of a resource. */
export function inputError(resource: string, message: string): pulumi.RunError {
  return new pulumi.RunError(`image-share: ${resource}: ${message}`);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// "namespace:key", or a bare key of the project's namespace.
const CONFIG_KEY = /^([A-Za-z0-9_.-]+:)?[A-Za-z0-9_./-]+$/;

function secretRef(resource: string, where: string, ref: unknown): SecretRef | undefined {
  if (ref === undefined || ref === null) return undefined;
  if (typeof ref !== "object" || Array.isArray(ref)) {
    throw inputError(resource, `${where} must be { env: "<VARIABLE NAME>" } or { config: "<config key>" }: it names where the credential is, never the credential itself`);
  }
  const out: SecretRef = {};
  for (const [key, value] of Object.entries(ref as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (key === "env") {
      if (typeof value !== "string" || !ENV_NAME.test(value)) {
        throw inputError(resource, `${where}.env must be an environment variable's name (letters, digits, _)`);
      }
      out.env = value;
    } else if (key === "config") {
      if (typeof value !== "string" || !CONFIG_KEY.test(value)) {
        throw inputError(resource, `${where}.config must be a Pulumi config key such as "image-share:secretKey"`);
      }
      out.config = value;
    } else {
      throw inputError(resource, `${where} has an unknown key "${key}": only env and config, the names where the provider reads the credential`);
    }
  }
  if (out.env === undefined && out.config === undefined) {
    throw inputError(resource, `${where} names neither env nor config`);
  }
  return out;
}

/** The connection inputs with the config defaults applied, checked: names of credentials only. */
export function normalizeConnection(resource: string, given: unknown, defaults: Partial<ConnectionInputs>): ConnectionInputs {
  const c = (given ?? {}) as Record<string, unknown>;
  if (typeof c !== "object" || Array.isArray(c)) throw inputError(resource, "connection must be an object");
  for (const key of Object.keys(c)) {
    if (!["backend", "emulatorPath", "endpoint", "credentials", "agencyName", "projectAccounts", "retryDeadlineMs"].includes(key)) {
      throw inputError(resource, `connection has an unknown key "${key}" (backend, emulatorPath, endpoint, credentials, agencyName, projectAccounts, retryDeadlineMs)`);
    }
  }
  const backend = (c.backend ?? defaults.backend ?? "emulator") as string;
  if (backend !== "emulator" && backend !== "cloud") {
    throw inputError(resource, `connection.backend must be "emulator" or "cloud", not "${backend}"`);
  }
  const out: ConnectionInputs = { backend };
  const emulatorPath = c.emulatorPath ?? defaults.emulatorPath;
  if (emulatorPath !== undefined) {
    if (typeof emulatorPath !== "string" || emulatorPath === "") throw inputError(resource, "connection.emulatorPath must be a file path");
    out.emulatorPath = emulatorPath;
  }
  const endpoint = c.endpoint ?? defaults.endpoint;
  if (endpoint !== undefined) {
    if (typeof endpoint !== "string" || endpoint === "") throw inputError(resource, "connection.endpoint must be a URL");
    out.endpoint = endpoint;
  }
  if (c.credentials !== undefined && c.credentials !== null) {
    const creds = c.credentials as Record<string, unknown>;
    if (typeof creds !== "object" || Array.isArray(creds)) throw inputError(resource, "connection.credentials must be { accessKey, secretKey }");
    for (const key of Object.keys(creds)) {
      if (key !== "accessKey" && key !== "secretKey") {
        throw inputError(resource, `connection.credentials has an unknown key "${key}" (accessKey, secretKey)`);
      }
    }
    const accessKey = secretRef(resource, "connection.credentials.accessKey", creds.accessKey);
    const secretKey = secretRef(resource, "connection.credentials.secretKey", creds.secretKey);
    out.credentials = {};
    if (accessKey) out.credentials.accessKey = accessKey;
    if (secretKey) out.credentials.secretKey = secretKey;
  }
  if (c.agencyName !== undefined && c.agencyName !== null) {
    if (typeof c.agencyName !== "string" || c.agencyName === "") throw inputError(resource, "connection.agencyName must be an IAM agency's name");
    out.agencyName = c.agencyName;
  }
  if (c.projectAccounts !== undefined && c.projectAccounts !== null) {
    const pa = c.projectAccounts as Record<string, unknown>;
    if (typeof pa !== "object" || Array.isArray(pa)) throw inputError(resource, "connection.projectAccounts must map project ids to account ids");
    for (const [project, account] of Object.entries(pa)) {
      if (typeof account !== "string" || account === "") throw inputError(resource, `connection.projectAccounts.${project} must be an account id`);
    }
    out.projectAccounts = { ...(pa as Record<string, string>) };
  }
  if (c.retryDeadlineMs !== undefined && c.retryDeadlineMs !== null) {
    if (typeof c.retryDeadlineMs !== "number" || !Number.isInteger(c.retryDeadlineMs) || c.retryDeadlineMs < 0) {
      throw inputError(resource, "connection.retryDeadlineMs must be whole milliseconds, 0 or more");
    }
    out.retryDeadlineMs = c.retryDeadlineMs;
  }
  return out;
}

/** Defaults from `new pulumi.Config("image-share")`: backend, emulatorPath, endpoint (plain values). */
export function configDefaults(): Partial<ConnectionInputs> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const out: Partial<ConnectionInputs> = {};
  const backend = config.get("backend");
  if (backend !== undefined) out.backend = backend as ConnectionInputs["backend"];
  const emulatorPath = config.get("emulatorPath");
  if (emulatorPath !== undefined) out.emulatorPath = emulatorPath;
  const endpoint = config.get("endpoint");
  if (endpoint !== undefined) out.endpoint = endpoint;
  return out;
}

/** The connection input of a resource: the given one over the config defaults. */
export function connectionInput(resource: string, connection: pulumi.Input<ConnectionArgs> | undefined): pulumi.Input<ConnectionInputs> {
  const defaults = configDefaults();
  if (!containsOutput(connection)) return normalizeConnection(resource, connection, defaults);
  return pulumi.output(connection).apply((c) => normalizeConnection(resource, c, defaults));
}

export function checkProfile(resource: string, profile: unknown): void {
  if (typeof profile === "string" && !(PROFILE_IDS as readonly string[]).includes(profile)) {
    throw inputError(resource, `profile must be one of ${PROFILE_IDS.join(", ")}, not "${profile}"`);
  }
}

/** A member in wire form, or an error naming what is wrong. */
export function normalizeMember(resource: string, where: string, member: unknown): MemberTarget {
  if (typeof member === "string") {
    if (member === "") throw inputError(resource, `${where} is empty`);
    return { type: "account", id: member };
  }
  if (member && typeof member === "object" && !Array.isArray(member)) {
    const { type, id, ...rest } = member as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw inputError(resource, `${where} has an unknown key "${extra[0]}" (type, id)`);
    if (type !== "account" && type !== "project") throw inputError(resource, `${where}.type must be "account" or "project"`);
    if (typeof id !== "string" || id === "") throw inputError(resource, `${where}.id must be a non-empty id`);
    return { type, id };
  }
  throw inputError(resource, `${where} must be an account id or { type: "account" | "project", id }`);
}

/**
 * Members as wire inputs, element by element, so that one unknown member during preview leaves
 * the others known.
 */
export function membersInput(resource: string, members: pulumi.Input<pulumi.Input<MemberInput>[]>): pulumi.Input<pulumi.Input<MemberTarget>[]> {
  const one = (m: pulumi.Input<MemberInput>, i: number): pulumi.Input<MemberTarget> =>
    containsOutput(m) ? pulumi.output(m).apply((v) => normalizeMember(resource, `members[${i}]`, v)) : normalizeMember(resource, `members[${i}]`, m);
  if (Array.isArray(members)) return members.map(one);
  if (members === undefined || members === null) throw inputError(resource, "members is required");
  return pulumi.output(members).apply((ms) => {
    if (!Array.isArray(ms)) throw inputError(resource, "members must be a list");
    return ms.map((m, i) => normalizeMember(resource, `members[${i}]`, m));
  });
}

/** Whether a value is, or holds, an Output or a Promise (anything not plain yet). */
export function containsOutput(value: unknown, seen = new Set<unknown>()): boolean {
  if (value === null || typeof value !== "object") return false;
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
  if (pulumi.Resource.isInstance(value) || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value as Record<string, unknown>).some((v) => containsOutput(v, seen));
}

/** The internals of an Output this package reads (not in the SDK's typings; @pulumi/pulumi is pinned). */
export interface OutputInternals {
  resources(): Set<pulumi.Resource>;
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  promise(withUnknowns?: boolean): Promise<unknown>;
}

/** The resources that the Outputs in a value come from (the dependencies Pulumi will record). */
export function resourcesOf(value: unknown, into = new Set<pulumi.Resource>(), seen = new Set<unknown>()): Set<pulumi.Resource> {
  if (value === null || typeof value !== "object") return into;
  if (pulumi.Output.isInstance(value)) {
    for (const r of (value as unknown as OutputInternals).resources()) into.add(r);
    return into;
  }
  if (value instanceof Promise || pulumi.Resource.isInstance(value) || seen.has(value)) return into;
  seen.add(value);
  for (const v of Object.values(value as Record<string, unknown>)) resourcesOf(v, into, seen);
  return into;
}

/** Resources named in `dependsOn` (plain ones; a dependsOn given as an Output is not followed). */
export function dependsOnOf(opts: pulumi.ResourceOptions | undefined): pulumi.Resource[] {
  const d = opts?.dependsOn;
  if (d === undefined) return [];
  const list = Array.isArray(d) ? d : [d];
  return list.filter((r): r is pulumi.Resource => pulumi.Resource.isInstance(r));
}
