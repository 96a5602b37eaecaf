/**
 * image-share/policy: the rules core as a CrossGuard policy pack, over a whole stack (this
 * package's resources and the clouds' bridged Pulumi providers' image shares and copies).
 *
 *   import { PolicyPack } from "@pulumi/policy";
 *   import { imageSharePolicies } from "image-share/policy";
 *   new PolicyPack("image-share", { policies: imageSharePolicies() });
 *
 * Needs @pulumi/policy (an optional peer dependency: install it in the policy pack).
 */
export { imageSharePolicies, analyzeStack } from "./policies";
export type { Analysis, Finding, Note } from "./analysis";
export { configSchema, DEFAULT_IMAGE_KIND, SettingsError, type PolicySettings, type ProviderFacts, type ImageFacts } from "./settings";
export { OWN_TYPES, BRIDGED_TYPES, TOPOLOGY_TYPE, type StackResource } from "./resources";
export { policyFactsOf } from "./facts";
