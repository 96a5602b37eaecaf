/**
 * `image-share plan PATH... [--format text|json] [--db PATH | --backend cloud [--endpoint URL]]`
 * (`--emulator PATH` is `--db PATH`): the read-only pull-request check, on the emulator or the
 * clouds. The files (directories walked) are one view per cloud, as for validate. It reads what
 * the backend holds for each image (members and their status, the image's name) and the product
 * of each copy made already (found by the name the copy gives it: plan reads the cloud, not the
 * stack's state), prints per resource what an apply would do (members to add, copies to make,
 * acceptances to give), lists members present that the file does not declare ("outside the
 * file": counted toward the limits, never removed), and every violation of the rules with what
 * the cloud holds. It never writes. Exit codes as `validate`: 0 no error, 1 an error (a rule, or
 * an image the backend cannot read), 2 bad input.
 */
import { existsSync } from "node:fs";
import type { Command } from "./main";
import type { MemberRef, MemberStatus, Observed, ObservedMember, Topology } from "../rules/model";
import type { Violation } from "../rules/rule";
import type { ImageInfo, ImageService, Member, MemberTarget } from "../backends/types";
import { listAllMembers } from "../backends/types";
import { DEFAULT_CONCURRENCY, mapConcurrent } from "../backends/retry";
import { mapTopology, MappingError, memberTarget, refLabel, type Actor, type CopyMapping, type TopologyMapping } from "../resources/mapping";
import { PROFILES } from "../rules/profiles";
import { emulatorPathFor } from "../resources/seed";
import type { Connection } from "../resources/provider/credentials";

export interface PlannedMember {
  /** As the file writes it (account key, or account/project keys). */
  member: string;
  target: MemberTarget;
  /** The member's state in the cloud now (absent: not a member yet). */
  status: MemberStatus | "absent";
}

export interface PlannedShare {
  resource: string;
  image: string;
  /** Absent while the image is the product of a copy not made yet. */
  imageId?: string;
  region: string;
  by: string;
  add: PlannedMember[];
  present: PlannedMember[];
}

export interface PlannedAcceptance {
  resource: string;
  image: string;
  member: string;
  status: "accepted" | "rejected";
  /** The member's state in the cloud now. */
  current: MemberStatus | "absent";
  action: "accept" | "reject" | "none";
}

export interface PlannedCopy {
  resource: string;
  source: string;
  sourceImageId?: string;
  from: string;
  region: string;
  as: string;
  by: string;
  /** The product, made already (by an earlier apply): found in the cloud by its name. Absent: the apply makes the copy. */
  made?: { imageId: string; status: ImageInfo["status"] };
}

export interface OutsideMembers {
  image: string;
  imageId: string;
  members: Member[];
}

/** Where an image's existingMembers list and the cloud disagree (the list is the file's word for what the cloud holds). */
export interface ExistingDifference {
  image: string;
  imageId: string;
  /** Listed, not in the cloud. */
  missing: Array<{ member: string; target: MemberTarget; status: MemberStatus }>;
  /** Listed with another status than the cloud's. */
  status: Array<{ member: string; target: MemberTarget; listed: MemberStatus; cloud: MemberStatus }>;
  /** In the cloud, declared by no share, and not listed. */
  unlisted: Member[];
}

export interface PlanResult {
  /** The view's files, joined: one cloud's files are planned as one view, as validate checks them. */
  file: string;
  files: string[];
  shares: PlannedShare[];
  acceptances: PlannedAcceptance[];
  copies: PlannedCopy[];
  outside: OutsideMembers[];
  /** Images whose existingMembers list differs from what the cloud holds. */
  existing: ExistingDifference[];
  violations: Violation[];
  /** What the backend could not read (an image not found, access refused): errors of the plan. */
  problems: Array<{ resource: string; message: string }>;
  summary: { add: number; copy: number; accept: number; reject: number; outside: number; differences: number; errors: number; warnings: number };
}

