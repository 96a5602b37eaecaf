/**
 * The stand-in engine's state file (one stack's checkpoint), and property values as they cross
 * the engine: secrets and unknowns in the wire encoding of @pulumi/pulumi/runtime/rpc.
 *
 * The file is a JSON document, written whole after every step (to a temporary file, then renamed),
 * so a killed engine leaves the last completed step on disk, as the CLI's snapshot journal does.
 * Secrets are kept in their wire form ({"4dabf1...": "1b4706...", value}): a test tool's state is
 * not encrypted.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The wire signatures (runtime/rpc.ts specialSigKey, specialSecretSig) and the unknown marker (unknownValue). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

export interface ResourceState {
  urn: string;
  type: string;
  custom: boolean;
  id?: string;
  inputs: Props;
  outputs: Props;
  parent?: string;
  /** The provider reference, `<provider urn>::<provider id>` (custom resources). */
  provider?: string;
  dependencies: string[];
  propertyDependencies?: Record<string, string[]>;
  /** Reasons of a create or update that failed after the resource was made (resource-init-failed). */
  initErrors?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  /** The old half of a create-before-delete replacement, deleted at the end of the update. */
  delete?: boolean;
}

export interface PendingOperation {
  type: "creating" | "updating" | "deleting" | "reading";
  resource: Pick<ResourceState, "urn" | "type" | "id" | "inputs">;
}

export interface StateFile {
  version: 1;
  project?: string;
  stack?: string;
  resources: ResourceState[];
  /** Operations begun and not finished when the engine stopped (the CLI's pending_operations). */
  pendingOperations: PendingOperation[];
}

export function emptyState(): StateFile {
  return { version: 1, resources: [], pendingOperations: [] };
}

export function loadState(file: string): StateFile {
  if (!fs.existsSync(file)) return emptyState();
  const text = fs.readFileSync(file, "utf8");
  if (text.trim() === "") return emptyState();
  const doc = JSON.parse(text) as StateFile;
  if (doc.version !== 1 || !Array.isArray(doc.resources)) throw new Error(`${file} is not a state file of the stand-in engine`);
  return { ...doc, pendingOperations: doc.pendingOperations ?? [] };
}

export function saveState(file: string, state: StateFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 1));
  fs.renameSync(tmp, file);
}

export function isSecret(v: unknown): v is { value: unknown } {
  return !!v && typeof v === "object" && (v as Props)[SIG_KEY] === SECRET_SIG;
}

export function secret(value: unknown): Props {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** The value with every secret wrapper removed (what a provider that does not accept secrets gets). */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecret(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Props).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

export function containsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v as Props).some(containsSecret);
  return false;
}

export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v as Props).some(containsUnknown);
  return false;
}

/**
 * Outputs of a provider that does not accept secrets, with secretness restored from the inputs
 * (a top-level output is secret when the input of that name held a secret) and from the
 * resource's additionalSecretOutputs, as the engine's provider plugin does.
 */
export function annotateSecrets(outputs: Props, inputs: Props, additional: string[] = []): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(outputs)) {
    out[k] = (containsSecret(inputs[k]) || additional.includes(k)) && !isSecret(v) ? secret(v) : v;
  }
  return out;
}

/** Top-level keys whose values differ (the `__provider` text excluded: it is the provider's code, not a property). */
export function changedKeys(olds: Props, news: Props): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  keys.delete("__provider");
  return [...keys].filter((k) => JSON.stringify(canonical(olds[k])) !== JSON.stringify(canonical(news[k]))).sort();
}

function canonical(v: unknown): unknown {
  if (isSecret(v)) return canonical(v.value);
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v as Props).sort().map((k) => [k, canonical((v as Props)[k])]));
  return v ?? null;
}

/** The URN of a resource (resource.NewURN): parent types chain with `$`, except the stack's. */
export function makeUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  let qualified = type;
  if (parentUrn) {
    const parentType = parentUrn.split("::")[2];
    if (parentType && parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export function urnName(urn: string): string {
  return urn.split("::").slice(3).join("::");
}
