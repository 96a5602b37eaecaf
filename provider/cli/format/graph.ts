/**
 * The share graph of a topology: images (grouped by owner), copies between them, and the
 * members each image is shared with, with the findings marked. Drawn as mermaid (GitHub renders
 * it in markdown: the job summary, a comment) or as Graphviz dot.
 *
 * Mermaid renders at most 500 edges and 50,000 characters by default: a summary's graph folds
 * an image's members into one "N members" node beyond a few, keeps the members with findings,
 * and leaves out images without findings when even that is too large.
 */
import type { MemberRef, Topology, Violation } from "../../rules";

export interface GraphOptions {
  /** Fold an image's members into one node beyond this many (findings stay visible). */
  foldAbove?: number;
  /** At most this many edges: beyond it, only images with findings. */
  maxEdges?: number;
}

interface Node {
  id: string;
  label: string;
  kind: "image" | "product" | "member" | "folded";
  owner?: string;
  bad: boolean;
}

interface Edge {
  from: string;
  to: string;
  kind: "share" | "pending" | "copy";
  label?: string;
  bad: boolean;
}

export interface Graph {
  nodes: Node[];
  edges: Edge[];
  /** Images left out to keep the graph renderable. */
  omitted: number;
}

const refText = (m: MemberRef) => (typeof m === "string" ? m : m.project === undefined ? m.account : `${m.account}/${m.project}`);

/** The graph of a topology, with the elements that findings name marked. */
export function shareGraph(t: Topology, findings: readonly Violation[], options: GraphOptions = {}): Graph {
  const foldAbove = options.foldAbove ?? Infinity;
  const maxEdges = options.maxEdges ?? Infinity;
  // What the findings name: share edges, shares, images, copies, acceptances.
  const badEdge = new Set<string>();
  const badImage = new Set<string>();
  const badCopy = new Set<number>();
  const shareIndex = new Map(t.shares.map((s, i) => [s.name, i]));
  const accIndex = new Map(t.acceptances.map((a, i) => [a.name, i]));
  const copyIndex = new Map(t.copies.map((c, i) => [c.name, i]));
  for (const v of findings) {
    const p = v.path;
    let section = p?.[0];
    let at = p?.[1];
    if (section === undefined) {
      if (v.resource.startsWith("images.")) [section, at] = ["images", v.resource.slice(7)];
      else if (shareIndex.has(v.resource)) [section, at] = ["shares", shareIndex.get(v.resource)!];
      else if (accIndex.has(v.resource)) [section, at] = ["acceptances", accIndex.get(v.resource)!];
      else if (copyIndex.has(v.resource)) [section, at] = ["copies", copyIndex.get(v.resource)!];
    }
    if (section === "images" && typeof at === "string") badImage.add(at);
    else if (section === "shares" && typeof at === "number" && t.shares[at]) {
      if (p?.[2] === "members" && typeof p[3] === "number") badEdge.add(`${at}:${p[3]}`);
      else badImage.add(t.shares[at].image);
    } else if (section === "acceptances" && typeof at === "number" && t.acceptances[at]) {
      const a = t.acceptances[at];
      const edge = edgeOf(t, a.image, refText(a.member));
      if (edge) badEdge.add(edge);
      else badImage.add(a.image);
    } else if (section === "copies" && typeof at === "number") badCopy.add(at);
  }

  const accepted = new Set(t.acceptances.filter((a) => a.status === "accepted").map((a) => `${a.image}\u0000${refText(a.member)}`));
  const products = new Set(t.copies.map((c) => c.as));
  const imageKeys = [...new Set([...Object.keys(t.images), ...products])];
  const membersOf = new Map<string, Array<{ share: number; index: number; member: string }>>();
  t.shares.forEach((s, si) => s.members.forEach((m, mi) => {
    const list = membersOf.get(s.image) ?? [];
    list.push({ share: si, index: mi, member: refText(m) });
    membersOf.set(s.image, list);
  }));
  const copyOf = new Map(t.copies.map((c) => [c.as, c]));
  const badByCopy = new Set<string>();
  t.copies.forEach((c, i) => {
    if (badCopy.has(i)) badByCopy.add(c.source).add(c.as);
  });
  const imageBad = (k: string) => badImage.has(k) || badByCopy.has(k) || (membersOf.get(k) ?? []).some((e) => badEdge.has(`${e.share}:${e.index}`));

  const build = (onlyBad: boolean): Graph => {
    const nodes: Node[] = [];
    const edges: Edge[] = [];
    const ids = new Map<string, string>();
    const nodeId = (key: string, make: () => Omit<Node, "id">) => {
      let id = ids.get(key);
      if (id === undefined) {
        id = `n${ids.size}`;
        ids.set(key, id);
        nodes.push({ id, ...make() });
      }
      return id;
    };
    const kept = imageKeys.filter((k) => !onlyBad || imageBad(k));
    const keptSet = new Set(kept);
    for (const k of kept) {
      const img = t.images[k];
      const copy = copyOf.get(k);
      const region = img?.region ?? copy?.region ?? "";
      const owner = img?.owner ?? copy?.by ?? (copy ? t.images[copy.source]?.owner : undefined);
      const imageNode = nodeId(`image:${k}`, () => ({ label: `${k}\n${region}${img?.kind ? ` · ${img.kind}` : ""}`, kind: copy && !img?.id ? "product" : "image", ...(owner ? { owner } : {}), bad: imageBad(k) }));
      const list = membersOf.get(k) ?? [];
      const fold = list.length > foldAbove;
      let folded = 0;
      for (const e of list) {
        const bad = badEdge.has(`${e.share}:${e.index}`);
        if (fold && !bad) {
          folded++;
          continue;
        }
        const member = nodeId(`member:${e.member}`, () => ({ label: e.member, kind: "member", bad: false }));
        const pending = !accepted.has(`${k}\u0000${e.member}`) && t.acceptances.length > 0;
        edges.push({ from: imageNode, to: member, kind: pending ? "pending" : "share", label: t.shares[e.share].name, bad });
      }
      if (folded > 0) {
        const more = nodeId(`folded:${k}`, () => ({ label: `${folded} more member${folded === 1 ? "" : "s"}`, kind: "folded", bad: false }));
        edges.push({ from: imageNode, to: more, kind: "share", bad: false });
      }
    }
    t.copies.forEach((c, i) => {
      if (!keptSet.has(c.source) || !keptSet.has(c.as)) return;
      const from = ids.get(`image:${c.source}`)!;
      const to = ids.get(`image:${c.as}`)!;
      const sourceRegion = t.images[c.source]?.region ?? copyOf.get(c.source)?.region;
      edges.push({ from, to, kind: "copy", label: sourceRegion === c.region ? `replicate (${c.name})` : `copy to ${c.region} (${c.name})`, bad: badCopy.has(i) });
    });
    return { nodes, edges, omitted: imageKeys.length - kept.length };
  };
  const all = build(false);
  return all.edges.length <= maxEdges ? all : build(true);
}