/** What a backend read about one image of the file. */
export interface ImageReading {
  info?: ImageInfo;
  members?: Member[];
  problem?: string;
}

/** The backend plan reads, as the identity that acts on an image. */
type ServiceFor = (actor: Actor) => ImageService | Promise<ImageService>;

/**
 * Reads every image of the file that has an id, acting as its owner, DEFAULT_CONCURRENCY images
 * at once: a plan waits a round trip per image and page (and, where the cloud cannot be reached,
 * a retry deadline per image), so these overlap. The readings are in the file's order.
 */
export async function readImages(
  topology: Topology,
  mapping: TopologyMapping,
  serviceFor: ServiceFor,
): Promise<Record<string, ImageReading>> {
  const out: Record<string, ImageReading> = {};
  const withIds = Object.entries(mapping.images).flatMap(([key, source]) => {
    if (source.kind !== "id") return [];
    const owner = topology.accounts[topology.images[key].owner];
    return owner ? [{ key, id: source.id, owner }] : [];
  });
  const readings = await mapConcurrent(withIds, DEFAULT_CONCURRENCY, async ({ key, id, owner }): Promise<ImageReading> => {
    const image = topology.images[key];
    const projectKey = image.project ?? onlyProject(topology, image.owner, image.region);
    const actor: Actor = { accountKey: image.owner, account: owner.id, region: image.region, profile: image.profile ?? topology.profile };
    if (projectKey && owner.projects?.[projectKey]) {
      actor.projectKey = projectKey;
      actor.project = owner.projects[projectKey].id;
    }
    try {
      const service = await serviceFor(actor);
      const info = await service.getImage(id);
      return { info, members: await listAllMembers(service, id) };
    } catch (e) {
      return { problem: e instanceof Error ? e.message : String(e) };
    }
  });
  for (const [i, { key }] of withIds.entries()) out[key] = readings[i];
  // A copy's product, made by an earlier apply: found by the name the copy gives it, owned by the
  // copying account in the target region, and read as the file's images are. The copies whose
  // source id is known are read at once; a copy of a copy's product waits for that product.
  const products = new Map<string, ImageReading>();
  let waiting = mapping.copies;
  while (waiting.length > 0) {
    const unread = new Set(waiting.map((c) => c.as));
    const ready = waiting.filter((c) => !unread.has(c.image));
    if (ready.length === 0) break; // a cycle, which the mapping refuses
    const readings = await mapConcurrent(ready, DEFAULT_CONCURRENCY, async (copy) => {
      const source = mapping.images[copy.image];
      const sourceId = source.kind === "id" ? source.id : products.get(copy.image)?.info?.id;
      return sourceId === undefined ? undefined : readProduct(copy, sourceId, serviceFor);
    });
    for (const [i, copy] of ready.entries()) if (readings[i]) products.set(copy.as, readings[i]);
    waiting = waiting.filter((c) => !ready.includes(c));
  }
  for (const copy of mapping.copies) {
    const reading = products.get(copy.as);
    if (reading) out[copy.as] = reading;
  }
  return out;
}

/** The product of `copy` (of image `sourceId`), if an apply made it: undefined if none is there. */
async function readProduct(copy: CopyMapping, sourceId: string, serviceFor: ServiceFor): Promise<ImageReading | undefined> {
  try {
    const service = await serviceFor(copy.productOwner);
    // A failed copy's image is not the product: the next apply makes the copy again. Made from
    // the copy's source, where the backend says so; else any image of that name may be it.
    const named = (await service.findOwnedImages(copy.imageName)).filter((i) => i.status !== "failed");
    const fromSource = named.filter((i) => i.sourceImageId === sourceId);
    const products = fromSource.length > 0 ? fromSource : named.filter((i) => i.sourceImageId === undefined);
    if (products.length > 1) {
      const ids = products.map((i) => i.id).join(", ");
      return { problem: `${products.length} images named "${copy.imageName}" in ${copy.targetRegion} (${ids}) may be the product of copy ${copy.name}: cannot tell which; rename or delete the others` };
    }
    if (products.length === 0) return undefined;
    const [info] = products;
    return { info, members: await listAllMembers(service, info.id) };
  } catch (e) {
    return { problem: e instanceof Error ? e.message : String(e) };
  }
}

