/**
 * The copy rules and the emulator's model read the same `copy` facts of the profile table: on
 * every (profile, owned / shared, same / other region) case, the rule validate reports is the
 * rule the model refuses the copy with (or neither), and both are the verdict the clouds'
 * sources give (the table below, written out so that a changed fact fails here too).
 */
import assert = require("node:assert/strict");
import { ImageServiceError } from "../../provider/backends/errors";
import { memoryEmulator } from "../../provider/backends/emulator";
import { PROFILE_IDS, PROFILES, validate, type ProfileId } from "../../provider/rules";
import { OTHER_REGION, REGION, topology } from "./fixtures";

type Verdict = "copy-of-shared-image" | "copy-same-region" | "cross-region-copy-unsupported" | "passes";

/** [owned same region, owned other region, shared same region, shared other region] */
const EXPECTED: Record<ProfileId, [Verdict, Verdict, Verdict, Verdict]> = {
  // Seed 001: the recipient replicates the accepted share to a private image in its region, then copies that.
  huaweicloud: ["passes", "passes", "passes", "copy-of-shared-image"],
  // Open Telekom Cloud IMS API: in-region copy only (no CopyImageCrossRegion).
  opentelekomcloud: ["passes", "cross-region-copy-unsupported", "passes", "cross-region-copy-unsupported"],
  // CopyImage reference: a shared image only within its region.
  alicloud: ["passes", "passes", "passes", "copy-of-shared-image"],
  // SyncImages reference: a custom image to other regions only, a shared one into its source region only.
  tencentcloud: ["copy-same-region", "passes", "passes", "copy-of-shared-image"],
};

const CASES = [
  { shared: false, sameRegion: true },
  { shared: false, sameRegion: false },
  { shared: true, sameRegion: true },
  { shared: true, sameRegion: false },
] as const;

/** The rule validate reports for the copy (errors only), or "passes". */
function byRules(profile: ProfileId, shared: boolean, sameRegion: boolean): Verdict {
  const t = topology(profile);
  const region = sameRegion ? REGION[profile] : OTHER_REGION[profile];
  if (shared) {
    t.shares.push({ name: "to-a", image: "golden", members: ["team-a"] });
    if (PROFILES[profile].acceptance) t.acceptances.push({ name: "a-accepts", image: "golden", member: "team-a", status: "accepted" });
  }
  t.copies.push({ name: "c", source: "golden", region, ...(shared ? { by: "team-a" } : {}), as: "golden-c" });
  const errors = validate(t).filter((v) => v.severity === "error");
  assert.ok(errors.length <= 1, JSON.stringify(errors));
  return (errors[0]?.rule as Verdict | undefined) ?? "passes";
}

/** The rule the emulator's model refuses the copy with, or "passes" when it starts the copy. */
async function byModel(profile: ProfileId, shared: boolean, sameRegion: boolean): Promise<Verdict> {
  const e = memoryEmulator();
  const projects = PROFILES[profile].shareTarget !== "account";
  const account = (id: string) => ({
    id,
    profile,
    ...(projects ? { projects: [{ id: `${id}-main`, region: REGION[profile] }, { id: `${id}-other`, region: OTHER_REGION[profile] }] } : {}),
  });
  e.addAccount(account("owner1"));
  e.addAccount(account("team1"));
  const image = e.addImage({ region: REGION[profile], owner: "owner1", ...(projects ? { ownerProject: "owner1-main" } : {}), kind: "system", name: "golden" });
  const copier = shared ? "team1" : "owner1";
  if (shared) {
    const member = PROFILES[profile].shareTarget === "project" ? { type: "project" as const, id: "team1-main" } : { type: "account" as const, id: "team1" };
    e.addMembersDirectly(image, [{ ...member, status: "accepted" }]);
  }
  const service = e.service({ profile, region: REGION[profile], account: copier, ...(projects ? { project: `${copier}-main` } : {}) });
  try {
    await service.copyImage({ imageId: image, region: sameRegion ? REGION[profile] : OTHER_REGION[profile] });
    return "passes";
  } catch (err) {
    assert.ok(err instanceof ImageServiceError, String(err));
    assert.ok(err.rule, `the model refused without a rule id: ${err.message}`);
    return err.rule as Verdict;
  }
}

describe("copy rules and the emulator's model agree (the profile table's copy facts)", () => {
  for (const profile of PROFILE_IDS) {
    for (const c of CASES) {
      const label = `${profile}: ${c.shared ? "a shared image" : "an owned image"} to ${c.sameRegion ? "its own region" : "another region"}`;
      it(label, async () => {
        const expected = EXPECTED[profile][CASES.indexOf(c)];
        assert.equal(byRules(profile, c.shared, c.sameRegion), expected, "validate");
        assert.equal(await byModel(profile, c.shared, c.sameRegion), expected, "the emulator's model");
      });
    }
  }
});
