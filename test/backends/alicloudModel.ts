import { ImageServiceError } from "../../provider/backends/errors";
import type { AlibabaCloudEmulator, AlibabaFault } from "../../provider/backends/emulator/http/alicloud";
import type { DialectService } from "../../provider/backends/emulator/http/base";
import type { BatchResult, CopyRequest, ImageInfo, Job, Member, MemberTarget, Page, PageRequest } from "../../provider/backends/types";
import type { ImageKind } from "../../provider/rules/model";

/**
 * A small model of Alibaba Cloud's image-sharing rules (seeds 002 / 003: 50 member accounts, no
 * acceptance step, owner-only sharing, no sharing with oneself, no delete while shared; copies
 * within a region or to another), behind the dialect, for tests of the dialect and the adapter
 * (alicloud.emulator.test.ts runs it on the emulator's own model). Its refusals carry the cloud's
 * codes where the model's would (the dialect maps codes, never messages). Faults: `faults` is
 * the schedule the dialect takes from (`takeFault`), one per request; `failNextCopy` makes the
 * next copy end CreateFailed.
 */
interface StoredImage {
  id: string;
  region: string;
  owner: string;
  kind: ImageKind;
  name: string;
  status: ImageInfo["status"];
  members: string[];
  sourceImageId?: string;
}

interface StoredJob {
  id: string;
  imageId: string;
  polls: number;
  fails: boolean;
}

export class TinyAlibabaModel implements AlibabaCloudEmulator {
  memberLimit = 50;
  faults: AlibabaFault[] = [];
  failNextCopy = false;
  /** Job polls (getJob) before a copy ends. */
  copyPollsToFinish = 2;
  /** Every addMembers / removeMembers call the model received, with its account ids. */
  readonly changes: { change: "add" | "remove"; ids: string[] }[] = [];
  private readonly keys = new Map<string, { secret: string; account: string }>();
  private readonly accounts = new Set<string>();
  private readonly images = new Map<string, StoredImage>();
  private readonly jobs = new Map<string, StoredJob>();
  /** CopyImage ClientTokens (account:token) and the copies they started. */
  private readonly tokens = new Map<string, StoredJob>();
  private nextId = 1;

  addAccessKey(id: string, secret: string, account: string): void {
    this.keys.set(id, { secret, account });
    this.accounts.add(account);
  }
  addAccount(id: string): void {
    this.accounts.add(id);
  }
  addImage(image: { id: string; region: string; owner: string; kind: ImageKind; name: string; members?: string[] }): void {
    this.images.set(image.id, { ...image, status: "available", members: image.members ?? [] });
  }
  members(imageId: string): string[] {
    return [...(this.images.get(imageId)?.members ?? [])];
  }
  findAccessKey(id: string) {
    return this.keys.get(id);
  }
  takeFault(): AlibabaFault | undefined {
    return this.faults.shift();
  }
  /** One read of a copy: after copyPollsToFinish reads it ends. */
  advance(job: StoredJob): StoredImage | undefined {
    const image = this.images.get(job.imageId);
    if (++job.polls >= this.copyPollsToFinish && image && image.status === "creating") image.status = job.fails ? "failed" : "available";
    return image;
  }