function onlyProject(t: Topology, accountKey: string, region: string): string | undefined {
  const ps = Object.entries(t.accounts[accountKey]?.projects ?? {}).filter(([, p]) => p.region === region);
  return ps.length === 1 ? ps[0][0] : undefined;
}

const sameTarget = (a: MemberTarget, b: MemberTarget) => a.type === b.type && a.id === b.id;

/** The cloud's members in the file's words: a key where the file names the id. */
export function observedFrom(topology: Topology, readings: Record<string, ImageReading>): Observed {
  const accounts = new Map<string, string>();
  const projects = new Map<string, { account: string; project: string }>();
  for (const [key, a] of Object.entries(topology.accounts)) {
    accounts.set(a.id, key);
    for (const [pk, p] of Object.entries(a.projects ?? {})) projects.set(p.id, { account: key, project: pk });
  }
  const images: NonNullable<Observed["images"]> = {};
  for (const [key, r] of Object.entries(readings)) {
    if (!r.members && !r.info) continue;
    const members: ObservedMember[] = [];
    const otherMembers: ObservedMember[] = [];
    for (const m of r.members ?? []) {
      const ref: MemberRef | undefined = m.type === "account" ? accounts.get(m.id) : projects.get(m.id);
      if (ref !== undefined) members.push({ member: ref, status: m.status });
      else otherMembers.push({ member: m.id, status: m.status });
    }
    images[key] = { members, otherMembers };
    if (r.info) {
      images[key].name = r.info.name;
      if (r.info.description !== undefined) images[key].description = r.info.description;
    }
  }
  return { images };
}

/** What an apply of the file would do, given what the backend holds. Pure. */
export function planTopology(
  files: string | string[],
  topology: Topology,
  mapping: TopologyMapping,
  readings: Record<string, ImageReading>,
  violations: Violation[],
): PlanResult {
  const problems: PlanResult["problems"] = [];
  for (const [key, r] of Object.entries(readings)) if (r.problem) problems.push({ resource: `images.${key}`, message: r.problem });
  const statusOf = (image: string, target: MemberTarget): MemberStatus | "absent" =>
    readings[image]?.members?.find((m) => sameTarget(m, target))?.status ?? "absent";
  /** The image's id: the file's, or a made copy's product's as the cloud answered. */
  const idOf = (image: string): string | undefined => {
    const s = mapping.images[image];
    return s?.kind === "id" ? s.id : readings[image]?.info?.id;
  };

  const shares: PlannedShare[] = mapping.shares.map((s) => {
    const planned: PlannedShare = { resource: s.name, image: s.image, region: s.actor.region, by: s.actor.accountKey, add: [], present: [] };
    const id = idOf(s.image);
    if (id !== undefined) planned.imageId = id;
    for (const m of s.members) {
      const status = statusOf(s.image, m.target);
      const line: PlannedMember = { member: refLabel(m.ref), target: m.target, status };
      (status === "absent" ? planned.add : planned.present).push(line);
    }
    return planned;
  });

  const acceptances: PlannedAcceptance[] = mapping.acceptances.map((a) => {
    const current = statusOf(a.image, a.member);
    const action = current === a.status ? "none" : a.status === "accepted" ? "accept" : "reject";
    const member = topology.acceptances.find((x) => x.name === a.name)?.member;
    return { resource: a.name, image: a.image, member: member === undefined ? a.member.id : refLabel(member), status: a.status, current, action };
  });

  const copies: PlannedCopy[] = mapping.copies.map((c) => {
    const planned: PlannedCopy = { resource: c.name, source: c.image, from: c.actor.region, region: c.targetRegion, as: c.as, by: c.actor.accountKey };
    const id = idOf(c.image);
    if (id !== undefined) planned.sourceImageId = id;
    const product = readings[c.as]?.info;
    if (product) planned.made = { imageId: product.id, status: product.status };
    return planned;
  });

  // Members the cloud holds that no share of the file declares for the image.
  const outside: OutsideMembers[] = [];
  for (const [key, r] of Object.entries(readings)) {
    if (!r.members) continue;
    const declared = mapping.shares.filter((s) => s.image === key).flatMap((s) => s.members.map((m) => m.target));
    const members = r.members.filter((m) => !declared.some((d) => sameTarget(d, m)));
    if (members.length > 0) outside.push({ image: key, imageId: idOf(key) ?? "", members });
  }
  const existing = existingDifferences(topology, mapping, readings);

  const errors = violations.filter((v) => v.severity === "error").length;
  const fileList = typeof files === "string" ? [files] : files;
  return {
    file: fileList.join(" + "),
    files: fileList,
    shares,
    acceptances,
    copies,
    outside,
    existing,
    violations,
    problems,
    summary: {
      add: shares.reduce((n, s) => n + s.add.length, 0),
      copy: copies.filter((c) => !c.made).length,
      accept: acceptances.filter((a) => a.action === "accept").length,
      reject: acceptances.filter((a) => a.action === "reject").length,
      outside: outside.reduce((n, o) => n + o.members.length, 0),
      differences: existing.reduce((n, d) => n + d.missing.length + d.status.length + d.unlisted.length, 0),
      errors: errors + problems.length,
      warnings: violations.length - errors,
    },
  };
}

