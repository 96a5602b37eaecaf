/** Wording shared by the rules' messages. Called only when a finding is made (never per edge). */
import type { MemberRef } from "./model";
import { PROFILES } from "./profiles";
import type { ImageView } from "./context";

/** A member reference as the file writes it: `team-a` or `team-b/team-b-bj`. */
export function refLabel(ref: MemberRef | undefined): string {
  if (typeof ref === "string") return ref;
  if (ref && typeof ref === "object") return ref.project === undefined ? String(ref.account) : `${ref.account}/${ref.project}`;
  return String(ref);
}

/** `image golden (system, huaweicloud)`. */
export function imageLabel(img: ImageView): string {
  return `image ${img.key} (${img.kind}, ${img.profile})`;
}

/** The cloud's name for a profile: "Huawei Cloud IMS". */
export function cloud(img: ImageView): string {
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