  service(options: { profile: "alicloud"; region: string; account: string }): DialectService {
    const model = this;
    const { region, account } = options;
    const visible = (id: string): StoredImage => {
      const image = model.images.get(id);
      if (!image || image.region !== region || (image.owner !== account && !image.members.includes(account))) {
        throw new ImageServiceError("not-found", `no image ${id} in ${region}`);
      }
      return image;
    };
    const owned = (id: string): StoredImage => {
      const image = visible(id);
      if (image.owner !== account) throw new ImageServiceError("forbidden", `image ${id} is not owned by ${account}`, { rule: "reshare-forbidden" });
      return image;
    };
    const service: DialectService = {
      profile: "alicloud",
      region,
      async findOwnedImages(name): Promise<ImageInfo[]> {
        const named = [...model.images.values()].filter((i) => i.region === region && i.owner === account && i.name === name);
        return Promise.all(named.map((i) => service.getImage(i.id)));
      },
      async getImage(id): Promise<ImageInfo> {
        const image = visible(id);
        // A copy advances as it is read, as ECS reports a copy's progress on the image.
        const job = [...model.jobs.values()].find((j) => j.imageId === id);
        if (job) model.advance(job);
        return {
          id: image.id,
          region: image.region,
          owner: image.owner,
          kind: image.kind,
          name: image.name,
          status: image.status,
          sharedWithCaller: image.owner !== account,
          ...(image.sourceImageId ? { sourceImageId: image.sourceImageId } : {}),
        };
      },
      async listMembers(id, page: PageRequest = {}): Promise<Page<Member>> {
        const image = owned(id);
        const offset = Number(page.pageToken ?? 0);
        const size = page.pageSize ?? 100;
        const items = image.members.slice(offset, offset + size).map((m): Member => ({ type: "account", id: m, status: "accepted" }));
        return offset + size < image.members.length ? { items, nextPageToken: String(offset + size) } : { items };
      },
      async addMembers(id, members: MemberTarget[]): Promise<BatchResult> {
        const image = owned(id);
        model.changes.push({ change: "add", ids: members.map((m) => m.id) });
        for (const m of members) {
          if (m.id === account) throw new ImageServiceError("invalid", "cannot share with yourself", { rule: "self-share" });
          if (!model.accounts.has(m.id)) throw new ImageServiceError("not-found", `no account ${m.id}`, { cloudCode: "InvalidAccount.NotFound" });
        }
        const next = new Set([...image.members, ...members.map((m) => m.id)]);
        if (next.size > model.memberLimit) throw new ImageServiceError("quota-exceeded", "too many members", { rule: "member-limit" });
        image.members = [...next];
        return { calls: 1 };
      },
      async removeMembers(id, members: MemberTarget[]): Promise<BatchResult> {
        const image = owned(id);
        model.changes.push({ change: "remove", ids: members.map((m) => m.id) });
        const gone = new Set(members.map((m) => m.id));
        image.members = image.members.filter((m) => !gone.has(m));
        return { calls: 1 };
      },
      async setMemberStatus(): Promise<void> {
        throw new ImageServiceError("invalid", "no acceptance step", { rule: "acceptance-unsupported" });
      },
      async copyImage(request: CopyRequest): Promise<Job> {
        const earlier = request.clientToken === undefined ? undefined : model.tokens.get(`${account}:${request.clientToken}`);
        if (earlier) return { id: earlier.id, status: "running", imageId: earlier.imageId };
        const image = visible(request.imageId);
        const newId = `m-copy${String(model.nextId++).padStart(4, "0")}`;
        model.images.set(newId, {
          id: newId,
          region: request.region,
          owner: account,
          kind: image.kind,
          name: request.name ?? image.name,
          status: "creating",
          members: [],
          sourceImageId: image.id,
        });
        const job: StoredJob = { id: `job-${newId}`, imageId: newId, polls: 0, fails: model.failNextCopy };
        model.failNextCopy = false;
        model.jobs.set(job.id, job);
        if (request.clientToken !== undefined) model.tokens.set(`${account}:${request.clientToken}`, job);
        return { id: job.id, status: "running", imageId: newId };
      },
      async getJob(jobId): Promise<Job> {
        const job = model.jobs.get(jobId);
        if (!job) throw new ImageServiceError("not-found", `no job ${jobId}`);
        const image = model.advance(job);
        const status = image?.status === "available" ? "succeeded" : image?.status === "failed" ? "failed" : "running";
        return { id: jobId, status, imageId: job.imageId, progress: status === "running" ? 50 : 100, ...(status === "failed" ? { reason: "injected failure" } : {}) };
      },
      async deleteImage(id): Promise<void> {
        const image = owned(id);
        if (image.members.length > 0) throw new ImageServiceError("conflict", "still shared", { rule: "delete-while-shared" });
        model.images.delete(id);
      },
      async listImages(): Promise<(ImageInfo & { createdAt: number })[]> {
        const visible = [...model.images.values()].filter((i) => i.region === region && (i.owner === account || i.members.includes(account)));
        return Promise.all(visible.map(async (i) => ({ ...(await service.getImage(i.id)), createdAt: 0 })));
      },
      async memberRecords(id): Promise<(Member & { createdAt: number })[]> {
        return owned(id).members.map((m) => ({ type: "account", id: m, status: "accepted", createdAt: 0 }));
      },
      async getMember(): Promise<never> {
        throw new ImageServiceError("not-found", "no acceptance step: members are read as a list");
      },
      async cancelCopy(id): Promise<void> {
        const image = owned(id);
        if (image.status !== "creating") throw new ImageServiceError("conflict", `image ${id} is no copy being made`, { cloudCode: "IncorrectImageStatus" });
        model.images.delete(id);
      },
    };
    return service;
  }
}
