/**
 * The program-side bridges to the topology loader and the emulator, loaded only when used (a
 * stack that passes a parsed topology and does not seed never loads either).
 */
import type { Topology } from "../rules/model";
import type { LoadResult, TopologyInputError } from "../topology/load";

/** Where the emulator keeps its state by default, relative to the stack's (program's) directory. */
export const DEFAULT_EMULATOR_PATH = ".image-share/emulator.db";

/** Reads a topology file (YAML or JSON) with the package's loader. */
export function loadTopologyFile(file: string): LoadResult {
  const { loadTopologyFile: load } = require("../topology/load") as typeof import("../topology/load");
  return load(file);
}

/** A loader error as `file:line:col path: message`. */
export function describeLoadError(e: TopologyInputError): string {
  const { formatInputError } = require("../topology/load") as typeof import("../topology/load");
  return formatInputError(e);
}

/**
 * The emulator's state file for a path as given (undefined: $IMAGE_SHARE_EMULATOR_DB, else
 * .image-share/emulator.db under the working directory), as the provider resolves it.
 */
export function emulatorPathFor(given?: string): string {
  const { resolveEmulatorPath } = require("../backends/emulator") as typeof import("../backends/emulator");
  return resolveEmulatorPath(given);
}

/**
 * Seeds the emulator with the topology's accounts and existing images (the images with an id), as
 * `image-share emulator seed FILE` does. Idempotent: what is there stays.
 */
export async function seedEmulatorFile(file: string | undefined, topology: Topology): Promise<void> {
  const { seedTopology } = require("../backends/emulator") as typeof import("../backends/emulator");
  seedTopology(emulatorPathFor(file), topology);
}
