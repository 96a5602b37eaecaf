import { strict as assert } from "node:assert";
import type { Topology } from "../../provider/rules/model";
import { validate } from "../../provider/rules";
import type { ImageInfo, ImageService, Member } from "../../provider/backends/types";
import { ImageServiceError } from "../../provider/backends/errors";
import { mapTopology } from "../../provider/resources/mapping";
import { formatText, observedFrom, planTopology, readImages } from "../../provider/cli/plan";
import { DEFAULT_CONCURRENCY } from "../../provider/backends/retry";

const ID = {
  platform: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
  platformBj: "1a1b2c3d4e5f60718293a4b5c6d7e8f9",
  platformGz: "2a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamA: "3a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamAGz: "5a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamB: "6a1b2c3d4e5f60718293a4b5c6d7e8f9",
  teamBBj: "7a1b2c3d4e5f60718293a4b5c6d7e8f9",
  stranger: "9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f9f",
  golden: "8a1e9c2b-3d4f-4a6b-8c7d-9e0f1a2b3c4d",
};

function topology(limit?: number): Topology {
  return {
    profile: "huaweicloud",
    ...(limit === undefined ? {} : { limits: { member: limit } }),
    accounts: {
      platform: { id: ID.platform, site: "cn", projects: { "platform-bj": { id: ID.platformBj, region: "cn-north-4" }, "platform-gz": { id: ID.platformGz, region: "cn-south-1" } } },
      "team-a": { id: ID.teamA, site: "cn", projects: { "team-a-gz": { id: ID.teamAGz, region: "cn-south-1" } } },
      "team-b": { id: ID.teamB, site: "cn", projects: { "team-b-bj": { id: ID.teamBBj, region: "cn-north-4" } } },
    },
    images: { golden: { id: ID.golden, region: "cn-north-4", owner: "platform", project: "platform-bj", kind: "system", name: "golden-ubuntu" } },
    shares: [
      { name: "golden-to-teams", image: "golden", members: ["team-a", { account: "team-b", project: "team-b-bj" }] },
      { name: "gz-to-team-a", image: "golden-gz", members: [{ account: "team-a", project: "team-a-gz" }] },
    ],
    acceptances: [
      { name: "team-a-accepts", image: "golden", member: "team-a", status: "accepted" },
      { name: "team-a-gz-accepts", image: "golden-gz", member: { account: "team-a", project: "team-a-gz" }, status: "accepted" },
    ],
    copies: [{ name: "golden-to-gz", source: "golden", region: "cn-south-1", as: "golden-gz" }],
  };
}

/** A read-only cloud in memory: only what plan calls (getImage, listMembers) answers. */
function cloud(images: Record<string, { info: ImageInfo; members: Member[] }>, calls: string[]) {
  return (actor: { account: string; project?: string }): ImageService => {
    const refuse = () => {
      throw new Error("plan must not write");
    };
    return {
      profile: "huaweicloud",
      region: "cn-north-4",
      async findOwnedImages(name) {
        calls.push(`findOwnedImages ${name} as ${actor.account}/${actor.project}`);
        return Object.values(images)
          .map((i) => i.info)
          .filter((i) => i.name === name && !i.sharedWithCaller && i.owner === actor.account && i.ownerProject === actor.project);
      },
      async getImage(id) {
        calls.push(`getImage ${id} as ${actor.account}/${actor.project}`);
        const i = images[id];
        if (!i) throw new ImageServiceError("not-found", `image ${id} not found`, { cloudCode: "IMG.0027" });
        return i.info;
      },
      async listMembers(id, page) {
        calls.push(`listMembers ${id}`);
        // Two pages, to check that plan reads them all.
        const all = images[id].members;
        const start = page?.pageToken ? Number(page.pageToken) : 0;
        const items = all.slice(start, start + 1);
        return { items, ...(start + 1 < all.length ? { nextPageToken: String(start + 1) } : {}) };
      },
      addMembers: refuse,
      removeMembers: refuse,
      setMemberStatus: refuse,
      copyImage: refuse,
      getJob: refuse,
      deleteImage: refuse,
    };
  };
}

