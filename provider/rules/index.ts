/**
 * The rules core: pure functions over a share topology (no I/O, no Pulumi). `validate` returns
 * every violation of the rules (docs/rules.md); `RULES` documents each rule (id, profiles, severity, why, a failing
 * and a passing topology).
 */
export * from "./model";
export * from "./rule";
export * from "./profiles";
export { RULES, ruleById, severityFor, validate } from "./engine";
export { buildContext, type RuleContext, type ContextRule, type AccountView, type AcceptanceView, type CopyView, type Edge, type ImageView, type Member, type ShareView, type Unresolved } from "./context";
export { HUAWEICLOUD_REGION_SITES, regionOnSite, type RegionSites } from "./sites";
export { REGION_TABLES, knownRegion, type RegionTable } from "./regions";
