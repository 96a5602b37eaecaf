/**
 * Turns a resource's identity inputs (names of where credentials are, never the values) into a
 * backend Connection at run time, inside the provider process. Values are read from environment
 * variables or from the Pulumi config the host hands to configure(); they live only in the
 * Connection object passed to the backend factory, never in outputs, errors or logs.
 */
import * as path from "node:path";
import type { ConnectionInputs, IdentityInputs, SecretRef } from "../wire";
import { ProviderError } from "./errors";

/** What provider/backends createImageService takes. */
export interface Connection {
  backend: "emulator" | "cloud";
  profile: IdentityInputs["profile"];
  region: string;
  account: string;
  project?: string;
  /** emulator: absolute path of the state file. */
  emulatorPath?: string;
  /** cloud: endpoint override. */
  endpoint?: string;
  /** cloud: the resolved key pair, when the resource names where it is (else the backend reads the cloud's usual env vars). */
  credentials?: { accessKey?: string; secretKey?: string };
  /** cloud, huaweicloud / opentelekomcloud: IAM agency for cross-region copies. */
  agencyName?: string;
  /** cloud, huaweicloud / opentelekomcloud: project id -> account id of other accounts' projects. */
  projectAccounts?: Record<string, string>;
}

export const DEFAULT_EMULATOR_PATH = ".image-share/emulator.db";

/** Pulumi config as configure() receives it (the host's dynamic Config: get(key)). */
export interface ConfigSource {
  get(key: string): string | undefined;
}

let config: ConfigSource | undefined;

/** Called from each provider's configure(req): remembers the stack's config for SecretRef.config. */
export function captureConfig(req: { config?: ConfigSource } | undefined): void {
  if (req?.config && typeof req.config.get === "function") config = req.config;
}

function readSecret(ref: SecretRef | undefined, what: string): string | undefined {
  if (!ref) return undefined;
  if (ref.env !== undefined) {
    const v = process.env[ref.env];
    if (v !== undefined && v !== "") return v;
    if (ref.config === undefined) throw new ProviderError(`${what}: the environment variable ${ref.env} is not set`);
  }
  if (ref.config !== undefined) {
    let v: unknown;
    try {
      v = config?.get(ref.config);
    } catch {
      v = undefined;
    }
    if (typeof v === "string" && v !== "") return v;
    throw new ProviderError(
      `${what}: the Pulumi config key ${ref.config} is not set${ref.env ? ` (nor the environment variable ${ref.env})` : ""}; set it with \`pulumi config set --secret ${ref.config} ...\``,
    );
  }
  return undefined;
}

/** The Connection for an identity, credentials read now. `cwd`: the stack's directory (the host runs there). */
export function resolveConnection(identity: IdentityInputs, cwd = process.cwd()): Connection {
  const c: ConnectionInputs = identity.connection ?? { backend: "emulator" };
  const out: Connection = {
    backend: c.backend ?? "emulator",
    profile: identity.profile,
    region: identity.region,
    account: identity.account,
  };
  if (identity.project) out.project = identity.project;
  if (out.backend === "emulator") {
    out.emulatorPath = path.resolve(cwd, c.emulatorPath ?? DEFAULT_EMULATOR_PATH);
  } else {
    if (c.endpoint) out.endpoint = c.endpoint;
    if (c.agencyName) out.agencyName = c.agencyName;
    if (c.projectAccounts && Object.keys(c.projectAccounts).length) out.projectAccounts = { ...c.projectAccounts };
    const accessKey = readSecret(c.credentials?.accessKey, "connection.credentials.accessKey");
    const secretKey = readSecret(c.credentials?.secretKey, "connection.credentials.secretKey");
    if (accessKey !== undefined || secretKey !== undefined) {
      out.credentials = {};
      if (accessKey !== undefined) out.credentials.accessKey = accessKey;
      if (secretKey !== undefined) out.credentials.secretKey = secretKey;
    }
  }
  return out;
}

/** Which cloud a connection reaches (images and member lists are the same for every caller of it). */
export function cloudKey(c: Connection): string {
  return JSON.stringify([c.backend, c.profile, c.emulatorPath ?? "", c.endpoint ?? ""]);
}

/** Which caller: the cloud plus the acting identity. Credential values are not part of it. */
export function callerKey(c: Connection): string {
  return JSON.stringify([cloudKey(c), c.region, c.account, c.project ?? ""]);
}