/** The images whose existingMembers list (who, with their status) says otherwise than the cloud read. */
function existingDifferences(topology: Topology, mapping: TopologyMapping, readings: Record<string, ImageReading>): ExistingDifference[] {
  const out: ExistingDifference[] = [];
  for (const [key, r] of Object.entries(readings)) {
    const image = topology.images[key];
    const list = image?.existingMembers;
    if (!r.members || !Array.isArray(list)) continue;
    const profile = image.profile ?? topology.profile;
    const fallback: MemberStatus = PROFILES[profile].acceptance ? "pending" : "accepted";
    const diff: ExistingDifference = { image: key, imageId: (mapping.images[key] as { id?: string }).id ?? r.info?.id ?? "", missing: [], status: [], unlisted: [] };
    const listedTargets: MemberTarget[] = [];
    for (const entry of list) {
      const target = memberTarget(topology, profile, image.region, entry);
      if (!target) continue;
      listedTargets.push(target);
      const listed = entry.status ?? fallback;
      const inCloud = r.members.find((m) => sameTarget(m, target));
      const member = refLabel(entry);
      if (!inCloud) diff.missing.push({ member, target, status: listed });
      else if (inCloud.status !== listed) diff.status.push({ member, target, listed, cloud: inCloud.status });
    }
    const declared = mapping.shares.filter((s) => s.image === key).flatMap((s) => s.members.map((m) => m.target));
    diff.unlisted = r.members.filter((m) => !declared.some((d) => sameTarget(d, m)) && !listedTargets.some((d) => sameTarget(d, m)));
    if (diff.missing.length + diff.status.length + diff.unlisted.length > 0) out.push(diff);
  }
  return out;
}

function memberText(m: { type: string; id: string }): string {
  return `${m.type} ${m.id}`;
}

