/**
 * The program-side bridges to the topology loader and the emulator, loaded only when used (a
 * stack that passes a parsed topology and does not seed never loads either).
 */
import type { Topology } from "../rules/model";

/** Where the emulator keeps its state by default, relative to the stack's (program's) directory. */
export const DEFAULT_EMULATOR_PATH = ".image-share/emulator.db";

export type LoadResult = { topology: Topology; positions?: unknown } | { errors: unknown[] };

/** Reads a topology file (YAML or JSON) with the package's loader. */
export function loadTopologyFile(file: string): LoadResult {
  const mod = require("../topology/load") as Record<string, unknown>;
  const load = (mod.loadTopologyFile ?? mod.loadTopology ?? mod.load) as ((f: string) => LoadResult) | undefined;
  if (typeof load !== "function") throw new Error("image-share: the topology loader is missing (provider/topology/load)");
  return load(file);
}

/** A loader error as `file:line:col path: message`. */
export function describeLoadError(e: unknown): string {
  const mod = require("../topology/load") as Record<string, unknown>;
  if (typeof mod.formatInputError === "function" && e && typeof e === "object") return (mod.formatInputError as (x: unknown) => string)(e);
  if (e && typeof e === "object" && "message" in e) {
    const where = (e as { path?: unknown }).path;
    return typeof where === "string" && where !== "" ? `${where}: ${(e as { message: string }).message}` : String((e as { message: string }).message);
  }
  return String(e);
}

interface EmulatorLike {
  addAccount(...args: unknown[]): unknown;
  addImage(...args: unknown[]): unknown;
  close?(): unknown;
}

/**
 * Seeds the emulator at `file` with the topology's accounts and existing images (the images
 * with an id), as `image-share emulator seed FILE` does. Idempotent: what is there stays.
 */
export async function seedEmulatorFile(file: string, topology: Topology): Promise<void> {
  const mod = require("../backends/emulator") as Record<string, unknown>;
  const open = mod.openEmulator as ((f: string) => EmulatorLike | Promise<EmulatorLike>) | undefined;
  if (typeof open !== "function") throw new Error("image-share: the emulator is missing (provider/backends/emulator)");
  const emulator = await open(file);
  try {
    for (const [key, account] of Object.entries(topology.accounts)) {
      // An account's cloud: the profile of its images where they name one, else the file's.
      const own = Object.values(topology.images).find((i) => i.owner === key && i.profile !== undefined);
      await emulator.addAccount({
        id: account.id,
        profile: own?.profile ?? topology.profile,
        ...(account.site ? { site: account.site } : {}),
        projects: Object.values(account.projects ?? {}),
      });
    }
    for (const image of Object.values(topology.images)) {
      if (image.id === undefined) continue;
      const owner = topology.accounts[image.owner];
      await emulator.addImage({
        id: image.id,
        profile: image.profile ?? topology.profile,
        region: image.region,
        owner: owner.id,
        ...(image.project && owner.projects?.[image.project] ? { ownerProject: owner.projects[image.project].id } : {}),
        kind: image.kind,
        name: image.name,
        ...(image.description !== undefined ? { description: image.description } : {}),
      });
    }
  } finally {
    await emulator.close?.();
  }
}
