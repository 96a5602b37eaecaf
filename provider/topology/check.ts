/**
 * The package's `validate`: the rules core behind the checks a topology file gets. A topology
 * built in code (not read from a file) passes the same schema and reference checks as a file
 * (an unknown profile, key or reference, a malformed id, one id under two keys), and bad input
 * throws an `InvalidTopologyError` listing every problem with its path, never `[]`.
 * (`image-share/rules` exports the rules core's own `validate`, which trusts its input.)
 */
import type { Observed, Topology } from "../rules/model";
import type { Violation } from "../rules/rule";
import { validate as validateRules } from "../rules/engine";
import { formatInputError, type TopologyInputError } from "./errors";
import { loadTopologyData } from "./load";
import { noPositions } from "./positions";

/** A topology that is not valid input: `errors` says what is wrong and where (its path). */
export class InvalidTopologyError extends Error {
  readonly code = "INVALID_TOPOLOGY";
  constructor(readonly errors: TopologyInputError[]) {
    super(`invalid topology: ${errors.map((e) => formatInputError(e).replace(/^<topology>:? ?/, "")).join("; ")}`);
    this.name = "InvalidTopologyError";
  }
}

/** Every input error of a topology built in code (as a file's: schema, references, ids); [] when it is valid. */
export function checkTopology(topology: unknown): TopologyInputError[] {
  const loaded = loadTopologyData(topology, noPositions("<topology>"));
  return "errors" in loaded ? loaded.errors : [];
}

/** Every violation of the topology (and of what the cloud holds, when given); throws InvalidTopologyError for bad input. */
export function validate(topology: Topology, observed?: Observed): Violation[] {
  const errors = checkTopology(topology);
  if (observed !== undefined && (observed === null || typeof observed !== "object" || Array.isArray(observed))) {
    errors.push({ file: "<observed>", path: "", segments: [], message: "observed must be an object ({ images?, deletes? })" });
  }
  if (errors.length > 0) throw new InvalidTopologyError(errors);
  return validateRules(topology, observed);
}