/** The plan as a person reads it in a terminal, in the order an apply goes: copies, shares, acceptances. */
export function formatText(result: PlanResult): string {
  const lines: string[] = [`${result.file}`];
  for (const c of result.copies) {
    const what = c.from === c.region ? `replicate image ${c.source}${c.sourceImageId ? ` (${c.sourceImageId})` : ""} in ${c.region}` : `copy image ${c.source}${c.sourceImageId ? ` (${c.sourceImageId})` : ""} from ${c.from} to ${c.region}`;
    lines.push(c.made ? `  copy ${c.resource}: = ${what} as ${c.as}, by ${c.by}: made, image ${c.made.imageId} (${c.made.status})` : `  copy ${c.resource}: + ${what} as ${c.as}, by ${c.by}`);
  }
  for (const s of result.shares) {
    lines.push(`  share ${s.resource}: image ${s.image}${s.imageId ? ` (${s.imageId})` : " (made by a copy of this plan)"} in ${s.region}, by ${s.by}`);
    for (const m of s.add) lines.push(`    + add ${m.member} (${memberText(m.target)})`);
    for (const m of s.present) lines.push(`    = ${m.member} (${memberText(m.target)}) already a member, ${m.status}`);
    if (s.add.length === 0 && s.present.length === 0) lines.push("    (no members)");
  }
  for (const a of result.acceptances) {
    const what =
      a.action === "none"
        ? `no change (already ${a.current})`
        : a.current === "absent"
          ? `${a.action}, once the share above adds the member (not a member yet)`
          : `${a.action} (now ${a.current})`;
    lines.push(`  acceptance ${a.resource}: ${a.member} on image ${a.image}: ${what}`);
  }
  for (const o of result.outside) {
    lines.push(`  image ${o.image} (${o.imageId}): ${o.members.length} member(s) outside the file, counted toward the limit, not removed:`);
    for (const m of o.members) lines.push(`    ~ ${memberText(m)}, ${m.status}`);
  }
  for (const d of result.existing) {
    lines.push(`  image ${d.image} (${d.imageId}): its existingMembers list differs from the cloud:`);
    for (const m of d.missing) lines.push(`    - ${m.member} (${memberText(m.target)}): listed ${m.status}, not a member in the cloud`);
    for (const m of d.status) lines.push(`    ! ${m.member} (${memberText(m.target)}): listed ${m.listed}, ${m.cloud} in the cloud`);
    for (const m of d.unlisted) lines.push(`    + ${memberText(m)}, ${m.status}: in the cloud, not listed (and no share declares it)`);
  }
  for (const p of result.problems) lines.push(`  error ${p.resource}: ${p.message}`);
  if (result.violations.length > 0) lines.push("  violations:");
  for (const v of result.violations) {
    lines.push(`    ${v.severity} [${v.rule}] ${v.resource}: ${v.message}`);
    if (v.fix) lines.push(`      fix: ${v.fix}`);
  }
  const s = result.summary;
  lines.push(
    `  plan: ${s.add} member(s) to add, ${s.copy} cop${s.copy === 1 ? "y" : "ies"}, ${s.accept} acceptance(s), ${s.reject} rejection(s); ` +
      `${s.outside} member(s) outside the file${s.differences > 0 ? `, ${s.differences} difference(s) from existingMembers` : ""}; ${s.errors} error(s), ${s.warnings} warning(s)`,
  );
  return lines.join("\n") + "\n";
}

/** Where plan reads: the embedded emulator's state file, or the clouds through their real backends. */
export type PlanSource = { backend: "emulator"; emulatorPath: string } | { backend: "cloud"; endpoint?: string };

interface ParsedArgs {
  files: string[];
  format: "text" | "json";
  source: PlanSource;
}

const USAGE = "plan PATH... [--format text|json] [--db PATH | --backend cloud [--endpoint URL]]";

const HELP = `usage: image-share ${USAGE}

Reads what the emulator (--backend cloud: each cloud) holds for each image of the files
(read-only), and for each copy the image it made if an apply made it already (found by the name
the copy gives it), and prints what an apply would do, in its order: copies, shares (members to
add), acceptances; members present that no share declares (counted toward the limits, never
removed); where an image's existingMembers list differs from the cloud; and every violation
with the cloud's state taken into account.
The files given (directories are walked) are one view per cloud, as validate reads them.

options:
  --format text|json   the output (default text)
  --db PATH            the emulator's state (default $IMAGE_SHARE_EMULATOR_DB, else
                       .image-share/emulator.db), as image-share emulator takes it;
                       --emulator PATH is the same
  --backend cloud      read the clouds instead, through their real backends, each account of
                       the files with the key pair in IMAGE_SHARE_<ACCOUNT KEY>_AK / _SK
                       (e.g. IMAGE_SHARE_TEAM_A_AK), else the cloud's usual variables
                       (HW_ACCESS_KEY / HW_SECRET_KEY, OS_ACCESS_KEY, ALICLOUD_ACCESS_KEY, ...)
  --endpoint URL       with --backend cloud: one endpoint for every request (e.g. an
                       \`image-share emulator serve\`), instead of each cloud's own

exit codes: 0 no error (warnings allowed), 1 a rule reported an error or an image could not
be read, 2 bad input (unknown option, invalid file, no emulator state)
`;

