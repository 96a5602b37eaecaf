import fs = require("node:fs");
import os = require("node:os");
import path = require("node:path");
import { openEmulator, type Emulator } from "../../provider/backends/emulator";
import type { Dialect } from "../../provider/backends/emulator/http/dialect";
import { startEmulatorServer } from "../../provider/backends/emulator/http/server";
import type { ImageService, MemberTarget } from "../../provider/backends/types";
import type { ProfileId } from "../../provider/rules/model";
import { seedImages, type ImageSeeding } from "./findOwnedImages";
import type { ConformanceWorld } from "./imageService";

/**
 * A conformance world for a cloud whose members are accounts (alicloud, tencentcloud): the real
 * backend on its SDK, against the emulator served over HTTP with that cloud's dialect (every
 * signature verified), on a temporary state file. What differs per cloud is passed in.
 */
export async function servedAccountWorld(cloud: {
  profile: ProfileId;
  region: string;
  otherRegion: string;
  /** Account ids: owner, two recipients, then extra members counting up from `firstExtra`. */
  owner: string;
  recipients: [string, string];
  firstExtra: number;
  /** The access key id of an account, as the cloud shapes it. */
  accessKeyId: (account: string) => string;
  dialect: (emulator: Emulator) => Dialect;
  /** The backend under test, acting as `account` with the given key pair. */
  service: (endpoint: string, region: string, accessKeyId: string, secret: string) => ImageService;
  batchSize: number;
  jobFailureReason?: ConformanceWorld["jobFailureReason"];
}): Promise<ConformanceWorld & ImageSeeding> {
  const { profile, region, owner, recipients } = cloud;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `image-share-${profile}-`));
  const emulator = openEmulator(path.join(dir, "emulator.db"));
  emulator.configure({ copyDurationMs: 150 });
  for (const id of [owner, ...recipients]) {
    emulator.addAccount({ id, profile });
    emulator.addAccessKey({ accessKeyId: cloud.accessKeyId(id), secret: `secret-${id}`, account: id });
  }
  const systemImageId = emulator.addImage({ profile, region, owner, kind: "system", name: "golden-system" });
  const fullImageId = emulator.addImage({ profile, region, owner, kind: "full", name: "golden-full" });
  const server = await startEmulatorServer({ dialects: [cloud.dialect(emulator)] });
  const service = (account: string, inRegion = region, secret = `secret-${account}`) =>
    cloud.service(server.url, inRegion, cloud.accessKeyId(account), secret);
  let next = cloud.firstExtra;
  return {
    profile,
    owner: service(owner),
    ownerInOtherRegion: service(owner, cloud.otherRegion),
    recipient: service(recipients[0]),
    recipient2: service(recipients[1]),
    recipientMember: { type: "account", id: recipients[0] },
    recipient2Member: { type: "account", id: recipients[1] },
    ownerMember: { type: "account", id: owner },
    systemImageId,
    fullImageId,
    otherRegion: cloud.otherRegion,
    async extraMembers(n: number): Promise<MemberTarget[]> {
      const out: MemberTarget[] = [];
      for (let i = 0; i < n; i++) {
        const id = String(next++);
        emulator.addAccount({ id, profile });
        out.push({ type: "account", id });
      }
      return out;
    },
    memberLimit: { system: 50, data: 50, full: 50 },
    batchSize: cloud.batchSize,
    setFaults: async (faults) => emulator.setFaults(faults),
    clearFaults: async () => emulator.clearFaults(),
    retries: true,
    badCredentials: () => service(owner, region, "not-the-secret"),
    pollMs: 20,
    async addImages(images) {
      return seedImages(emulator, profile, { region, otherRegion: cloud.otherRegion, owner: () => ({ account: owner }), recipient: () => ({ account: recipients[0] }), ownerMember: { type: "account", id: owner } }, images);
    },
    ...(cloud.jobFailureReason ? { jobFailureReason: cloud.jobFailureReason } : {}),
    async teardown() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