function edgeOf(t: Topology, image: string, member: string): string | undefined {
  for (let s = 0; s < t.shares.length; s++) {
    if (t.shares[s].image !== image) continue;
    const m = t.shares[s].members.findIndex((x) => refText(x) === member);
    if (m !== -1) return `${s}:${m}`;
  }
  return undefined;
}

/** Mermaid text: `#quot;`-style entities keep labels inside their quotes. */
function mermaidLabel(s: string): string {
  return s.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;").replace(/\n/g, "<br/>");
}

/** A mermaid flowchart of the graph. */
export function toMermaid(g: Graph): string {
  const lines = ["flowchart LR"];
  const byOwner = new Map<string, Node[]>();
  const loose: Node[] = [];
  for (const n of g.nodes) {
    if ((n.kind === "image" || n.kind === "product") && n.owner) byOwner.set(n.owner, [...(byOwner.get(n.owner) ?? []), n]);
    else loose.push(n);
  }
  const shape = (n: Node) => {
    const label = `"${mermaidLabel(n.label)}"`;
    return n.kind === "member" ? `${n.id}([${label}])` : n.kind === "folded" ? `${n.id}{{${label}}}` : n.kind === "product" ? `${n.id}[/${label}/]` : `${n.id}[${label}]`;
  };
  let group = 0;
  for (const [owner, nodes] of byOwner) {
    lines.push(`  subgraph g${group++}["${mermaidLabel(`owner: ${owner}`)}"]`);
    for (const n of nodes) lines.push(`    ${shape(n)}`);
    lines.push("  end");
  }
  for (const n of loose) lines.push(`  ${shape(n)}`);
  const bad: number[] = [];
  g.edges.forEach((e, i) => {
    const arrow = e.kind === "pending" ? "-.->" : e.kind === "copy" ? "==>" : "-->";
    lines.push(`  ${e.from} ${arrow}${e.label && e.kind === "copy" ? `|"${mermaidLabel(e.label)}"|` : ""} ${e.to}`);
    if (e.bad) bad.push(i);
  });
  lines.push("  classDef bad fill:#fde2e1,stroke:#d1242f,stroke-width:2px");
  const badNodes = g.nodes.filter((n) => n.bad).map((n) => n.id);
  if (badNodes.length > 0) lines.push(`  class ${badNodes.join(",")} bad`);
  if (bad.length > 0) lines.push(`  linkStyle ${bad.join(",")} stroke:#d1242f,stroke-width:3px`);
  return lines.join("\n") + "\n";
}

/** Graphviz dot of the graph. */
export function toDot(g: Graph): string {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  const lines = ["digraph shares {", "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  const byOwner = new Map<string, Node[]>();
  for (const n of g.nodes) if ((n.kind === "image" || n.kind === "product") && n.owner) byOwner.set(n.owner, [...(byOwner.get(n.owner) ?? []), n]);
  const attrs = (n: Node) => {
    const shape = n.kind === "member" ? "ellipse" : n.kind === "folded" ? "hexagon" : n.kind === "product" ? "parallelogram" : "box";
    return `[label=${q(n.label)}, shape=${shape}${n.bad ? ', color="#d1242f", penwidth=2' : ""}]`;
  };
  let group = 0;
  for (const [owner, nodes] of byOwner) {
    lines.push(`  subgraph cluster_${group++} {`, `    label=${q(`owner: ${owner}`)};`);
    for (const n of nodes) lines.push(`    ${n.id} ${attrs(n)};`);
    lines.push("  }");
  }
  for (const n of g.nodes) if (!((n.kind === "image" || n.kind === "product") && n.owner)) lines.push(`  ${n.id} ${attrs(n)};`);
  for (const e of g.edges) {
    const style = [e.kind === "pending" ? "style=dashed" : e.kind === "copy" ? "style=bold" : "", e.label ? `label=${q(e.label)}` : "", e.bad ? 'color="#d1242f", penwidth=2' : ""].filter(Boolean).join(", ");
    lines.push(`  ${e.from} -> ${e.to}${style ? ` [${style}]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
