/**
 * A whole program's `pulumi preview` through the stand-in engine (the real language runtime and
 * dynamic-provider host, as the engine launches them), on stacks of 100, 400 and 1,600
 * ImageShares (alicloud, two shares of each image, a member each), with a CrossRegionCopy of every
 * fourth image and a share of each copy's product (its image id the copy's output), against the
 * emulator's file.
 * What a platform team with a large share topology waits for at each pull request: the program
 * declaring its resources (each one's `stack` input built from the ledger) and each resource's
 * check. `npm run bench` runs this as its PROGRAM section; `ts-node bench/program.ts [N,...]` runs
 * it alone. Nothing here asserts a time; a failed preview is an error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runOperation } from "../test/engine/engine";
import { makeProject } from "../test/engine/fixtures";
import { makeWorld, regionsOf } from "../test/harness/world";

export interface ProgramFigures {
  /** ImageShares of the seeded images. */
  shares: number;
  images: number;
  /** CrossRegionCopies, each with a share of its product besides. */
  copies: number;
  /** Every resource of the stack but itself: shares, copies and the shares of the copies' products. */
  resources: number;
  /** Wall time of the preview, program and provider host started included. */
  ms: number;
  msPerResource: number;
}

// The resources come from a file beside the program: 1,600 of them do not fit in an environment variable (the config's way in).
const PROGRAM = `
const fs = require("node:fs");
const { CrossRegionCopy, ImageShare } = require("image-share");
const { shares, copies } = JSON.parse(fs.readFileSync(__dirname + "/stack.json", "utf8"));
for (const s of shares) new ImageShare(s.name, s.args);
for (const c of copies) {
  const copy = new CrossRegionCopy(c.name, c.args);
  new ImageShare(c.name + "-share", { ...c.share, imageId: copy.imageId });
}
`;

async function previewOf(count: number): Promise<ProgramFigures> {
  const dir = makeProject({ name: "many-shares", files: { "index.js": PROGRAM } });
  try {
    const world = makeWorld("alicloud", { dir, recipients: 2 });
    const images = Array.from({ length: count / 2 }, (_, i) => world.emulator.addImage({ profile: "alicloud", region: world.region, owner: world.owner, kind: "system", name: `golden-${i}` }));
    const [, otherRegion] = regionsOf("alicloud");
    const identity = { profile: "alicloud", region: world.region, account: world.owner, connection: { backend: "emulator", emulatorPath: world.db } };
    const shares = Array.from({ length: count }, (_, i) => ({
      name: `share-${i}`,
      args: { ...identity, imageId: images[i % images.length], members: [world.recipients[Math.floor(i / images.length)].account] },
    }));
    const copies = images
      .filter((_, i) => i % 4 === 0)
      .map((imageId, i) => ({
        name: `copy-${i}`,
        args: { ...identity, sourceImageId: imageId, targetRegion: otherRegion, name: `golden-copy-${i}` },
        share: { ...identity, region: otherRegion, members: [world.recipients[0].account] },
      }));
    fs.writeFileSync(path.join(dir, "stack.json"), JSON.stringify({ shares, copies }));
    const t0 = process.hrtime.bigint();
    const run = await runOperation("preview", { cwd: dir, state: path.join(dir, "state.json") });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!run.ok) throw new Error(`the preview of ${count} ImageShares failed:\n${run.output}`);
    const resources = count + 2 * copies.length;
    const creates = run.steps.filter((s) => s.op === "create" && s.type.startsWith("pulumi-nodejs:dynamic/")).length;
    if (creates !== resources) throw new Error(`the preview of ${resources} resources planned ${creates} creates`);
    return { shares: count, images: images.length, copies: copies.length, resources, ms, msPerResource: ms / resources };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function programBench(counts = [100, 400, 1600]): Promise<ProgramFigures[]> {
  const figures: ProgramFigures[] = [];
  for (const count of counts) figures.push(await previewOf(count));
  return figures;
}

export function programSummary(figures: ProgramFigures[]): string {
  const first = figures[0];
  return figures
    .map((f) => `preview of ${f.shares.toLocaleString("en")} ImageShares over ${f.images} images, ${f.copies} CrossRegionCopies and a share of each copy (${f.resources.toLocaleString("en")} resources): ${f.ms.toFixed(0)} ms, ${f.msPerResource.toFixed(1)} ms per resource${f === first ? "" : ` (${(f.msPerResource / first.msPerResource).toFixed(2)}x the ${first.resources}-resource stack's)`}`)
    .join("\n");
}

if (require.main === module) {
  programBench(process.argv[2]?.split(",").map(Number))
    .then((f) => process.stdout.write(`${programSummary(f)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`bench/program: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
