import { openEmulator } from "../../../provider/backends/emulator";

/** 32 hex digits, as IMS project and domain ids are. */
export const hex = (prefix: string, n: number) => `${prefix}${n.toString(16).padStart(32 - prefix.length, "0")}`;

/**
 * One state file with something to call in every dialect: per cloud an owner with an access key
 * and images, recipients, and a "sentinel" image whose owner's key no fuzzer uses, read afterwards
 * to check that the server still answers correctly and that nothing touched it.
 */
export const WORLD = {
  huawei: { owner: hex("d1", 1), project: hex("a1", 1), ak: "AKFUZZHUAWEI0001", sk: "sk-fuzz-huawei", region: "cn-north-4", recipients: [hex("d1", 2), hex("d1", 3)] },
  huaweiSentinel: { owner: hex("d9", 1), project: hex("a9", 1), ak: "AKSENTINELHUAWEI", sk: "sk-sentinel-huawei" },
  ali: { owner: "1000000000000001", ak: "LTAIfuzzowner", sk: "fuzz-ali-secret", region: "cn-hangzhou", recipients: ["1000000000000002", "1000000000000003"] },
  aliSentinel: { owner: "1000000000000009", ak: "LTAIsentinel", sk: "sentinel-ali-secret" },
  tencent: { owner: "100000000001", ak: "AKIDfuzzowner", sk: "fuzz-tencent-secret", region: "ap-guangzhou", recipients: ["100000000002", "100000000003"] },
  tencentSentinel: { owner: "100000000009", ak: "AKIDsentinel", sk: "sentinel-tencent-secret" },
} as const;

export interface SeededWorld {
  images: { huawei: string; ali: string; tencent: string };
  sentinels: { huawei: string; ali: string; tencent: string };
}

export function seedServedWorld(db: string): SeededWorld {
  const e = openEmulator(db);
  const w = WORLD;
  e.configure({ copyDurationMs: 200 });
  e.addAccount({ id: w.huawei.owner, profile: "huaweicloud", projects: [{ id: w.huawei.project, region: w.huawei.region }] });
  w.huawei.recipients.forEach((id, i) => e.addAccount({ id, profile: "huaweicloud", projects: [{ id: hex("a2", i), region: w.huawei.region }] }));
  e.addAccount({ id: w.huaweiSentinel.owner, profile: "huaweicloud", projects: [{ id: w.huaweiSentinel.project, region: w.huawei.region }] });
  e.addAccessKey({ accessKeyId: w.huawei.ak, secret: w.huawei.sk, account: w.huawei.owner, project: w.huawei.project });
  e.addAccessKey({ accessKeyId: w.huaweiSentinel.ak, secret: w.huaweiSentinel.sk, account: w.huaweiSentinel.owner, project: w.huaweiSentinel.project });
  for (const id of [w.ali.owner, ...w.ali.recipients, w.aliSentinel.owner]) e.addAccount({ id, profile: "alicloud" });
  e.addAccessKey({ accessKeyId: w.ali.ak, secret: w.ali.sk, account: w.ali.owner });
  e.addAccessKey({ accessKeyId: w.aliSentinel.ak, secret: w.aliSentinel.sk, account: w.aliSentinel.owner });
  for (const id of [w.tencent.owner, ...w.tencent.recipients, w.tencentSentinel.owner]) e.addAccount({ id, profile: "tencentcloud" });
  e.addAccessKey({ accessKeyId: w.tencent.ak, secret: w.tencent.sk, account: w.tencent.owner });
  e.addAccessKey({ accessKeyId: w.tencentSentinel.ak, secret: w.tencentSentinel.sk, account: w.tencentSentinel.owner });
  const image = (profile: "huaweicloud" | "alicloud" | "tencentcloud", owner: string, region: string, name: string) => e.addImage({ profile, region, owner, kind: "system", name });
  const world: SeededWorld = {
    images: { huawei: image("huaweicloud", w.huawei.owner, w.huawei.region, "fuzz-huawei"), ali: image("alicloud", w.ali.owner, w.ali.region, "fuzz-ali"), tencent: image("tencentcloud", w.tencent.owner, w.tencent.region, "fuzz-tencent") },
    sentinels: {
      huawei: image("huaweicloud", w.huaweiSentinel.owner, w.huawei.region, "sentinel-huawei"),
      ali: image("alicloud", w.aliSentinel.owner, w.ali.region, "sentinel-ali"),
      tencent: image("tencentcloud", w.tencentSentinel.owner, w.tencent.region, "sentinel-tencent"),
    },
  };
  e.addMembersDirectly(world.sentinels.huawei, [{ type: "account", id: w.huawei.recipients[0] }]);
  e.addMembersDirectly(world.sentinels.ali, [{ type: "account", id: w.ali.recipients[0] }]);
  e.addMembersDirectly(world.sentinels.tencent, [{ type: "account", id: w.tencent.recipients[0] }]);
  return world;
}
