/**
 * Files validated together are one view (README, "image-share validate"): image, account and project ids
 * are global per cloud, so the files of one cloud are merged into one topology before the rules
 * run. Shares of one image in several files then sum toward its limit, and a member granted in
 * two files is a member-conflict. Each file keeps its own keys: an account or image that two
 * files name (by its id) is one entry under the first file's key, and a key that two files use
 * for different things gets the later file's name after it (`team-a@b.yaml`). Every element of
 * the merged topology remembers the file and path it came from, so findings are reported there.
 *
 * Two files that say different things about one id (an image's region, an account's site) is
 * an input error naming both places.
 */
import type { Acceptance, Copy, ExistingMember, Image, MemberRef, Share, Topology } from "../rules/model";
import { formatPath, type PathSegment, type TopologyInputError } from "./errors";
import type { TopologyPositions } from "./positions";

export interface LoadedFile {
  file: string;
  topology: Topology;
  positions: TopologyPositions;
}

/** An element of a merged topology, in its file. */
export interface Origin {
  file: string;
  segments: PathSegment[];
}

export interface MergedTopology {
  topology: Topology;
  files: LoadedFile[];
  /** The file and path a merged path comes from (the deepest part the merge knows, the rest as is). */
  origin(segments: readonly PathSegment[]): Origin;
  /** The element a resource name of the merged topology (a share, acceptance or copy name, or `images.<key>`) comes from. */
  resourceOrigin(resource: string): Origin | undefined;
}