function parseArgs(args: string[]): ParsedArgs | string {
  const files: string[] = [];
  let format: "text" | "json" = "text";
  let emulatorPath: string | undefined;
  let backend: PlanSource["backend"] = "emulator";
  let endpoint: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string | undefined => {
      const eq = a.indexOf("=");
      if (eq >= 0) return a.slice(eq + 1);
      i++;
      return args[i];
    };
    const option = a.replace(/=.*/, "");
    if (option === "--format") {
      const f = value();
      if (f !== "text" && f !== "json") return `--format must be text or json, not ${f === undefined ? "nothing" : `"${f}"`}`;
      format = f;
    } else if (option === "--db" || option === "--emulator") {
      const p = value();
      if (!p) return `${option} needs the emulator's state file`;
      emulatorPath = p;
    } else if (option === "--backend") {
      const b = value();
      if (b !== "emulator" && b !== "cloud") return `--backend must be emulator or cloud, not ${b === undefined ? "nothing" : `"${b}"`}`;
      backend = b;
    } else if (option === "--endpoint") {
      const e = value();
      if (!e || !/^https?:\/\/[^\s/]+/.test(e)) return `--endpoint needs a URL (http://host:port or https://host), not ${e === undefined ? "nothing" : `"${e}"`}`;
      endpoint = e;
    } else if (a === "--help" || a === "-h") {
      return "help";
    } else if (a.startsWith("-")) {
      return `unknown option ${a}`;
    } else {
      files.push(a);
    }
  }
  if (files.length === 0) return "give at least one topology file";
  if (backend === "cloud" && emulatorPath !== undefined) return "--db reads the emulator: give it or --backend cloud, not both";
  if (backend === "emulator" && endpoint !== undefined) return "--endpoint is for --backend cloud";
  return { files, format, source: backend === "cloud" ? { backend, ...(endpoint ? { endpoint } : {}) } : { backend, emulatorPath: emulatorPathFor(emulatorPath) } };
}

/**
 * Where an account of the files finds its key pair: IMAGE_SHARE_<ACCOUNT KEY>_AK / _SK, the names
 * examples/stack/index.ts gives the resources (`cloudCredentials`), so one environment serves both.
 */
