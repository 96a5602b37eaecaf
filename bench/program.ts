/**
 * A whole program's `pulumi preview` through the stand-in engine (the real language runtime and
 * dynamic-provider host, as the engine launches them), on stacks of 100, 400 and 1,600
 * ImageShares (alicloud, two shares of each image, a member each) against the emulator's file.
 * What a platform team with a large share topology waits for at each pull request: the program
 * declaring its resources (each one's `stack` input built from the ledger) and each resource's
 * check. `npm run bench` runs this as its PROGRAM section; `ts-node bench/program.ts [N,...]` runs
 * it alone. Nothing here asserts a time; a failed preview is an error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runOperation } from "../test/engine/engine";
import { makeProject } from "../test/engine/fixtures";
import { makeWorld } from "../test/harness/world";

export interface ProgramFigures {
  resources: number;
  images: number;
  /** Wall time of the preview, program and provider host started included. */
  ms: number;
  msPerResource: number;
}

// The shares come from a file beside the program: 1,600 of them do not fit in an environment variable (the config's way in).
const PROGRAM = `
const fs = require("node:fs");
const { ImageShare } = require("image-share");
for (const s of JSON.parse(fs.readFileSync(__dirname + "/shares.json", "utf8"))) new ImageShare(s.name, s.args);
`;

async function previewOf(count: number): Promise<ProgramFigures> {
  const dir = makeProject({ name: "many-shares", files: { "index.js": PROGRAM } });
  try {
    const world = makeWorld("alicloud", { dir, recipients: 2 });
    const images = Array.from({ length: count / 2 }, (_, i) => world.emulator.addImage({ profile: "alicloud", region: world.region, owner: world.owner, kind: "system", name: `golden-${i}` }));
    const shares = Array.from({ length: count }, (_, i) => ({
      name: `share-${i}`,
      args: {
        profile: "alicloud",
        region: world.region,
        account: world.owner,
        connection: { backend: "emulator", emulatorPath: world.db },
        imageId: images[i % images.length],
        members: [world.recipients[Math.floor(i / images.length)].account],
      },
    }));
    fs.writeFileSync(path.join(dir, "shares.json"), JSON.stringify(shares));
    const t0 = process.hrtime.bigint();
    const run = await runOperation("preview", { cwd: dir, state: path.join(dir, "state.json") });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!run.ok) throw new Error(`the preview of ${count} ImageShares failed:\n${run.output}`);
    const creates = run.steps.filter((s) => s.op === "create" && s.type.endsWith(":ImageShare")).length;
    if (creates !== count) throw new Error(`the preview of ${count} ImageShares planned ${creates} creates`);
    return { resources: count, images: images.length, ms, msPerResource: ms / count };
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
    .map((f) => `preview of ${f.resources.toLocaleString("en")} ImageShares over ${f.images} images: ${f.ms.toFixed(0)} ms, ${f.msPerResource.toFixed(1)} ms per resource${f === first ? "" : ` (${(f.msPerResource / first.msPerResource).toFixed(2)}x the ${first.resources}-share stack's)`}`)
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
