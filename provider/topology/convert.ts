/**
 * A checked topology file to the rules core's model: a copy's product declared under `images`
 * gets what the copy decides (region, owner, kind, name) filled in, so the model's required
 * fields hold.
 */
import type { Acceptance, Copy, Image, Share, Topology } from "../rules/model";
import type { TopologyInput } from "./schema";

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function toTopology(t: TopologyInput): Topology {
  const copies: Copy[] = (t.copies ?? []) as Copy[];
  const byAs = new Map<string, Copy>();
  for (const c of copies) if (!byAs.has(c.as)) byAs.set(c.as, c);
  const images: Record<string, Image> = {};
  for (const k of Object.keys(t.images)) {
    const img = t.images[k];
    if (img.id !== undefined) {
      images[k] = img as Image;
      continue;
    }
    // A declared product: the copy decides region, owner and kind (the rules core reads them from
    // the copy too); fill what the declaration leaves out so the model's required fields hold.
    const copy = byAs.get(k)!;
    const source = sourceImage(k, t, byAs);
    const filled: Image = {
      ...img,
      region: img.region ?? copy.region,
      owner: img.owner ?? copy.by ?? source?.owner ?? "",
      kind: img.kind ?? source?.kind ?? "system",
      name: img.name ?? copy.imageName ?? source?.name ?? k,
    };
    images[k] = filled;
  }
  const topology: Topology = {
    profile: t.profile,
    accounts: t.accounts,
    images,
    shares: (t.shares ?? []) as Share[],
    acceptances: (t.acceptances ?? []) as Acceptance[],
    copies,
  };
  if (t.limits !== undefined) topology.limits = t.limits;
  if (t.trust !== undefined) topology.trust = t.trust;
  if (t.strictTrust !== undefined) topology.strictTrust = t.strictTrust;
  if (t.regions !== undefined) topology.regions = t.regions;
  return topology;
}

/** The image with an id that a product comes from, following copies (checked acyclic). */
function sourceImage(k: string, t: TopologyInput, byAs: Map<string, Copy>): TopologyInput["images"][string] | undefined {
  let key = k;
  for (let guard = 0; guard <= byAs.size; guard++) {
    const decl = hasOwn(t.images, key) ? t.images[key] : undefined;
    if (decl && decl.id !== undefined) return decl;
    const copy = byAs.get(key);
    if (!copy) return decl;
    key = copy.source;
  }
  return undefined;
}