export function credentialVariables(accountKey: string): { accessKey: string; secretKey: string } {
  const name = `IMAGE_SHARE_${accountKey.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  return { accessKey: `${name}_AK`, secretKey: `${name}_SK` };
}

export interface PlanBackend {
  serviceFor(actor: Actor): Promise<ImageService>;
}

/**
 * The backend plan reads, through the package's backend factory, one ImageService per acting
 * identity (as the provider builds them): the emulator at its state file, or each cloud's real
 * backend with the acting account's key pair from the environment. Reads only: plan calls
 * getImage, findOwnedImages and listMembers.
 */
export async function openBackend(source: PlanSource, env: NodeJS.ProcessEnv = process.env): Promise<PlanBackend> {
  // The provider's own service cache: one service per acting identity and key pair (one client,
  // one connection), built from a Connection as the resources build theirs.
  const { serviceFor } = require("../resources/provider/cache") as typeof import("../resources/provider/cache");
  return {
    async serviceFor(actor) {
      const connection: Connection = { backend: source.backend, profile: actor.profile, region: actor.region, account: actor.account, ...(actor.project ? { project: actor.project } : {}) };
      const names = credentialVariables(actor.accountKey);
      if (source.backend === "emulator") connection.emulatorPath = source.emulatorPath;
      else {
        if (source.endpoint) connection.endpoint = source.endpoint;
        const accessKey = env[names.accessKey] || undefined;
        const secretKey = env[names.secretKey] || undefined;
        if (accessKey !== undefined || secretKey !== undefined) connection.credentials = { ...(accessKey ? { accessKey } : {}), ...(secretKey ? { secretKey } : {}) };
      }
      try {
        return await serviceFor(connection);
      } catch (e) {
        // The backend names its own variables; plan reads the account's first.
        if (source.backend === "cloud" && !connection.credentials && e instanceof Error) throw new Error(`${e.message} (or ${names.accessKey} / ${names.secretKey}, the key pair of account ${actor.accountKey})`);
        throw e;
      }
    },
  };
}

export const command: Command = {
  usage: USAGE,
  summary: "show what an apply would add, copy and accept, and every violation, reading the backend (read-only)",
  async run(args) {
    const parsed = parseArgs(args);
    if (parsed === "help") {
      process.stdout.write(HELP);
      return 0;
    }
    if (typeof parsed === "string") {
      process.stderr.write(`image-share plan: ${parsed}\nusage: image-share ${USAGE}\n`);
      return 2;
    }
    // Loaded here, not at the top: `image-share --help` lists commands without loading backends.
    const { loadViews } = await import("./check");
    const { formatInputError } = await import("../topology/load");
    const { validate } = await import("../rules");
    // One view per cloud over all the files, as validate: an image shared in two files is one
    // image, and a plan of some of the files only would count its members apart. The files first:
    // a mistyped path is the error to name, whatever the backend.
    const { views, inputErrors } = loadViews(parsed.files);
    if (inputErrors.length > 0) {
      for (const e of inputErrors) process.stderr.write(`${formatInputError(e)}\n`);
      return 2;
    }
    // Read-only: never let the backend create an empty emulator where none is.
    if (parsed.source.backend === "emulator" && !existsSync(parsed.source.emulatorPath)) {
      process.stderr.write(`image-share plan: no emulator state at ${parsed.source.emulatorPath} (seed it: image-share emulator seed FILE, or give --db PATH; --backend cloud reads the clouds)\n`);
      return 2;
    }
    const mappings = new Map<(typeof views)[number], TopologyMapping>();
    for (const view of views) {
      try {
        mappings.set(view, mapTopology(view.topology));
      } catch (e) {
        if (!(e instanceof MappingError)) throw e;
        process.stderr.write(`${view.files.map((f) => f.file).join(" + ")}: ${e.message}\n`);
        return 2;
      }
    }
    const results: PlanResult[] = [];
    const backend = await openBackend(parsed.source);
    for (const view of views) {
      const topology = view.topology;
      const mapping = mappings.get(view)!;
      const readings = await readImages(topology, mapping, backend.serviceFor);
      const violations = validate(topology, observedFrom(topology, readings));
      results.push(planTopology(view.files.map((f) => f.file), topology, mapping, readings, violations));
    }
    if (parsed.format === "json") {
      const summary = { errors: 0, warnings: 0, add: 0, copy: 0, accept: 0, reject: 0, outside: 0, differences: 0 };
      for (const r of results) for (const k of Object.keys(summary) as Array<keyof typeof summary>) summary[k] += r.summary[k];
      // One cloud: its plan is the object; several: one plan per cloud under views.
      const out = results.length === 1 ? { ...results[0] } : { views: results };
      process.stdout.write(JSON.stringify({ ...out, violations: results.flatMap((r) => r.violations), summary }, null, 2) + "\n");
    } else {
      for (const r of results) process.stdout.write(formatText(r));
    }
    return results.some((r) => r.summary.errors > 0) ? 1 : 0;
  },
};
