export { ImageShare, type ImageShareArgs } from "./imageShare";
export { ShareAcceptance, type ShareAcceptanceArgs } from "./shareAcceptance";
export { CrossRegionCopy, type CrossRegionCopyArgs } from "./crossRegionCopy";
export { ShareTopology, type ShareTopologyArgs } from "./shareTopology";
export type { ConnectionArgs, IdentityArgs, MemberInput, SecretRefArgs } from "./common";
export { holdDeclarations } from "./ledger";
export { DEFAULT_EMULATOR_PATH } from "./seed";
export * from "./wire";
