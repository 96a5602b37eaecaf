import type { ProfileId } from "./model";

/**
 * Each cloud's region ids, with where the list comes from (docs/sources.md, "Region tables"). A
 * region id that is not in its cloud's table is an input error (with a did-you-mean); a region the
 * table does not know yet is added by the topology file's `regions:` (or a resource's `regions`),
 * so a new region never waits for a release of this package.
 */
export interface RegionTable {
  regions: readonly string[];
  /** Where the list comes from: a section of docs/sources.md. */
  source: string;
}

export const REGION_TABLES: Readonly<Record<ProfileId, RegionTable>> = {
  huaweicloud: {
    // huaweicloud-sdk-go-v3 services/ims/v2/region/region.go (commit 1cd70eb6f, 2026-03-13): IMS's regions.
    source: "Huawei Cloud IMS regions",
    regions: [
      "af-north-1", "af-south-1", "ae-ad-1",
      "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
      "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
      "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-11", "cn-north-12",
      "cn-south-1", "cn-south-2", "cn-south-4", "cn-southwest-2", "cn-southwest-3",
      "eu-west-0", "eu-west-101",
      "la-north-2", "la-south-2", "me-east-1", "my-kualalumpur-1", "na-mexico-1", "ru-moscow-1", "sa-brazil-1", "tr-west-1",
    ],
  },
  opentelekomcloud: {
    // The IMS endpoint table of the huaweicloud backend (OTC_IMS_ENDPOINTS: OTC "Regions and Endpoints").
    source: "Open Telekom Cloud regions",
    regions: ["eu-ch2", "eu-de", "eu-nl"],
  },
  alicloud: {
    // ECS "Regions and zones" and the region-id table (alibabacloud.com help 140601); the finance
    // and government regions of @alicloud/ecs20140526's endpoint map; two closed regions
    // (ap-south-1, ap-southeast-2) kept, as images may still be described there.
    source: "Alibaba Cloud ECS regions",
    regions: [
      "cn-qingdao", "cn-beijing", "cn-zhangjiakou", "cn-huhehaote", "cn-wulanchabu",
      "cn-hangzhou", "cn-shanghai", "cn-nanjing", "cn-fuzhou", "cn-wuhan-lr",
      "cn-shenzhen", "cn-heyuan", "cn-guangzhou", "cn-chengdu", "cn-hongkong",
      "ap-northeast-1", "ap-northeast-2", "ap-south-1",
      "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
      "us-east-1", "us-west-1", "na-south-1", "eu-central-1", "eu-west-1", "me-east-1", "me-central-1",
      "cn-beijing-finance-1", "cn-hangzhou-finance", "cn-shanghai-finance-1", "cn-shenzhen-finance-1", "cn-north-2-gov-1",
    ],
  },
  tencentcloud: {
    // tencentcloud-sdk-nodejs-cvm 4.1.316 cvm_models.d.ts ZoneInfo.Zone: "全网可用区名称如下" (every
    // zone of the cloud); a region is a zone without its number (ap-guangzhou-3 -> ap-guangzhou).
    source: "Tencent Cloud CVM regions",
    regions: [
      "ap-bangkok", "ap-beijing", "ap-chengdu", "ap-chongqing", "ap-guangzhou", "ap-hongkong", "ap-jakarta", "ap-mumbai",
      "ap-nanjing", "ap-seoul", "ap-shanghai", "ap-shanghai-fsi", "ap-shenzhen-fsi", "ap-singapore", "ap-tokyo",
      "eu-frankfurt", "na-ashburn", "na-siliconvalley", "sa-saopaulo",
    ],
  },
};

const SETS = new Map<ProfileId, ReadonlySet<string>>(Object.entries(REGION_TABLES).map(([p, t]) => [p as ProfileId, new Set(t.regions)]));

/** Whether a region is in the profile's table or among the regions a file or resource adds (`extra`). */
export function knownRegion(profile: ProfileId, region: string, extra: readonly string[] = []): boolean {
  return SETS.get(profile)!.has(region) || extra.includes(region);
}
