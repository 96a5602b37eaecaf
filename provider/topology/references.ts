/**
 * References between the sections of a topology file that passed the schema: every account,
 * image, project and copy product a section names must exist, each id must fit its cloud's
 * format (ids.ts), resource names are unique, and copies form no cycle. Errors come back at
 * their paths; nothing here reads the text.
 */
import type { MemberRef, ProfileId } from "../rules/model";
import { formatPath, type PathSegment, type TopologyInputError } from "./errors";
import { PROFILES, usesProjects } from "../rules/profiles";
import { REGION_TABLES, knownRegion } from "../rules/regions";
import { checkId, isValidId } from "./ids";
import type { TopologyInput } from "./schema";
import { didYouMean } from "./suggest";

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Every reference between sections, and every id's format; errors in file order. */
export function resolveReferences(
  t: TopologyInput,
  at: (s: PathSegment[], m: string) => TopologyInputError,
  /** The line of a place in the file, to name the other place of an error (an id under two keys). */
  lineOf: (s: PathSegment[]) => number | undefined = () => undefined,
): TopologyInputError[] {
  const errors: TopologyInputError[] = [];
  const err = (segments: PathSegment[], message: string) => errors.push(at(segments, message));
  const place = (segments: PathSegment[]) => {
    const line = lineOf(segments);
    return `${formatPath(segments)}${line !== undefined ? ` (line ${line})` : ""}`;
  };
  const accounts = t.accounts;
  const images = t.images;
  const shares = t.shares ?? [];
  const acceptances = t.acceptances ?? [];
  const copies = t.copies ?? [];
  const accountKeys = Object.keys(accounts);
  // Sets, not hasOwnProperty on the parsed objects: a million member references are checked.
  const accountSet = new Set(accountKeys);
  const isAccount = (k: string) => accountSet.has(k);
  const unknownAccount = (k: string) => `unknown account "${k}"${didYouMean(k, accountKeys)}`;

  // Profiles present (images may name their own): an account id must fit one of them.
  const profiles = new Set<ProfileId>([t.profile]);
  for (const k of Object.keys(images)) if (images[k].profile) profiles.add(images[k].profile!);
  const hasHuawei = profiles.has("huaweicloud");

  for (const [i, k] of (t.trust ?? []).entries()) if (!hasOwn(accounts, k)) err(["trust", i], unknownAccount(k));

  // Region ids: each cloud's region table (docs/sources.md, "Region tables"), and the file's
  // `regions:` for regions newer than the table. Checked once the id's format is right.
  const addedRegions = t.regions ?? [];
  for (const [i, r] of addedRegions.entries()) {
    const formatErr = [...profiles].every((p) => !isValidId(p, "region", r)) ? checkId(t.profile, "region", r) : undefined;
    if (formatErr) err(["regions", i], formatErr);
  }
  const checkRegion = (segments: PathSegment[], among: Iterable<ProfileId>, region: string) => {
    let first: ProfileId | undefined;
    for (const p of among) {
      if (knownRegion(p, region, addedRegions)) return;
      first ??= p;
    }
    if (first === undefined) return;
    const table = PROFILES[first];
    err(
      segments,
      `unknown ${first} region "${region}"${didYouMean(region, table.regions)}: not in ${table.cloud}'s region table (docs/sources.md, ${REGION_TABLES[first].source}); if it is a region newer than the table, add it to the file's regions: list`,
    );
  };

  // Ids are global in a cloud: one id under two keys is one account (or project, or image) written
  // twice, and its shares or members would be counted apart.
  const accountById = new Map<string, string>();
  const projectById = new Map<string, [string, string]>();
  for (const ak of accountKeys) {
    const a = accounts[ak];
    const twin = accountById.get(a.id);
    if (twin !== undefined) err(["accounts", ak, "id"], `account id ${a.id} is also the id of ${place(["accounts", twin, "id"])}: one account, one key (merge the two)`);
    else accountById.set(a.id, ak);
    for (const [pk, p] of Object.entries(a.projects ?? {})) {
      const seen = projectById.get(p.id);
      if (seen !== undefined) err(["accounts", ak, "projects", pk, "id"], `project id ${p.id} is also the id of ${place(["accounts", seen[0], "projects", seen[1], "id"])}: one project, one key`);
      else projectById.set(p.id, [ak, pk]);
    }
  }
  const imageById = new Map<string, string>();
  for (const ik of Object.keys(images)) {
    const img = images[ik];
    if (img.id === undefined) continue;
    const cloudKey = `${img.profile ?? t.profile}\u0000${img.id}`;
    const twin = imageById.get(cloudKey);
    if (twin !== undefined) err(["images", ik, "id"], `image id ${img.id} is also the id of ${place(["images", twin, "id"])}: one image, one key (its shares would be counted apart)`);
    else imageById.set(cloudKey, ik);
  }

  for (const ak of accountKeys) {
    const a = accounts[ak];
    if (![...profiles].some((p) => isValidId(p, "account", a.id))) err(["accounts", ak, "id"], checkId(t.profile, "account", a.id)!);
    if (a.site !== undefined && !hasHuawei) err(["accounts", ak, "site"], "site applies to huaweicloud only (its China and international sites)");
    for (const [pk, p] of Object.entries(a.projects ?? {})) {
      if (![...profiles].some((pr) => isValidId(pr, "project", p.id))) err(["accounts", ak, "projects", pk, "id"], checkId(t.profile, "project", p.id)!);
      if (![...profiles].some((pr) => isValidId(pr, "region", p.region))) err(["accounts", ak, "projects", pk, "region"], checkId(t.profile, "region", p.region)!);
      else checkRegion(["accounts", ak, "projects", pk, "region"], profiles, p.region);
    }
  }

  // Copies: who produces which image key.
  const producer = new Map<string, number>();
  for (const [c, copy] of copies.entries()) {
    const earlier = producer.get(copy.as);
    if (earlier !== undefined) {
      err(["copies", c, "as"], `image "${copy.as}" is already the product of copy "${copies[earlier].name}" (copies[${earlier}])`);
      continue;
    }
    producer.set(copy.as, c);
    const declared = hasOwn(images, copy.as) ? images[copy.as] : undefined;
    if (declared && declared.id !== undefined) {
      err(["copies", c, "as"], `image "${copy.as}" already exists (it has an id under images); a copy needs a new image key`);
    }
  }
  const imageSet = new Set(Object.keys(images));
  const imageExists = (k: string) => imageSet.has(k) || producer.has(k);
  const imageKeys = () => [...Object.keys(images), ...producer.keys()];
  const unknownImage = (k: string) => `unknown image "${k}"${didYouMean(k, imageKeys())}`;

  // Each image's profile, owner and region, following copies (a copy's product: the copier, the copy's region).
  type Info = { profile: ProfileId; owner?: string; region?: string; kind?: string } | null;
  const info = new Map<string, Info>();
  const state = new Map<string, 1 | 2>();
  const cyclic = new Set<number>();
  const infoOf = (k: string): Info => {
    if (info.has(k)) return info.get(k)!;
    const c = producer.get(k);
    const decl = hasOwn(images, k) ? images[k] : undefined;
    if (c === undefined || (decl && decl.id !== undefined)) {
      const r: Info = decl ? { profile: decl.profile ?? t.profile, owner: decl.owner, region: decl.region, kind: decl.kind } : null;
      info.set(k, r);
      return r;
    }
    if (state.get(k) === 1) {
      cyclic.add(c);
      return null;
    }
    state.set(k, 1);
    const copy = copies[c];
    const src = copy.source === k ? null : infoOf(copy.source);
    if (copy.source === k) cyclic.add(c);
    const r: Info = src
      ? { profile: decl?.profile ?? src.profile, owner: copy.by ?? src.owner, region: copy.region, kind: src.kind }
      : { profile: decl?.profile ?? t.profile, owner: copy.by, region: copy.region };
    state.set(k, 2);
    info.set(k, r);
    return r;
  };

  for (const ik of Object.keys(images)) {
    const img = images[ik];
    const base: PathSegment[] = ["images", ik];
    const profile = img.profile ?? t.profile;
    if (img.id === undefined) {
      const c = producer.get(ik);
      if (c === undefined) {
        err(base, `image "${ik}" has no id and no copy produces it (give its id, or add a copy with as: ${ik})`);
        continue;
      }
      // A declared product: what it says must agree with the copy, which decides.
      const product = infoOf(ik);
      if (img.region !== undefined && img.region !== copies[c].region) err([...base, "region"], `is ${img.region}, but copy "${copies[c].name}" makes it in ${copies[c].region}`);
      if (img.owner !== undefined && product?.owner !== undefined && img.owner !== product.owner) err([...base, "owner"], `is ${img.owner}, but copy "${copies[c].name}" makes it for ${product.owner} (the copying account)`);
      if (img.kind !== undefined && product?.kind !== undefined && img.kind !== product.kind) err([...base, "kind"], `is ${img.kind}, but its source is a ${product.kind} image`);
      if (img.owner !== undefined && !hasOwn(accounts, img.owner)) err([...base, "owner"], unknownAccount(img.owner));
      checkImageProject(img.project, product?.owner ?? img.owner, img.region ?? copies[c].region, profile, base);
      continue;
    }
    const idErr = checkId(profile, "image", img.id);
    if (idErr) err([...base, "id"], idErr);
    const regionErr = img.region !== undefined ? checkId(profile, "region", img.region) : undefined;
    if (regionErr) err([...base, "region"], regionErr);
    else if (img.region !== undefined) checkRegion([...base, "region"], [profile], img.region);
    if (img.owner !== undefined && !hasOwn(accounts, img.owner)) {
      err([...base, "owner"], unknownAccount(img.owner));
      continue;
    }
    checkImageProject(img.project, img.owner, img.region, profile, base);
  }

  function checkImageProject(project: string | undefined, owner: string | undefined, region: string | undefined, profile: ProfileId, base: PathSegment[]) {
    if (owner === undefined || !hasOwn(accounts, owner)) return;
    const projects = accounts[owner].projects ?? {};
    if (project !== undefined) {
      if (!hasOwn(projects, project)) {
        err([...base, "project"], `"${project}" is not a project of the owner, account "${owner}"${didYouMean(project, Object.keys(projects))}`);
      } else if (region !== undefined && projects[project].region !== region) {
        err([...base, "project"], `project "${project}" is in ${projects[project].region}, but the image is in ${region}`);
      }
      return;
    }
    if (usesProjects(profile) && region !== undefined) {
      const inRegion = Object.keys(projects).filter((pk) => projects[pk].region === region);
      if (inRegion.length > 1) err(base, `the owner "${owner}" has several projects in ${region} (${inRegion.join(", ")}): name the one holding the image with project:`);
    }
  }

  // Paths are built only for an error: `at` is (base, key, index) of the member reference.
  const checkMember = (ref: MemberRef, base: PathSegment[], field: string, index: number | undefined, imageKey: string) => {
    const where = (...more: PathSegment[]): PathSegment[] => (index === undefined ? [...base, field, ...more] : [...base, field, index, ...more]);
    const account = typeof ref === "string" ? ref : ref.account;
    if (!isAccount(account)) {
      err(typeof ref === "string" ? where() : where("account"), unknownAccount(account));
      return;
    }
    if (typeof ref === "string" && plainAccounts) return;
    const img = imageExists(imageKey) ? infoOf(imageKey) : null;
    const profile = img?.profile ?? t.profile;
    const projects = accounts[account].projects ?? {};
    if (typeof ref !== "string" && ref.project !== undefined) {
      if (!usesProjects(profile)) {
        err(where("project"), `${profile} shares with accounts, not projects: write the member as ${account}`);
      } else if (!hasOwn(projects, ref.project)) {
        err(where("project"), `"${ref.project}" is not a project of account "${account}"${didYouMean(ref.project, Object.keys(projects))}`);
      }
      return;
    }
    // A cloud that shares with projects only (opentelekomcloud): a bare account stands for its only
    // project in the image's region (none: cross-region-share reports it; several: the file must pick one).
    if (PROFILES[profile].shareTarget === "project" && img?.region !== undefined) {
      let first: string | undefined;
      let several: string[] | undefined;
      for (const pk in projects) {
        if (!hasOwn(projects, pk) || projects[pk].region !== img.region) continue;
        if (first === undefined) first = pk;
        else (several ??= [first]).push(pk);
      }
      if (several) {
        err(where(), `account "${account}" has several projects in ${img.region} (${several.join(", ")}): opentelekomcloud shares with one project, write { account: ${account}, project: ${first} }`);
      }
    }
  };
  const anyImageProfile = Object.keys(images).some((k) => images[k].profile !== undefined && images[k].profile !== t.profile);
  // A bare account key needs no more than to exist, except where members are projects only (opentelekomcloud reads it as a project).
  const plainAccounts = PROFILES[t.profile].shareTarget !== "project" && !anyImageProfile;

  // Resource names: violations are attributed by name, so one name is one resource.
  // name -> where first declared, as one small integer (index * 4 + section): no object per resource.
  const SECTIONS = ["shares", "acceptances", "copies"] as const;
  const names = new Map<string, number>();
  const claim = (name: string, section: 0 | 1 | 2, i: number) => {
    const earlier = names.get(name);
    if (earlier !== undefined) {
      err([SECTIONS[section], i, "name"], `duplicate name "${name}" (also ${SECTIONS[earlier & 3]}[${earlier >>> 2}])`);
    } else names.set(name, i * 4 + section);
  };

  for (let s = 0; s < shares.length; s++) {
    const share = shares[s];
    const base: PathSegment[] = ["shares", s];
    claim(share.name, 0, s);
    if (!imageExists(share.image)) err([...base, "image"], unknownImage(share.image));
    if (share.by !== undefined && !isAccount(share.by)) err([...base, "by"], unknownAccount(share.by));
    const members = share.members;
    for (let m = 0; m < members.length; m++) {
      // The common case, a known account by key where the profile shares with accounts: nothing
      // to check, and no call (checkMember's closures make a context per call; a million members).
      const ref = members[m];
      if (typeof ref === "string" && plainAccounts && accountSet.has(ref)) continue;
      checkMember(ref, base, "members", m, share.image);
    }
  }
  for (const ik of Object.keys(images)) {
    const list = images[ik].existingMembers;
    if (Array.isArray(list)) for (let k = 0; k < list.length; k++) checkMember(list[k], ["images", ik], "existingMembers", k, ik);
  }
  for (let a = 0; a < acceptances.length; a++) {
    const acc = acceptances[a];
    const base: PathSegment[] = ["acceptances", a];
    claim(acc.name, 1, a);
    if (!imageExists(acc.image)) err([...base, "image"], unknownImage(acc.image));
    checkMember(acc.member, base, "member", undefined, acc.image);
  }
  for (const [c, copy] of copies.entries()) {
    const base: PathSegment[] = ["copies", c];
    claim(copy.name, 2, c);
    if (!imageExists(copy.source)) err([...base, "source"], unknownImage(copy.source));
    else infoOf(copy.as);
    if (copy.by !== undefined && !hasOwn(accounts, copy.by)) err([...base, "by"], unknownAccount(copy.by));
    const src = imageExists(copy.source) ? infoOf(copy.source) : null;
    const regionErr = checkId(src?.profile ?? t.profile, "region", copy.region);
    if (regionErr) err([...base, "region"], regionErr);
    else checkRegion([...base, "region"], [src?.profile ?? t.profile], copy.region);
  }
  // Cycles of copies: each copy points to at most one other (the producer of its source).
  const colour = new Uint8Array(copies.length); // 0 new, 1 on the current walk, 2 done
  for (let start = 0; start < copies.length; start++) {
    const walk: number[] = [];
    let c: number | undefined = start;
    while (c !== undefined && colour[c] === 0) {
      colour[c] = 1;
      walk.push(c);
      const next: number | undefined = producer.get(copies[c].source);
      c = next;
    }
    if (c !== undefined && colour[c] === 1) for (let i = walk.indexOf(c); i < walk.length; i++) cyclic.add(walk[i]);
    for (const w of walk) colour[w] = 2;
  }
  for (const c of [...cyclic].sort((x, y) => x - y)) {
    err(["copies", c, "source"], `copy "${copies[c].name}" copies ${copies[c].source}, which comes (through copies) from its own product ${copies[c].as}: a cycle of copies`);
  }
  return errors;
}
