import { ImageServiceError } from "../../provider/backends/errors";
import type { BatchResult, CopyRequest, ImageInfo, ImageService, Job, Member, MemberTarget, Page, PageRequest } from "../../provider/backends/types";
import type { ImageKind } from "../../provider/rules/model";
import type { TencentDialectEmulator } from "../../provider/backends/emulator/http/tencentcloud";

/**
 * A small model of Tencent Cloud's image-sharing rules (seed 004: 50 members, no acceptance,
 * owner-only sharing, copies to other regions only and never of a shared image, no delete while
 * shared), behind the dialect, for tests of the dialect and the adapter's own behaviour. Faults:
 * `faults` lists refusals (throttling, server errors) that the next model calls answer with.
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

export class TinyTencentModel implements TencentDialectEmulator {
  readonly memberLimit = 50;
  faults: ("RequestLimitExceeded" | "InternalError")[] = [];
  failNextCopy = false;
  private readonly keys = new Map<string, { secret: string; account: string }>();
  private readonly accounts = new Set<string>();
  private readonly images = new Map<string, StoredImage>();
  private readonly jobs = new Map<string, StoredJob>();
  private readonly actions = new Map<string, number>();
  private nextId = 1;

  addAccessKey(id: string, secret: string, account: string): void {
    this.keys.set(id, { secret, account });
  }
  addAccount(id: string): void {
    this.accounts.add(id);
  }
  addImage(image: { id: string; region: string; owner: string; kind: ImageKind; name: string }): void {
    this.images.set(image.id, { ...image, status: "available", members: [] });
  }
  findAccessKey(id: string) {
    return this.keys.get(id);
  }
  /** Requests per API action, as a wrapping dialect counts them. */
  count(action: string): void {
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
  }
  requests(action: string): number {
    return this.actions.get(action) ?? 0;
  }

  service(options: { profile: "tencentcloud"; region: string; account: string }): ImageService {
    const model = this;
    const { region, account } = options;
    const fault = () => {
      const next = model.faults.shift();
      if (next === "RequestLimitExceeded") throw new ImageServiceError("throttled", "injected throttling");
      if (next === "InternalError") throw new ImageServiceError("transient", "injected server error");
    };
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
    return {
      profile: "tencentcloud",
      region,
      async getImage(id): Promise<ImageInfo> {
        fault();
        const image = visible(id);
        return { id: image.id, region: image.region, owner: image.owner, kind: image.kind, name: image.name, status: image.status, sharedWithCaller: image.owner !== account, ...(image.sourceImageId ? { sourceImageId: image.sourceImageId } : {}) };
      },
      async listMembers(id, page: PageRequest = {}): Promise<Page<Member>> {
        fault();
        const image = owned(id);
        const offset = Number(page.pageToken ?? 0);
        const size = page.pageSize ?? 100;
        const items = image.members.slice(offset, offset + size).map((m): Member => ({ type: "account", id: m, status: "accepted" }));
        return offset + size < image.members.length ? { items, nextPageToken: String(offset + size) } : { items };
      },
      async addMembers(id, members: MemberTarget[]): Promise<BatchResult> {
        fault();
        const image = owned(id);
        for (const m of members) {
          if (m.id === account) throw new ImageServiceError("invalid", "cannot share with yourself", { rule: "self-share" });
          if (!model.accounts.has(m.id)) throw new ImageServiceError("not-found", `no account ${m.id}`);
        }
        const next = new Set([...image.members, ...members.map((m) => m.id)]);
        if (next.size > model.memberLimit) throw new ImageServiceError("quota-exceeded", "too many members", { rule: "member-limit" });
        image.members = [...next];
        return { calls: 1 };
      },
      async removeMembers(id, members: MemberTarget[]): Promise<BatchResult> {
        fault();
        const image = owned(id);
        const gone = new Set(members.map((m) => m.id));
        image.members = image.members.filter((m) => !gone.has(m));
        return { calls: 1 };
      },
      async setMemberStatus(): Promise<void> {
        throw new ImageServiceError("invalid", "no acceptance step", { rule: "acceptance-unsupported" });
      },
      async copyImage(request: CopyRequest): Promise<Job> {
        fault();
        const image = visible(request.imageId);
        if (image.owner !== account) throw new ImageServiceError("forbidden", "shared images cannot be copied", { rule: "copy-of-shared-image" });
        if (request.region === region) throw new ImageServiceError("invalid", "same region", { rule: "copy-same-region" });
        const newId = `img-copy${String(model.nextId++).padStart(4, "0")}`;
        model.images.set(newId, { id: newId, region: request.region, owner: account, kind: image.kind, name: request.name ?? image.name, status: "creating", members: [], sourceImageId: image.id });
        const job: StoredJob = { id: `job-${newId}`, imageId: newId, polls: 0, fails: model.failNextCopy };
        model.failNextCopy = false;
        model.jobs.set(job.id, job);
        return { id: job.id, status: "running", imageId: newId };
      },
      async getJob(jobId): Promise<Job> {
        const job = model.jobs.get(jobId);
        if (!job) throw new ImageServiceError("not-found", `no job ${jobId}`);
        const image = model.images.get(job.imageId);
        if (++job.polls >= 2 && image && image.status === "creating") image.status = job.fails ? "failed" : "available";
        const status = image?.status === "available" ? "succeeded" : image?.status === "failed" ? "failed" : "running";
        return { id: jobId, status, imageId: job.imageId, progress: status === "running" ? 50 : 100, ...(status === "failed" ? { reason: "injected failure" } : {}) };
      },
      async deleteImage(id): Promise<void> {
        fault();
        const image = owned(id);
        if (image.members.length > 0) throw new ImageServiceError("conflict", "still shared", { rule: "delete-while-shared" });
        model.images.delete(id);
      },
    };
  }
}
