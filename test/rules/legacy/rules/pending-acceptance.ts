import type { ContextRule } from "../context";
import { EDGE_ACCEPTANCE, EDGE_DUPLICATE, STATUS_MASK, STATUS_PENDING, STATUS_REJECTED } from "../context";
import { listNames, plural, withResolvedProject } from "../text";

export const rule: ContextRule = {
  id: "pending-acceptance",
  title: "Members that have not accepted",
  description:
    "huaweicloud / opentelekomcloud: members a share grants that nothing in the topology or the cloud has accepted yet (or that rejected it in the cloud): they cannot use the image until they accept. One warning per share.",
  source: ["000", "001"],
  profiles: ["huaweicloud", "opentelekomcloud"],
  severity: "warning",
  docs: {
    why:
      "On Huawei Cloud and Open Telekom Cloud a shared image shows up as pending in the recipient's 'Images Shared with Me' until the recipient accepts it; a rejected image can be accepted again. Declare an acceptance (status: accepted) for each member the stack manages, or expect the recipients to accept in the console. A member with a declared acceptance (either status) or one the cloud reports as accepted is not reported; nor is a self-share.",
    failing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }   # nobody accepts
`,
    passing: `profile: huaweicloud
accounts:
  platform: { id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", projects: { platform-bj: { id: "1a1b2c3d4e5f60718293a4b5c6d7e8f9", region: cn-north-4 } } }
  team-a: { id: "2a1b2c3d4e5f60718293a4b5c6d7e8f9" }
images:
  golden: { id: "8c5e2a1c-4f1e-4b5e-9a7f-3f0b1d2c4e5a", region: cn-north-4, owner: platform, kind: system, name: golden-ubuntu }
shares:
  - { name: golden-to-team-a, image: golden, members: [team-a] }
acceptances:
  - { name: team-a-accepts, image: golden, member: team-a, status: accepted }
`,
  },
  *check(ctx) {
    const shares = ctx.shares;
    for (let s = 0; s < shares.length; s++) {
      const i = ctx.shareImage[s];
      if (i < 0) continue;
      const img = ctx.images[i];
      if (img.profile !== "huaweicloud" && img.profile !== "opentelekomcloud") continue;
      const ownerMember = img.owner >= 0 ? ctx.accounts[img.owner].member : -1;
      let pending = 0;
      let rejected = 0;
      let total = 0;
      let first = -1;
      const labels: string[] = [];
      const share = shares[s];
      const start = ctx.shareEdgeStart[s];
      for (let e = start; e < ctx.shareEdgeStart[s + 1]; e++) {
        const m = ctx.edgeMember[e];
        if (m < 0 || m === ownerMember || m === img.projectMember) continue;
        if ((ctx.edgeStatus[e] & EDGE_DUPLICATE) !== 0 && ctx.duplicates.get(e)! >= ctx.shareEdgeStart[s]) continue; // listed twice in this share
        total++;
        const st = ctx.edgeStatus[e] & STATUS_MASK;
        const waiting = st === STATUS_PENDING || (st === STATUS_REJECTED && (ctx.edgeStatus[e] & EDGE_ACCEPTANCE) === 0);
        if (!waiting) continue;
        if (st === STATUS_PENDING) pending++;
        else rejected++;
        if (first < 0) first = e;
        if (labels.length < 6) labels.push(withResolvedProject(ctx, share.members[e - start], m) + (st === STATUS_REJECTED ? " (rejected in the cloud)" : ""));
      }
      const n = pending + rejected;
      if (n === 0) continue;
      const names = n > labels.length ? `${labels.slice(0, 5).join(", ")} and ${n - 5} more` : listNames(labels);
      yield {
        message: `share ${shares[s].name}: ${n} of ${plural(total, "member")} ${n === 1 ? "has" : "have"} not accepted image ${img.key}: ${names}; ${n === 1 ? "it" : "they"} cannot use it until ${n === 1 ? "it accepts" : "they accept"}`,
        resource: shares[s].name,
        path: ["shares", s, "members", first - start],
        profile: img.profile,
        fix: `declare an acceptance (status: accepted) of image ${img.key} for each, or have them accept it in the console (Images Shared with Me)`,
      };
    }
  },
};
