/**
 * A share renamed in the program (no alias), or removed while another share of the stack takes
 * over its members, through the stand-in engine: the engine creates (or updates) the new share and
 * deletes the old one at the end of the up. The old share's delete must leave on the image the
 * members a share of the stack manages now, or they would be unshared until the next up re-adds
 * them; a member no share declares any more is removed; a destroy removes every one of them, and
 * never a member added outside the stack. A killed host before that delete, and the delete sent
 * twice (an engine retry after a lost answer), change none of that.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import { regionsOf } from "../harness/world";
import { runOperation, type ProviderCall, type RunResult } from "./engine";
import { makeProject } from "./fixtures";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ImageShare } = require("image-share");
const config = new pulumi.Config();
const identity = config.requireObject("identity");
for (const s of config.requireObject("shares")) new ImageShare(s.name, { ...identity, imageId: s.imageId, members: s.members });
`;

const PROFILE = "tencentcloud" as const;
const ENV = { IMAGE_SHARE_JOB_POLL_MS: "20" };

class Stack {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-rename-"));
  readonly db = path.join(this.dir, "emulator.db");
  readonly state = path.join(this.dir, "state.json");
  readonly emulator: Emulator = openEmulator(this.db);
  readonly project = makeProject({ name: "rename", files: { "index.js": PROGRAM } }, this.dir);
  readonly region = regionsOf(PROFILE)[0];
  readonly owner = "200000000000";
  /** Two images, each with a case of its own in one stack. */
  readonly images: Record<"a" | "b", string>;
  /** A member added outside the stack (on each image): never removed. */
  readonly outside = this.member(99);

  constructor() {
    this.emulator.addAccounts([
      { id: this.owner, profile: PROFILE, projects: [] },
      ...Array.from({ length: 100 }, (_, i) => ({ id: this.member(i).id, profile: PROFILE, projects: [] })),
    ]);
    const image = (name: string) => this.emulator.addImage({ profile: PROFILE, region: this.region, owner: this.owner, kind: "system", name });
    this.images = { a: image("golden-a"), b: image("golden-b") };
    for (const id of Object.values(this.images)) this.emulator.addMembersDirectly(id, [this.outside]);
  }

  member(i: number): { type: "account"; id: string } {
    return { type: "account", id: String(300000000000 + i) };
  }

  /** `pulumi up` of shares `name -> member numbers` on image a (and on image b); `onProviderCall` as the engine's. */
  up(a: Record<string, number[]>, b: Record<string, number[]> = {}, onProviderCall?: (call: ProviderCall) => void): Promise<RunResult> {
    const on = (image: string, shares: Record<string, number[]>) => Object.entries(shares).map(([name, ms]) => ({ name, imageId: image, members: ms.map((i) => this.member(i)) }));
    const declared = [...on(this.images.a, a), ...on(this.images.b, b)];
    return runOperation("up", {
      cwd: this.project,
      state: this.state,
      env: ENV,
      config: {
        "image-share:emulatorPath": this.db,
        "rename:identity": JSON.stringify({ profile: PROFILE, region: this.region, account: this.owner }),
        "rename:shares": JSON.stringify(declared),
      },
      onProviderCall,
    });
  }

  destroy(): Promise<RunResult> {
    return runOperation("destroy", { cwd: this.project, state: this.state, env: ENV, config: { "image-share:emulatorPath": this.db } });
  }

  /** An image's members, as member numbers (the outside member as 99). */
  members(image: "a" | "b" = "a"): number[] {
    return (this.emulator.image(this.images[image])?.members ?? []).map((m) => Number(m.id) - 300000000000).sort((a, b) => a - b);
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const ops = (r: RunResult) => r.calls.filter((c) => c.method === "create" || c.method === "update" || c.method === "delete").map((c) => `${c.method} ${c.urn.split("::").pop()}`).sort();

describe("a share renamed or taken over without an alias, through the stand-in engine", function () {
  this.timeout(240_000);

  it("renamed (image a), and removed while another share takes over some of its members (image b): the members a share declares stay, the others go; destroy removes them", async () => {
    const s = new Stack();
    try {
      const first = await s.up({ "team-a": [0, 1, 2] }, { "team-x": [0, 1, 2], "team-y": [5] });
      assert.ok(first.ok, first.output);
      assert.deepEqual(s.members("a"), [0, 1, 2, 99]);
      assert.deepEqual(s.members("b"), [0, 1, 2, 5, 99]);
      const changed = await s.up({ "team-b": [0, 1, 2] }, { "team-y": [1, 5] });
      assert.ok(changed.ok, changed.output);
      assert.deepEqual(ops(changed), ["create team-b", "delete team-a", "delete team-x", "update team-y"]);
      assert.deepEqual(s.members("a"), [0, 1, 2, 99], "the members stay shared across the rename");
      assert.deepEqual(s.members("b"), [1, 5, 99], "member 1 moved to team-y stays; 0 and 2, declared by no share, are removed");
      const again = await s.up({ "team-b": [0, 1, 2] }, { "team-y": [1, 5] });
      assert.ok(again.ok, again.output);
      assert.deepEqual(ops(again), [], "nothing left to do");
      const destroyed = await s.destroy();
      assert.ok(destroyed.ok, destroyed.output);
      assert.deepEqual([s.members("a"), s.members("b")], [[99], [99]], "destroy removes every declared member, never the one added outside the stack");
    } finally {
      s.close();
    }
  });

  it("renamed, the host killed before the old share's delete: the next up's delete, sent twice, still leaves the new share's members", async () => {
    const s = new Stack();
    try {
      assert.ok((await s.up({ "team-a": [0, 1, 2] })).ok);
      const killed = await s.up({ "team-b": [0, 1, 2, 3] }, {}, (call) => {
        if (call.method === "delete") void call.host.kill();
      });
      assert.equal(killed.ok, false, "the host was killed before the delete");
      assert.deepEqual(s.members(), [0, 1, 2, 3, 99]);
      // The delete sent twice, its first answer lost (an engine retry): the second finds the
      // members already settled and must not remove team-b's.
      const next = await s.up({ "team-b": [0, 1, 2, 3] }, {}, (call) => (call.method === "delete" ? "repeat" : undefined));
      assert.ok(next.ok, next.output);
      assert.deepEqual(ops(next), ["delete team-a"]);
      assert.deepEqual(s.members(), [0, 1, 2, 3, 99], "team-b's members stay shared");
      assert.ok((await s.destroy()).ok);
      assert.deepEqual(s.members(), [99]);
    } finally {
      s.close();
    }
  });
});