export type MergeResult = MergedTopology | { errors: TopologyInputError[] };

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Merges topologies of one cloud (the same profile) into one view. One file is returned as it is. */
export function mergeTopologies(files: LoadedFile[]): MergeResult {
  if (files.length === 1) {
    const only = files[0];
    // Made when first asked (findings without a path, suppressions): not for every file.
    let elementAt: Map<string, Origin> | undefined;
    return {
      topology: only.topology,
      files,
      origin: (segments) => ({ file: only.file, segments: [...segments] }),
      resourceOrigin: (resource) => (elementAt ??= elementsOf(only.topology, only.file)).get(resource),
    };
  }
  const errors: TopologyInputError[] = [];
  const conflict = (f: LoadedFile, segments: PathSegment[], message: string) => {
    errors.push({ file: f.file, ...(f.positions.locate(segments) ?? {}), path: formatPath(segments), segments, message });
  };

  const first = files[0].topology;
  const merged: Topology = { profile: first.profile, accounts: {}, images: {}, shares: [], acceptances: [], copies: [] };
  // Merged key -> origin, per section; merged index -> origin for lists.
  const accountOrigin = new Map<string, Origin>();
  const imageOrigin = new Map<string, Origin>();
  // Merged image key -> the origin of each entry of its existingMembers list.
  const existingOrigin = new Map<string, Origin[]>();
  const listOrigin = { shares: [] as Origin[], acceptances: [] as Origin[], copies: [] as Origin[] };
  const byName = new Map<string, Origin>();
  const usedNames = new Set<string>();
  // Cloud id -> merged key.
  const accountById = new Map<string, string>();
  const projectById = new Map<string, { account: string; project: string }>();
  const imageById = new Map<string, string>();
  const productKeys = new Set<string>();

  const freshKey = (taken: (k: string) => boolean, key: string, file: string) => {
    if (!taken(key)) return key;
    let k = `${key}@${file}`;
    for (let n = 2; taken(k); n++) k = `${key}@${file}#${n}`;
    return k;
  };

  for (const f of files) {
    const t = f.topology;
    const accountKey = new Map<string, string>();
    const projectKey = new Map<string, Map<string, string>>();
    for (const [k, a] of Object.entries(t.accounts)) {
      let key = accountById.get(a.id);
      if (key === undefined) {
        key = freshKey((x) => hasOwn(merged.accounts, x), k, f.file);
        merged.accounts[key] = { id: a.id, ...(a.site !== undefined ? { site: a.site } : {}) };
        accountById.set(a.id, key);
        accountOrigin.set(key, { file: f.file, segments: ["accounts", k] });
      } else {
        const into = merged.accounts[key];
        if (a.site !== undefined && into.site !== undefined && a.site !== into.site) {
          const o = accountOrigin.get(key)!;
          conflict(f, ["accounts", k, "site"], `account id ${a.id} is on site ${a.site} here, but on site ${into.site} in ${whereOf(files, o)} (accounts.${formatPath(o.segments.slice(1))})`);
        } else if (a.site !== undefined) into.site = a.site;
      }
      accountKey.set(k, key);
      const projects = new Map<string, string>();
      projectKey.set(k, projects);
      for (const [pk, p] of Object.entries(a.projects ?? {})) {
        const known = projectById.get(p.id);
        if (known && known.account !== key) {
          conflict(f, ["accounts", k, "projects", pk, "id"], `project id ${p.id} belongs to account ${k} here, but to account ${known.account} in another file`);
          continue;
        }
        if (known) {
          const into = merged.accounts[key].projects![known.project];
          if (into.region !== p.region) conflict(f, ["accounts", k, "projects", pk, "region"], `project id ${p.id} is in ${p.region} here, but in ${into.region} in another file`);
          projects.set(pk, known.project);
          continue;
        }
        const into = (merged.accounts[key].projects ??= {});
        const mk = freshKey((x) => hasOwn(into, x), pk, f.file);
        into[mk] = { id: p.id, region: p.region };
        projectById.set(p.id, { account: key, project: mk });
        projects.set(pk, mk);
      }
    }
    const acc = (k: string) => accountKey.get(k) ?? k;
    const ref = (m: MemberRef): MemberRef => {
      if (typeof m === "string") return acc(m);
      const out: { account: string; project?: string } = { account: acc(m.account) };
      if (m.project !== undefined) out.project = projectKey.get(m.account)?.get(m.project) ?? m.project;
      return out;
    };

    const existing = (e: ExistingMember): ExistingMember => {
      const r = ref({ account: e.account, ...(e.project !== undefined ? { project: e.project } : {}) }) as ExistingMember;
      if (e.status !== undefined) r.status = e.status;
      return r;
    };
    const sameMember = (a: ExistingMember, b: ExistingMember) => a.account === b.account && a.project === b.project;
    // Both files describe members present in the cloud: the same members, each counted once.
    const mergeExisting = (f: LoadedFile, k: string, img: Image, known: string, into: Image, o: Origin) => {
      const mine = img.existingMembers;
      const theirs = into.existingMembers;
      if (mine === undefined) return;
      const there = `${whereOf(files, o)} (images.${String(o.segments[1])})`;
      if (typeof mine === "number" && typeof theirs !== "object") {
        if (mine > (theirs ?? 0)) into.existingMembers = mine;
        return;
      }
      const list = typeof mine === "object" ? mine.map(existing) : undefined;
      const other = typeof theirs === "object" ? theirs : undefined;
      // A count beside a list: the same members if the count is no larger than the list.
      const count = typeof mine === "number" ? mine : typeof theirs === "number" ? theirs : 0;
      const longest = Math.max(list?.length ?? 0, other?.length ?? 0);
      if (count > longest) {
        conflict(f, ["images", k, "existingMembers"], `image id ${img.id}: ${typeof mine === "number" ? `${mine} members here, a list of ${other!.length} in ${there}` : `a list of ${list!.length} here, ${theirs} members in ${there}`}: name them in one list (or give the same members in each file)`);
        return;
      }
      if (!list) return;
      if (!other) {
        into.existingMembers = list;
        existingOrigin.set(known, list.map((_, i) => ({ file: f.file, segments: ["images", k, "existingMembers", i] })));
        return;
      }
      const origins = existingOrigin.get(known) ?? other.map((_, i) => ({ file: o.file, segments: [...o.segments, "existingMembers", i] }));
      list.forEach((e, i) => {
        const j = other.findIndex((x) => sameMember(x, e));
        if (j === -1) {
          other.push(e);
          origins.push({ file: f.file, segments: ["images", k, "existingMembers", i] });
        } else if ((e.status ?? "") !== (other[j].status ?? "")) {
          const p = origins[j];
          conflict(f, ["images", k, "existingMembers", i, "status"], `image id ${img.id}: member ${e.project ?? e.account} is ${e.status ?? "(no status)"} here, but ${other[j].status ?? "(no status)"} in ${whereOf(files, p)} (${formatPath(p.segments)})`);
        }
      });
      existingOrigin.set(known, origins);
    };

    const imageKey = new Map<string, string>();
    for (const [k, img] of Object.entries(t.images)) {
      const profile = img.profile ?? t.profile;
      const owner = acc(img.owner);
      const project = img.project === undefined ? undefined : (projectKey.get(img.owner)?.get(img.project) ?? img.project);
      const known = img.id !== undefined ? imageById.get(img.id) : undefined;
      if (known !== undefined) {
        const into = merged.images[known];
        const o = imageOrigin.get(known)!;
        const differ = (
          [
            ["region", img.region, into.region],
            ["owner", owner, into.owner],
            ["kind", img.kind, into.kind],
            ["profile", profile, into.profile],
          ] as const
        ).filter(([, a, b]) => a !== b);
        for (const [field, a, b] of differ) {
          conflict(f, ["images", k, field], `image id ${img.id} has ${field} ${a} here, but ${b} in ${whereOf(files, o)} (images.${String(o.segments[1])})`);
        }
        mergeExisting(f, k, img, known, into, o);
        imageKey.set(k, known);
        continue;
      }
      const key = freshKey((x) => hasOwn(merged.images, x) || productKeys.has(x), k, f.file);
      const copy: Image = { ...img, owner, profile };
      if (project !== undefined) copy.project = project;
      if (Array.isArray(img.existingMembers)) copy.existingMembers = img.existingMembers.map(existing);
      merged.images[key] = copy;
      if (img.id !== undefined) imageById.set(img.id, key);
      imageOrigin.set(key, { file: f.file, segments: ["images", k] });
      imageKey.set(k, key);
    }
    // A copy's product without an entry under images is keyed by the copy's `as`, unique across files.
    for (const c of t.copies) {
      if (!imageKey.has(c.as)) {
        const key = freshKey((x) => hasOwn(merged.images, x) || productKeys.has(x), c.as, f.file);
        imageKey.set(c.as, key);
        productKeys.add(key);
      }
    }
    const img = (k: string) => imageKey.get(k) ?? k;
    const name = (n: string) => {
      const out = usedNames.has(n) ? freshKey((x) => usedNames.has(x), n, f.file) : n;
      usedNames.add(out);
      return out;
    };

    t.shares.forEach((s, i) => {
      const share: Share = { name: name(s.name), image: img(s.image), members: s.members.map(ref) };
      if (s.by !== undefined) share.by = acc(s.by);
      const o = { file: f.file, segments: ["shares", i] };
      listOrigin.shares.push(o);
      byName.set(share.name, o);
      merged.shares.push(share);
    });
    t.acceptances.forEach((a, i) => {
      const acceptance: Acceptance = { name: name(a.name), image: img(a.image), member: ref(a.member), status: a.status };
      const o = { file: f.file, segments: ["acceptances", i] };
      listOrigin.acceptances.push(o);
      byName.set(acceptance.name, o);
      merged.acceptances.push(acceptance);
    });
    t.copies.forEach((c, i) => {
      const copy: Copy = { ...c, name: name(c.name), source: img(c.source), as: img(c.as) };
      if (c.by !== undefined) copy.by = acc(c.by);
      const o = { file: f.file, segments: ["copies", i] };
      listOrigin.copies.push(o);
      byName.set(copy.name, o);
      merged.copies.push(copy);
    });

    if (t.limits !== undefined) {
      if (merged.limits !== undefined && JSON.stringify(merged.limits) !== JSON.stringify(t.limits)) {
        conflict(f, ["limits"], `limits differ from those of ${files[0].file} (files validated together are one cloud's view: give the limits in one file, or the same in each)`);
      } else merged.limits = { ...t.limits };
    }
    // One view of whom the organisation trusts: the union of the files' trust lists.
    if (t.trust !== undefined) merged.trust = [...new Set([...(merged.trust ?? []), ...t.trust.map(acc)])];
    if (t.strictTrust === true) merged.strictTrust = true;
    if (t.regions !== undefined) merged.regions = [...new Set([...(merged.regions ?? []), ...t.regions])];
  }
  if (errors.length > 0) return { errors };

  const sectionOrigin = (section: string, key: string): Origin | undefined => {
    if (section === "accounts") return accountOrigin.get(key);
    if (section === "images") return imageOrigin.get(key);
    return undefined;
  };
  return {
    topology: merged,
    files,
    origin(segments) {
      const [section, at, ...rest] = segments;
      if ((section === "shares" || section === "acceptances" || section === "copies") && typeof at === "number") {
        const o = listOrigin[section][at];
        if (o) return { file: o.file, segments: [...o.segments, ...rest] };
      }
      if (section === "images" && typeof at === "string" && rest[0] === "existingMembers" && typeof rest[1] === "number") {
        const o = existingOrigin.get(at)?.[rest[1]];
        if (o) return { file: o.file, segments: [...o.segments, ...rest.slice(2)] };
      }
      if (typeof section === "string" && typeof at === "string") {
        const o = sectionOrigin(section, at);
        if (o) return { file: o.file, segments: [...o.segments, ...rest] };
      }
      return { file: files[0].file, segments: [...segments] };
    },
    resourceOrigin(resource) {
      if (resource.startsWith("images.")) return imageOrigin.get(resource.slice("images.".length));
      return byName.get(resource);
    },
  };
}

function whereOf(files: LoadedFile[], o: Origin): string {
  const f = files.find((x) => x.file === o.file);
  const p = f?.positions.locate(o.segments);
  return `${o.file}${p ? `:${p.line}:${p.column}` : ""}`;
}

/** Name -> element of one file's topology. */
function elementsOf(t: Topology, file: string): Map<string, Origin> {
  const m = new Map<string, Origin>();
  t.shares.forEach((s, i) => m.set(s.name, { file, segments: ["shares", i] }));
  t.acceptances.forEach((a, i) => m.set(a.name, { file, segments: ["acceptances", i] }));
  t.copies.forEach((c, i) => m.set(c.name, { file, segments: ["copies", i] }));
  for (const k of Object.keys(t.images)) m.set(`images.${k}`, { file, segments: ["images", k] });
  return m;
}