const goldenInfo: ImageInfo = { id: ID.golden, region: "cn-north-4", owner: ID.platform, ownerProject: ID.platformBj, kind: "system", name: "golden-ubuntu", status: "available", sharedWithCaller: false };

describe("plan: what an apply would do, with what the cloud holds", () => {
  it("adds only absent members, accepts what is not accepted, copies, and lists members outside the file", async () => {
    const t = topology();
    const calls: string[] = [];
    const service = cloud({ [ID.golden]: { info: goldenInfo, members: [{ type: "account", id: ID.teamA, status: "accepted" }, { type: "account", id: ID.stranger, status: "pending" }] } }, calls);
    const mapping = mapTopology(t);
    const readings = await readImages(t, mapping, service);
    assert.deepEqual(calls, [
      `getImage ${ID.golden} as ${ID.platform}/${ID.platformBj}`,
      `listMembers ${ID.golden}`,
      `listMembers ${ID.golden}`,
      // The copy's product, by the name the copy gives it, as the copying account in the target region: not made yet.
      `findOwnedImages golden-ubuntu-cn-south-1 as ${ID.platform}/${ID.platformGz}`,
    ]);
    const observed = observedFrom(t, readings);
    assert.deepEqual(observed.images?.golden.members, [{ member: "team-a", status: "accepted" }]);
    assert.deepEqual(observed.images?.golden.otherMembers, [{ member: ID.stranger, status: "pending" }]);

    const result = planTopology("topology.yaml", t, mapping, readings, validate(t, observed));
    const teams = result.shares.find((s) => s.resource === "golden-to-teams")!;
    assert.deepEqual(teams.add.map((m) => m.member), ["team-b/team-b-bj"]);
    assert.deepEqual(teams.present.map((m) => [m.member, m.status]), [["team-a", "accepted"]]);
    const gz = result.shares.find((s) => s.resource === "gz-to-team-a")!;
    assert.equal(gz.imageId, undefined);
    assert.deepEqual(gz.add.map((m) => m.target), [{ type: "project", id: ID.teamAGz }]);
    assert.deepEqual(result.acceptances.map((a) => [a.resource, a.action, a.current]), [["team-a-accepts", "none", "accepted"], ["team-a-gz-accepts", "accept", "absent"]]);
    assert.deepEqual(result.copies.map((c) => [c.resource, c.from, c.region, c.as]), [["golden-to-gz", "cn-north-4", "cn-south-1", "golden-gz"]]);
    assert.deepEqual(result.outside, [{ image: "golden", imageId: ID.golden, members: [{ type: "account", id: ID.stranger, status: "pending" }] }]);
    assert.deepEqual({ ...result.summary, warnings: 0 }, { add: 2, copy: 1, accept: 1, reject: 0, outside: 1, differences: 0, errors: 0, warnings: 0 });

    const text = formatText(result);
    assert.match(text, /share golden-to-teams: image golden \(8a1e9c2b-[^)]*\) in cn-north-4, by platform/);
    assert.match(text, /\+ add team-b\/team-b-bj \(project 7a1b/);
    assert.match(text, /= team-a \(account 3a1b[^)]*\) already a member, accepted/);
    assert.match(text, /1 member\(s\) outside the file, counted toward the limit, not removed/);
    assert.match(text, /copy golden-to-gz: \+ copy image golden .* from cn-north-4 to cn-south-1 as golden-gz, by platform/);
    assert.match(text, /acceptance team-a-gz-accepts: team-a\/team-a-gz on image golden-gz: accept, once the share above adds the member \(not a member yet\)/);
    // In the order an apply goes: the copy before the shares of its product, acceptances last.
    const at = (re: RegExp) => text.search(re);
    assert.ok(at(/ copy golden-to-gz:/) < at(/ share /) && at(/ share /) < at(/ acceptance /), text);
    // An in-region copy is a replicate, not a copy "from R to R".
    const replicate = formatText({ ...result, copies: [{ ...result.copies[0], region: "cn-north-4" }] });
    assert.match(replicate, /copy golden-to-gz: \+ replicate image golden \([^)]*\) in cn-north-4 as golden-gz, by platform/);
    assert.doesNotMatch(replicate, /from cn-north-4 to cn-north-4/);
  });

  it("counts members outside the file toward the limit", async () => {
    const members: Member[] = [{ type: "account", id: ID.stranger, status: "accepted" }];
    const t = topology(2); // golden: 2 declared + 1 outside > 2
    const mapping = mapTopology(t);
    const readings = await readImages(t, mapping, cloud({ [ID.golden]: { info: goldenInfo, members } }, []));
    const result = planTopology("f", t, mapping, readings, validate(t, observedFrom(t, readings)));
    assert.ok(result.violations.some((v) => v.rule === "member-limit" && v.severity === "error"), JSON.stringify(result.violations));
    assert.ok(result.summary.errors >= 1);
    assert.match(formatText(result), /error \[member-limit\]/);

    const ok = topology(3);
    const readings3 = await readImages(ok, mapTopology(ok), cloud({ [ID.golden]: { info: goldenInfo, members } }, []));
    const r3 = planTopology("f", ok, mapTopology(ok), readings3, validate(ok, observedFrom(ok, readings3)));
    assert.ok(!r3.violations.some((v) => v.rule === "member-limit"), "exactly at the limit passes");
  });

  it("compares an existingMembers list with the cloud: listed and absent, another status, present and unlisted", async () => {
    const t = topology();
    t.accounts.stranger = { id: ID.stranger };
    t.accounts.other = { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" };
    t.images.golden.existingMembers = [{ account: "stranger", status: "accepted" }, { account: "other" }];
    const members: Member[] = [
      { type: "account", id: ID.teamA, status: "accepted" }, // a share declares it
      { type: "account", id: ID.stranger, status: "pending" }, // listed as accepted
      { type: "account", id: "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f", status: "accepted" }, // not listed
    ];
    const mapping = mapTopology(t);
    const readings = await readImages(t, mapping, cloud({ [ID.golden]: { info: goldenInfo, members } }, []));
    const result = planTopology("f", t, mapping, readings, validate(t, observedFrom(t, readings)));
    assert.deepEqual(result.existing, [
      {
        image: "golden",
        imageId: ID.golden,
        missing: [{ member: "other", target: { type: "account", id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9" }, status: "pending" }],
        status: [{ member: "stranger", target: { type: "account", id: ID.stranger }, listed: "accepted", cloud: "pending" }],
        unlisted: [{ type: "account", id: "5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f5f", status: "accepted" }],
      },
    ]);
    assert.equal(result.summary.differences, 3);
    const text = formatText(result);
    assert.match(text, /image golden \([^)]*\): its existingMembers list differs from the cloud:/);
    assert.match(text, /- other \(account 4a1b[^)]*\): listed pending, not a member in the cloud/);
    assert.match(text, /! stranger \(account 9f9f[^)]*\): listed accepted, pending in the cloud/);
    assert.match(text, /\+ account 5f5f[^,]*, accepted: in the cloud, not listed/);
    assert.match(text, /3 difference\(s\) from existingMembers/);
    // A list that matches the cloud: no difference.
    t.images.golden.existingMembers = [{ account: "stranger", status: "pending" }];
    const same = await readImages(t, mapping, cloud({ [ID.golden]: { info: goldenInfo, members: members.slice(0, 2) } }, []));
    assert.deepEqual(planTopology("f", t, mapping, same, []).existing, []);
  });

  it("finds a copy an earlier apply made by its name, and reads its product's members as the file's images", async () => {
    const t = topology();
    const product = "c0c0c0c0-3d4f-4a6b-8c7d-9e0f1a2b3c4d";
    const productInfo: ImageInfo = { id: product, region: "cn-south-1", owner: ID.platform, ownerProject: ID.platformGz, kind: "system", name: "golden-ubuntu-cn-south-1", status: "available", sharedWithCaller: false, sourceImageId: ID.golden };
    const golden = { info: goldenInfo, members: [{ type: "account" as const, id: ID.teamA, status: "accepted" as const }] };
    const calls: string[] = [];
    const mapping = mapTopology(t);
    const readings = await readImages(t, mapping, cloud({ [ID.golden]: golden, [product]: { info: productInfo, members: [{ type: "project", id: ID.teamAGz, status: "accepted" }] } }, calls));
    assert.ok(calls.includes(`listMembers ${product}`), calls.join("\n"));
    const result = planTopology("f", t, mapping, readings, validate(t, observedFrom(t, readings)));
    assert.deepEqual(result.copies.map((c) => [c.resource, c.made]), [["golden-to-gz", { imageId: product, status: "available" }]]);
    const gz = result.shares.find((s) => s.resource === "gz-to-team-a")!;
    assert.equal(gz.imageId, product);
    assert.deepEqual([gz.add, gz.present.map((m) => [m.member, m.status])], [[], [["team-a/team-a-gz", "accepted"]]]);
    assert.deepEqual(result.acceptances.map((a) => [a.resource, a.action]), [["team-a-accepts", "none"], ["team-a-gz-accepts", "none"]]);
    assert.deepEqual({ ...result.summary, warnings: 0 }, { add: 1, copy: 0, accept: 0, reject: 0, outside: 0, differences: 0, errors: 0, warnings: 0 });
    const text = formatText(result);
    assert.match(text, new RegExp(`copy golden-to-gz: = copy image golden \\([^)]*\\) from cn-north-4 to cn-south-1 as golden-gz, by platform: made, image ${product} \\(available\\)`));
    assert.match(text, new RegExp(`share gz-to-team-a: image golden-gz \\(${product}\\) in cn-south-1`));
    assert.match(text, /plan: 1 member\(s\) to add, 0 copies/);

    // Not the product: a failed copy's image (the next apply copies again), and an image of that name made from another source.
    const failed = { info: { ...productInfo, status: "failed" as const }, members: [] };
    const other = { info: { ...productInfo, id: "d0d0d0d0-3d4f-4a6b-8c7d-9e0f1a2b3c4d", sourceImageId: "e0e0e0e0-3d4f-4a6b-8c7d-9e0f1a2b3c4d" }, members: [] };
    const notMade = await readImages(t, mapping, cloud({ [ID.golden]: golden, [product]: failed, [other.info.id]: other }, []));
    const again = planTopology("f", t, mapping, notMade, []);
    assert.deepEqual([again.copies[0].made, again.summary.copy, again.problems], [undefined, 1, []]);

    // An image of that name whose source the backend does not tell, beside the product: the product.
    const unknown = { info: { ...productInfo, id: "b0b0b0b0-3d4f-4a6b-8c7d-9e0f1a2b3c4d", sourceImageId: undefined }, members: [] };
    const beside = await readImages(t, mapping, cloud({ [ID.golden]: golden, [product]: { info: productInfo, members: [] }, [unknown.info.id]: unknown }, []));
    assert.equal(planTopology("f", t, mapping, beside, []).copies[0].made?.imageId, product);
    // Alone, it may be the product (a backend that does not say what an image was made from).
    const alone = await readImages(t, mapping, cloud({ [ID.golden]: golden, [unknown.info.id]: unknown }, []));
    assert.equal(planTopology("f", t, mapping, alone, []).copies[0].made?.imageId, unknown.info.id);

    // Two images of that name from the same source: plan cannot tell which is the product, and says so.
    const twin = { info: { ...productInfo, id: "f0f0f0f0-3d4f-4a6b-8c7d-9e0f1a2b3c4d" }, members: [] };
    const two = await readImages(t, mapping, cloud({ [ID.golden]: golden, [product]: { info: productInfo, members: [] }, [twin.info.id]: twin }, []));
    const ambiguous = planTopology("f", t, mapping, two, []);
    assert.deepEqual(ambiguous.problems, [{ resource: "images.golden-gz", message: `2 images named "golden-ubuntu-cn-south-1" in cn-south-1 (${product}, ${twin.info.id}) may be the product of copy golden-to-gz: cannot tell which; rename or delete the others` }]);
    assert.equal(ambiguous.summary.errors, 1);
  });

  it("reports an image the backend cannot read as an error of the plan", async () => {
    const t = topology();
    const mapping = mapTopology(t);
    const readings = await readImages(t, mapping, cloud({}, []));
    const result = planTopology("f", t, mapping, readings, validate(t, observedFrom(t, readings)));
    assert.deepEqual(result.problems, [{ resource: "images.golden", message: `image ${ID.golden} not found` }]);
    assert.ok(result.summary.errors >= 1);
    assert.match(formatText(result), /error images\.golden: image .* not found/);
  });

  it("reads the copies' products at once, but a copy of a copy's product after that product", async () => {
    const t = topology();
    t.accounts.platform.projects!["platform-sh"] = { id: "4a1b2c3d4e5f60718293a4b5c6d7e8f9", region: "cn-east-3" };
    t.shares = [];
    t.acceptances = [];
    t.copies = [
      { name: "golden-to-gz", source: "golden", region: "cn-south-1", as: "golden-gz" },
      { name: "gz-to-sh", source: "golden-gz", region: "cn-east-3", as: "golden-gz-sh" },
      { name: "golden-to-sh", source: "golden", region: "cn-east-3", as: "golden-sh" },
    ];
    const mapping = mapTopology(t);
    const copy = (as: string) => mapping.copies.find((c) => c.as === as)!;
    const project = (region: string) => Object.values(t.accounts.platform.projects!).find((p) => p.region === region)!.id;
    const product = (as: string, n: number, region: string, source: string): ImageInfo => ({ ...goldenInfo, id: `c${n}c0c0c0-3d4f-4a6b-8c7d-9e0f1a2b3c4d`, region, ownerProject: project(region), name: copy(as).imageName, sourceImageId: source });
    const gz = product("golden-gz", 1, "cn-south-1", ID.golden);
    const gzSh = product("golden-gz-sh", 2, "cn-east-3", gz.id);
    const sh = product("golden-sh", 3, "cn-east-3", ID.golden);
    const service = cloud(Object.fromEntries([goldenInfo, gz, gzSh, sh].map((info) => [info.id, { info, members: [] }])), []);
    const events: string[] = [];
    const slow = (actor: { account: string; project?: string }): ImageService => {
      const s = service(actor);
      return {
        ...s,
        async findOwnedImages(name) {
          events.push(`start ${name}`);
          await new Promise((r) => setTimeout(r, 20));
          events.push(`end ${name}`);
          return s.findOwnedImages(name);
        },
      };
    };
    const readings = await readImages(t, mapping, slow);
    assert.deepEqual(Object.keys(readings), ["golden", "golden-gz", "golden-gz-sh", "golden-sh"]);
    assert.deepEqual([readings["golden-gz"].info?.id, readings["golden-gz-sh"].info?.id, readings["golden-sh"].info?.id], [gz.id, gzSh.id, sh.id]);
    const [first, second, third] = [gz, sh, gzSh].map((i) => i.name);
    assert.deepEqual(events, [`start ${first}`, `start ${second}`, `end ${first}`, `end ${second}`, `start ${third}`, `end ${third}`], "both copies of golden at once, then the copy of golden-gz's product");
  });

  it("reads DEFAULT_CONCURRENCY images at once, and gives the readings in the file's order", async () => {
    const t: Topology = { ...topology(), shares: [], acceptances: [], copies: [], images: {} };
    const ids = Array.from({ length: 25 }, (_, i) => `8a1e9c2b-3d4f-4a6b-8c7d-${String(i).padStart(12, "0")}`);
    // Descending names: an order other than the ids' or the answers'.
    ids.forEach((id, i) => (t.images[`image-${String(99 - i)}`] = { id, region: "cn-north-4", owner: "platform", project: "platform-bj", kind: "system", name: `n${i}` }));
    let inFlight = 0;
    let most = 0;
    const service = cloud(Object.fromEntries(ids.map((id) => [id, { info: { ...goldenInfo, id }, members: [] }])), []);
    const slow = (actor: { account: string; project?: string }): ImageService => {
      const s = service(actor);
      return {
        ...s,
        async getImage(id) {
          most = Math.max(most, ++inFlight);
          // Later images answer first.
          await new Promise((r) => setTimeout(r, 30 - ids.indexOf(id)));
          inFlight--;
          return s.getImage(id);
        },
      };
    };
    const readings = await readImages(t, mapTopology(t), slow);
    assert.equal(most, DEFAULT_CONCURRENCY);
    assert.deepEqual(Object.keys(readings), Object.keys(t.images));
    assert.deepEqual(Object.values(readings).map((r) => r.info?.id), ids);
  });
});
