/**
 * Random sequences of `pulumi up` over ImageShare resources, and the check that they converge
 * (used by convergence.test.ts and parallel.test.ts).
 */
import assert = require("node:assert/strict");
import fc = require("fast-check");
import type { ProfileId } from "../../provider/rules/model";
import type { MemberTarget } from "../../provider/backends/types";
import { Engine, key, makeWorld, type Declared } from "./engine";

/** The stack's shape: `slots` ImageShare resources over `images` images (slot i on image i % images), each declaring members of its own slice. */
export interface Shape {
  slots: number;
  images: number;
  slice: number;
}
// Four resources, two per image, up to 12 members each (alicloud: two batches of 10).
export const SERIAL: Shape = { slots: 4, images: 2, slice: 12 };
const OUTSIDE = 2; // members per image added outside the stack

export interface Scenario {
  faultSeed: number;
  halfBatch: number;
  batchSize?: number;
  /** Per up: for each slot, its members (indexes into its slice) or null (not declared). */
  steps: (number[] | null)[][];
}

export const scenario = (profile: ProfileId, shape: Shape = SERIAL): fc.Arbitrary<Scenario> =>
  fc.record({
    faultSeed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    halfBatch: fc.integer({ min: 1, max: 3 }),
    // alicloud's API takes 10 per call; the others get small batches too, so that batches fail half way.
    batchSize: profile === "alicloud" ? fc.constant(undefined) : fc.constantFrom(undefined, 3, 5),
    steps: fc.array(
      fc.array(fc.option(fc.subarray(Array.from({ length: shape.slice }, (_, i) => i)), { nil: null, freq: 3 }), { minLength: shape.slots, maxLength: shape.slots }),
      { minLength: 1, maxLength: 5 },
    ),
  });

/** Runs a scenario on a fresh world and checks convergence; throws with what differs. */
export async function runScenario(profile: ProfileId, s: Scenario, parallel = false, shape: Shape = SERIAL): Promise<void> {
  const { slots, slice: size, images } = shape;
  const w = makeWorld(profile, { images, recipients: slots * size + images * OUTSIDE });
  try {
    const slice = (slot: number): MemberTarget[] => w.pool.slice(slot * size, (slot + 1) * size);
    const imageOf = (slot: number) => w.images[slot % images];
    const outside = new Map(w.images.map((img, i) => [img, w.pool.slice(slots * size + i * OUTSIDE, slots * size + (i + 1) * OUTSIDE)]));
    for (const [img, ms] of outside) w.emulator.addMembersDirectly(img, ms);
    if (s.batchSize) w.emulator.configure({ batchSize: { [profile]: s.batchSize } });
    w.emulator.setFaults({ seed: s.faultSeed, throttle: 0.2, serverError: 0.05, halfBatch: s.halfBatch });

    const engine = new Engine(w.inputs);
    const declaration = (step: (number[] | null)[]): Record<string, Declared | undefined> =>
      Object.fromEntries(step.map((ix, slot) => [`share${slot}`, ix === null ? undefined : { imageId: imageOf(slot), members: ix.map((i) => slice(slot)[i]) }]));

    for (const step of s.steps) await engine.up(declaration(step), parallel);
    const final = declaration(s.steps[s.steps.length - 1]);
    await engine.converge(final, 60, parallel);
    for (const img of w.images) {
      const expected = [...(outside.get(img) ?? []), ...Object.values(final).flatMap((d) => (d && d.imageId === img ? d.members : []))].map(key).sort();
      assert.deepEqual(w.members(img), expected, `members of ${img} after converging`);
    }
    // Destroy: only the members added outside the stack stay.
    await engine.converge(Object.fromEntries(Object.keys(final).map((n) => [n, undefined])), 60, parallel);
    assert.equal(engine.state.size, 0);
    for (const img of w.images) assert.deepEqual(w.members(img), (outside.get(img) ?? []).map(key).sort(), `members of ${img} after destroy`);
  } finally {
    w.cleanup();
  }
}

