/**
 * What a topology file says that its resources' inputs do not (image kinds and owners, members
 * outside the file, sites and projects' regions, trust, raised limits), in the policy settings'
 * shape: a ShareTopology registers it as its `policyFacts` output, and the policy pack reads it
 * from the stack under its own settings, so that the file's facts bear on the whole stack (a
 * bridged provider's share of the file's full-ECS image counts against the full-ECS limit).
 * Types only, no zod: the program that declares a ShareTopology loads this.
 */
import type { Topology } from "../rules/model";
import type { PolicySettings } from "./settings";

/** The ShareTopology component's type, whose `policyFacts` output the pack reads. */
export const TOPOLOGY_TYPE = "image-share:index:ShareTopology";

export function policyFactsOf(t: Topology): PolicySettings {
  const accounts: NonNullable<PolicySettings["accounts"]> = {};
  for (const account of Object.values(t.accounts)) {
    const projects = Object.fromEntries(Object.values(account.projects ?? {}).map((p) => [p.id, p.region]));
    accounts[account.id] = { ...(account.site ? { site: account.site } : {}), ...(Object.keys(projects).length ? { projects } : {}) };
  }
  const images: NonNullable<PolicySettings["images"]> = {};
  for (const image of Object.values(t.images)) {
    const owner = t.accounts[image.owner];
    // A copy's product has no id until the copy exists: the policy places it from the copy.
    if (image.id === undefined || !owner) continue;
    const existing = image.existingMembers;
    images[image.id] = {
      kind: image.kind,
      owner: owner.id,
      region: image.region,
      ...(existing !== undefined ? { existingMembers: typeof existing === "number" ? existing : existing.length } : {}),
    };
  }
  const facts: PolicySettings = { accounts, images };
  if (t.limits) facts.limits = { [t.profile]: t.limits };
  if (t.trust) facts.trust = t.trust.flatMap((key) => (t.accounts[key] ? [t.accounts[key].id] : []));
  if (t.strictTrust) facts.strictTrust = true;
  return facts;
}
