/**
 * `image-share rules --format markdown`: the rule catalogue as docs/rules.md, generated from the
 * rules' own metadata (provider/rules/rules/*.ts) and the profile table (provider/rules/profiles.ts),
 * so that the catalogue a reader opens is the one the code runs. A test keeps docs/rules.md current.
 */
import { IMAGE_KINDS, PROFILES, PROFILE_IDS, RULES, type CopyReach, type Profile, type RuleDefinition } from "../../rules";
import { profilesText, severityText } from "./ruledoc";

/** Where a rule's source is described: a seed's or an API reference's section of docs/sources.md. */
export function sourceAnchor(source: string): string {
  if (/^\d{3}$/.test(source)) return `seed-${source}`;
  if (source.startsWith("(")) return "other-sources";
  return source
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function sourceLinks(sources: readonly string[]): string {
  return sources.map((s) => `[${/^\d{3}$/.test(s) ? `seed ${s}` : s}](sources.md#${sourceAnchor(s)})`).join(", ");
}

const SHARE_TARGET: Record<Profile["shareTarget"], string> = {
  account: "an account",
  project: "a project (region-scoped)",
  "account-or-project": "an account, or one of its projects (region-scoped)",
};

const REACH: Record<CopyReach, string> = { any: "any region", "own-region": "its own region only", "other-regions": "other regions only", none: "nowhere" };

/** The profile table as facts by cloud, each with its sources. */
function profilesTable(): string[] {
  const row = (title: string, fact: keyof Profile["sources"] | undefined, cell: (p: Profile) => string): string =>
    `| ${title} | ${PROFILE_IDS.map((id) => {
      const p = PROFILES[id];
      const sources = fact ? (p.sources[fact] ?? []) : [];
      return sources.length ? `${cell(p)} (${sourceLinks(sources)})` : cell(p);
    }).join(" | ")} |`;
  return [
    `| | ${PROFILE_IDS.map((id) => `\`${id}\`: ${PROFILES[id].title}`).join(" | ")} |`,
    `|---|${PROFILE_IDS.map(() => "---").join("|")}|`,
    row("sources", undefined, (p) => sourceLinks(p.seeds)),
    row("acceptance step", "acceptance", (p) => (p.acceptance ? "yes: pending, then accepted or rejected (rejected can be accepted again)" : "none: a share is usable at once")),
    row("member limit: system / data-disk / full-ECS image", "memberLimit", (p) => IMAGE_KINDS.map((k) => String(p.memberLimit[k])).join(" / ")),
    row("a newer reference's member limit", "newerMemberLimit", (p) => (p.newerMemberLimit ? `${p.newerMemberLimit.limit} (set \`limits\` to use it)` : "-")),
    row("a member is", "shareTarget", (p) => SHARE_TARGET[p.shareTarget]),
    row("regions (a file's `regions:` adds more)", "regions", (p) => `${p.regions.length}: ${p.regions.join(", ")}`),
    row("sites", "sites", (p) => (p.sites ? `China and international; regions known: ${Object.entries(p.sites).map(([r, e]) => `${r} (${e.sites.join(", ")})`).join(", ")}` : "one")),
    row("the owner copies its image to", "copy", (p) => REACH[p.copy.owned]),
    row("a recipient copies a shared image to", "copy", (p) => REACH[p.copy.shared] + (p.copy.viaPrivateReplica ? ", accepted, as a private replica (copy that one on)" : "")),
    row("deleting an image that has members", "deleteShared", (p) => (p.deleteShared === "refused" ? "refused until every share is cancelled" : "allowed: members can no longer re-initialise instances made from it")),
    row("deleting an image a copy is making", "deleteCopying", (p) => (p.deleteCopying === "refused" ? "refused: cancel the copy" : p.deleteCopying === "allowed" ? "allowed: the copy is cancelled" : "unknown")),
    row("renaming an image that has members", "renameShared", (p) => p.renameShared),
    row("member changes", "memberJobs", (p) => (p.memberJobs ? "asynchronous jobs" : "take effect in the call")),
    row("members per add / remove call", "batch", (p) => `${p.batch.members}${p.batch.max !== undefined ? ` (the API ignores any beyond ${p.batch.max})` : ""}`),
  ];
}

/** One rule's section. */
export function ruleMarkdown(rule: RuleDefinition): string {
  const lines = [
    `### \`${rule.id}\`: ${rule.title}`,
    "",
    `- severity: ${severityText(rule)}`,
    `- profiles: ${profilesText(rule)}`,
    `- source: ${sourceLinks(rule.source)}`,
    "",
    rule.description,
    "",
    `**Why.** ${rule.docs.why}`,
    "",
    "Fails:",
    "",
    "```yaml",
    rule.docs.failing.trimEnd(),
    "```",
  ];
  if (rule.docs.observed?.failing) lines.push("", "with the cloud holding:", "", "```json", JSON.stringify(rule.docs.observed.failing, null, 2), "```");
  lines.push("", "Passes:", "", "```yaml", rule.docs.passing.trimEnd(), "```");
  if (rule.docs.observed?.passing) lines.push("", "with the cloud holding:", "", "```json", JSON.stringify(rule.docs.observed.passing, null, 2), "```");
  return lines.join("\n") + "\n";
}

/** The whole catalogue: docs/rules.md. */
export function rulesMarkdown(): string {
  const lines = [
    "# Rules",
    "",
    "<!-- Generated by `image-share rules --format markdown` (npm run docs) from provider/rules: do not edit here. -->",
    "",
    "Every rule that `image-share validate` and `plan`, the resources' preview checks and the policy pack run.",
    "A rule's id is its stable public name (CLI output, check failures, policies). Severity `error` fails a",
    "preview or a `validate` run; `warning` is printed and does not. Each rule comes from the clouds' pages",
    "named in its source: [sources.md](sources.md) says what each one states.",
    "",
    "## Profiles",
    "",
    "One profile a cloud (provider/rules/profiles.ts): what differs between the clouds, which the rules, the emulator and",
    "the providers read. A stack's `limits` overrides the member limits (clouds raise quotas on request).",
    "",
    ...profilesTable(),
    "",
    "## The rules",
    "",
    "| rule | severity | profiles | what it catches | source |",
    "|---|---|---|---|---|",
    ...RULES.map((r) => `| [\`${r.id}\`](#${r.id}) | ${severityText(r)} | ${profilesText(r)} | ${r.title} | ${sourceLinks(r.source)} |`),
    "",
  ];
  for (const rule of RULES) lines.push(`<a id="${rule.id}"></a>`, "", ruleMarkdown(rule));
  return lines.join("\n");
}
