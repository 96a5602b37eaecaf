/** Wording shared by the rules' messages. Called only when a finding is made (never per edge). */
import type { MemberRef } from "./model";
import { PROFILES } from "./profiles";
import { type ResolvedImage, type RuleContext, shareOfEdge } from "./context";

/** A member reference as the file writes it: `team-a` or `team-b/team-b-bj`. */
export function refLabel(ref: MemberRef | undefined): string {
  if (typeof ref === "string") return ref;
  if (ref && typeof ref === "object") return ref.project === undefined ? String(ref.account) : `${ref.account}/${ref.project}`;
  return String(ref);
}

/** Position of an edge in its share's members. */
export function edgePos(ctx: RuleContext, e: number): number {
  return e - ctx.shareEdgeStart[shareOfEdge(ctx, e)];
}

/** The member reference of an edge, as the file writes it. */
export function edgeRef(ctx: RuleContext, e: number): MemberRef {
  const s = shareOfEdge(ctx, e);
  return ctx.shares[s].members[e - ctx.shareEdgeStart[s]];
}

/** The member of an edge as written, with the project it stands for when a bare account resolves to one. */
export function edgeMemberLabel(ctx: RuleContext, e: number): string {
  return withResolvedProject(ctx, edgeRef(ctx, e), ctx.edgeMember[e]);
}

export function withResolvedProject(ctx: RuleContext, ref: MemberRef, member: number): string {
  const label = refLabel(ref);
  if (typeof ref === "string" && member >= 0) {
    const project = ctx.memberProject[member];
    if (project !== undefined) return `${label} (its project ${project})`;
  }
  return label;
}

/** `image golden (system, huaweicloud)`. */
export function imageLabel(img: ResolvedImage): string {
  return `image ${img.key} (${img.kind}, ${img.profile})`;
}

/** The cloud's name for a profile: "Huawei Cloud IMS". */
export function cloud(img: ResolvedImage): string {
  return PROFILES[img.profile].title;
}

/** `a, b and c`, or `a, b, c and 4 more` beyond `max` names. */
export function listNames(names: readonly string[], max = 5): string {
  if (names.length === 0) return "";
  if (names.length === 1) return names[0];
  if (names.length <= max) return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Path of an edge in a topology file: ["shares", s, "members", k]. */
export function edgePath(ctx: RuleContext, e: number): (string | number)[] {
  const s = shareOfEdge(ctx, e);
  return ["shares", s, "members", e - ctx.shareEdgeStart[s]];
}

/** Names of the shares declaring members of image i, in file order. */
export function sharesOf(ctx: RuleContext, i: number): string[] {
  const names: string[] = [];
  let end = -1; // end of the last share seen: edges of one share are consecutive
  for (let k = ctx.imageEdgeStart[i]; k < ctx.imageEdgeStart[i + 1]; k++) {
    const e = ctx.imageEdges[k];
    if (e < end) continue;
    const s = shareOfEdge(ctx, e);
    names.push(ctx.shares[s].name);
    end = ctx.shareEdgeStart[s + 1];
  }
  return names;
}
