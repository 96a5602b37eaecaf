/**
 * image-share: Pulumi resources for sharing cloud images between accounts, accepting shares and
 * copying images across regions, with the clouds' rules checked at preview time.
 *
 *   import { ImageShare, ShareAcceptance, CrossRegionCopy, ShareTopology } from "image-share";
 */
export * from "./resources";
export { RULES, ruleById, PROFILES, memberLimit, RULE_IDS, PROFILE_IDS, IMAGE_KINDS } from "./rules";
// validate() checks its input as the file loader does (InvalidTopologyError); image-share/rules has the unchecked core.
export { validate, checkTopology, InvalidTopologyError } from "./topology/check";
export type {
  Topology,
  ExistingMember,
  Observed,
  ObservedImage,
  ObservedMember,
  Violation,
  RuleId,
  RuleDefinition,
  ProfileId,
  ImageKind,
  MemberRef,
  MemberStatus,
  Limits,
  Severity,
  Profile,
} from "./rules";
export type { MemberTarget } from "./backends/types";

// The topology file loader (YAML or JSON): every input error with its file, line:column and path.
export { loadTopologyFile as loadTopology, loadTopologyFile, loadTopologyText, formatInputError } from "./topology/load";
export type { LoadResult, LoadOptions, TopologyInputError, TopologyPositions, Position, PathSegment } from "./topology/load";
