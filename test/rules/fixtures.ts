/** Small topologies for the rule tests: one account layout, per profile, with the image `golden`. */
import { validate, type Account, type Observed, type ProfileId, type RuleId, type Topology, type Violation } from "../../provider/rules";
import { usesProjects } from "../../provider/rules/profiles";

/** The image's region per profile, and another region of the same cloud. */
export const REGION: Record<ProfileId, string> = {
  huaweicloud: "cn-north-4",
  opentelekomcloud: "eu-de",
  alicloud: "cn-hangzhou",
  tencentcloud: "ap-guangzhou",
};
export const OTHER_REGION: Record<ProfileId, string> = {
  huaweicloud: "cn-south-1",
  opentelekomcloud: "eu-nl",
  alicloud: "cn-shanghai",
  tencentcloud: "ap-shanghai",
};

let seq = 0;
const hex = (): string => (++seq).toString(16).padStart(32, "0");

/** An account with one project in the image's region (`<key>-main`) and one in the other region (`<key>-other`). */
export function account(profile: ProfileId, key: string, extra: Partial<Account> = {}): Account {
  const projects =
    usesProjects(profile)
      ? { [`${key}-main`]: { id: hex(), region: REGION[profile] }, [`${key}-other`]: { id: hex(), region: OTHER_REGION[profile] } }
      : undefined;
  return { id: hex(), ...(projects ? { projects } : {}), ...extra };
}

/**
 * platform owns `golden` (in its project platform-main on huaweicloud / opentelekomcloud, where
 * it also has platform-dev in the same region); team-a, team-b and vendor are other accounts.
 */
export function topology(profile: ProfileId, extra: Partial<Topology> = {}): Topology {
  const platform = account(profile, "platform");
  if (platform.projects) platform.projects["platform-dev"] = { id: hex(), region: REGION[profile] };
  return {
    profile,
    accounts: {
      platform,
      "team-a": account(profile, "team-a"),
      "team-b": account(profile, "team-b"),
      vendor: account(profile, "vendor"),
    },
    images: {
      golden: {
        id: "img-golden",
        region: REGION[profile],
        owner: "platform",
        ...(platform.projects ? { project: "platform-main" } : {}),
        kind: "system",
        name: "golden",
      },
    },
    shares: [],
    acceptances: [],
    copies: [],
    ...extra,
  };
}

/** Adds `n` accounts m0 .. m<n-1> (each with a project in the image's region) and returns their keys. */
export function addAccounts(t: Topology, n: number, prefix = "m"): string[] {
  const keys: string[] = [];
  for (let k = 0; k < n; k++) {
    const key = `${prefix}${k}`;
    t.accounts[key] = account(t.profile, key);
    keys.push(key);
  }
  return keys;
}

export function violations(t: Topology, observed?: Observed): Violation[] {
  return validate(t, observed);
}

/** The violations of one rule. */
export function of(rule: RuleId, t: Topology, observed?: Observed): Violation[] {
  return validate(t, observed).filter((v) => v.rule === rule);
}

export const PROFILES_ALL: ProfileId[] = ["huaweicloud", "opentelekomcloud", "alicloud", "tencentcloud"];
export const WITH_ACCEPTANCE: ProfileId[] = ["huaweicloud", "opentelekomcloud"];
