/**
 * Backends and cloud reads, per provider process. The engine starts one dynamic-provider host
 * per run and sends every resource's Check to it, so a preview reads each image once and lists
 * its members once, however many resources of the stack name the image. Writes of this process
 * drop what they change; create / update / delete / read (refresh) read afresh, as they act on
 * or report the truth.
 */
import { createHash } from "node:crypto";
import type { ImageInfo, ImageService, Member } from "../../backends/types";
import { listAllMembers } from "../../backends/types";
import { PROFILES, usesProjects } from "../../rules/profiles";
import type { Connection as BackendConnection, createImageService } from "../../backends";
import { callerKey, cloudKey, type Connection } from "./credentials";

/**
 * The backend factory's connection: the emulator as it is; "cloud" becomes the profile's own
 * backend with the key pair under that backend's field names (the profile table's).
 */
export function backendConnection(c: Connection): BackendConnection {
  const identity = { profile: c.profile, region: c.region, account: c.account, ...(c.project ? { project: c.project } : {}) };
  if (c.backend === "emulator") return { backend: "emulator", ...identity, ...(c.emulatorPath ? { emulatorPath: c.emulatorPath } : {}) };
  const names = PROFILES[c.profile].credentials;
  const cloud = {
    backend: c.profile,
    ...identity,
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    // IMS clouds (members are projects): the IAM agency for a cross-region copy, and the owners of other accounts' projects.
    ...(usesProjects(c.profile) && c.agencyName ? { agencyName: c.agencyName } : {}),
    ...(usesProjects(c.profile) && c.projectAccounts ? { projectAccounts: c.projectAccounts } : {}),
    ...(c.credentials?.accessKey !== undefined ? { [names.key]: c.credentials.accessKey } : {}),
    ...(c.credentials?.secretKey !== undefined ? { [names.secret]: c.credentials.secretKey } : {}),
  };
  // The one cast: the key pair's field names come from the table, which the type system cannot follow.
  return cloud as BackendConnection;
}

const services = new Map<string, Promise<ImageService>>();
const images = new Map<string, Promise<ImageInfo>>();
const members = new Map<string, Promise<Member[]>>();

/** Counters for tests (one listing per image per run). */
export const reads = { getImage: 0, listMembers: 0 };

function factory(): typeof createImageService {
  // Lazily: the backends (and the clouds' SDKs they load) only when a resource needs a cloud.
  return (require("../../backends") as typeof import("../../backends")).createImageService;
}

/** The ImageService acting as this connection's identity (one per identity per process). */
export function serviceFor(connection: Connection): Promise<ImageService> {
  // Credential values only as a digest, so that no map key holds them.
  // The agency and project accounts change what the service does and reports: part of the key.
  const extras = JSON.stringify([connection.agencyName ?? "", connection.projectAccounts ?? {}]);
  const key = callerKey(connection) + extras + createHash("sha256").update(JSON.stringify(connection.credentials ?? {})).digest("hex");
  let s = services.get(key);
  if (!s) {
    // Each backend retries its own requests (provider/backends/retry.ts, the one retry layer):
    // nothing is retried again here.
    s = Promise.resolve().then(() => factory()(backendConnection(connection)));
    // A failed construction (bad credentials, missing file) is not cached: the next call retries.
    s.catch(() => services.delete(key));
    services.set(key, s);
  }
  return s;
}

/** The image as the caller sees it; cached per caller and image unless `fresh`. */
export function getImage(connection: Connection, service: ImageService, imageId: string, fresh = false): Promise<ImageInfo> {
  // projectAccounts changes the owner reported: part of the key (after the prefix invalidate() drops).
  const key = cloudKey(connection) + "\u0000" + imageId + "\u0000" + callerKey(connection) + JSON.stringify(connection.projectAccounts ?? {});
  let p = fresh ? undefined : images.get(key);
  if (!p) {
    reads.getImage++;
    p = service.getImage(imageId);
    p.catch(() => images.delete(key));
    images.set(key, p);
  }
  return p;
}

/** Every member of an image (owner only); cached per cloud and image unless `fresh`. */
export function listMembers(connection: Connection, service: ImageService, imageId: string, fresh = false): Promise<Member[]> {
  const key = cloudKey(connection) + "\u0000" + imageId;
  let p = fresh ? undefined : members.get(key);
  if (!p) {
    reads.listMembers++;
    p = listAllMembers(service, imageId);
    p.catch(() => members.delete(key));
    members.set(key, p);
  }
  return p;
}

/** Drops what this process knows of an image after a write to it. */
export function invalidate(connection: Connection, imageId: string): void {
  const prefix = cloudKey(connection);
  members.delete(prefix + "\u0000" + imageId);
  const imagePrefix = prefix + "\u0000" + imageId + "\u0000";
  for (const key of [...images.keys()]) if (key.startsWith(imagePrefix)) images.delete(key);
}

/**
 * Forgets every cached image and member listing (not the services): what a new engine run's
 * host starts with. For benchmarks and tests that run several previews in one process.
 */
export function resetReadCache(): void {
  images.clear();
  members.clear();
}
