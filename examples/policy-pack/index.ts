import { PolicyPack } from "@pulumi/policy";
import { imageSharePolicies } from "image-share/policy";

// One policy per rule of image-share (name = rule id): errors mandatory, warnings advisory.
// The settings below apply to every rule; each policy's CrossGuard config (same keys, see
// `pulumi policy` / --policy-pack-config) overrides them for that rule.
new PolicyPack("image-share", {
  policies: imageSharePolicies({
    // What the stack does not say. A provider's account, where its configuration does not carry
    // it (tencentcloud never does; alicloud: accountId; huaweicloud: domainId and projectId):
    //   providers: { tencentcloud: { account: "100012345678" }, "team-a": { account: "2002" } },
    // An image's kind (default: system, the highest limits) or its owner:
    //   images: { "img-0elsru2u": { kind: "full", owner: "100012345678" } },
    // A quota the cloud raised for you, per profile:
    //   limits: { tencentcloud: { member: 500 } },
    // Accounts whose images may be accepted or copied; the site of Huawei Cloud accounts:
    //   trust: ["100012345678"], accounts: { "0a1b2c...": { site: "intl" } },
  }),
});
