export { ImageShare, type ImageShareArgs } from "./imageShare";
export { ShareAcceptance, type ShareAcceptanceArgs } from "./shareAcceptance";
export { CrossRegionCopy, type CrossRegionCopyArgs } from "./crossRegionCopy";
export type { ConnectionArgs, IdentityArgs, MemberInput, SecretRefArgs } from "./common";
export { holdDeclarations } from "./ledger";
export * from "./wire";
