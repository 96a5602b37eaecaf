/**
 * ImageShare through @pulumi/pulumi's own dynamic-provider host with a "cloud" connection: the
 * real IMS backend, credentials read by the provider from environment variables the resource
 * names, against the emulator's IMS dialect over HTTP (signatures verified). Needs bin/ current
 * (`npx tsc -p tsconfig.json`; npm test's pretest does it).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import { imageShareProvider } from "../../provider/resources/imageShare";
import { createHuaweiCloudDialect } from "../../provider/backends/emulator/http/huaweicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { PROVIDER_KEY, startHost, serializeProvider, type Host } from "../harness/host";
import { makeWorld, makeStackDir, key, type World } from "../harness/world";

describe("ImageShare through the dynamic-provider host, huaweicloud / opentelekomcloud backend over HTTP", function () {
  this.timeout(60_000);
  let host: Host;
  let providerText: string;
  let stackDir: string;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async () => {
    providerText = await serializeProvider(imageShareProvider);
    stackDir = makeStackDir();
    host = await startHost({ cwd: stackDir, env: { IMAGE_SHARE_TEST_AK: "AKHOSTTEST", IMAGE_SHARE_TEST_SK: "sk-host-test" } });
  });
  after(async () => {
    await host?.stop();
    for (const c of cleanups) await c();
    fs.rmSync(stackDir, { recursive: true, force: true });
  });

  for (const profile of ["huaweicloud", "opentelekomcloud"] as const) {
    it(`${profile}: check -> create -> read -> update -> delete, every request signed and served over HTTP`, async () => {
      const w: World = makeWorld(profile);
      cleanups.push(() => w.cleanup());
      w.emulator.addAccessKey({ accessKeyId: "AKHOSTTEST", secret: "sk-host-test", account: w.owner, project: w.ownerProject });
      const server: EmulatorServer = await startEmulatorServer({ dialects: [createHuaweiCloudDialect(w.emulator, { memberJobPolls: 0 })] });
      cleanups.push(() => server.close());
      const inputs = (members: number[]) => ({
        profile: w.profile,
        region: w.region,
        account: w.owner,
        project: w.ownerProject,
        connection: { backend: "cloud", endpoint: server.url, credentials: { accessKey: { env: "IMAGE_SHARE_TEST_AK" }, secretKey: { env: "IMAGE_SHARE_TEST_SK" } } },
        imageId: w.imageId,
        members: members.map((i) => w.member(i)),
        [PROVIDER_KEY]: providerText,
      });
      const checked = await host.check({}, inputs([0, 1]));
      assert.deepEqual(checked.failures, []);
      const created = await host.create(checked.inputs);
      assert.deepEqual(w.members(), [w.member(0), w.member(1)].map(key).sort());
      assert.equal(created.properties.imageKind, "system");
      const read = await host.read(created.id, created.properties);
      assert.deepEqual((read.properties.members as unknown[]).map((m) => key(m as never)).sort(), [w.member(0), w.member(1)].map(key).sort());
      const updated = await host.update(created.id, read.properties, inputs([1, 2]));
      assert.deepEqual(w.members(), [w.member(1), w.member(2)].map(key).sort());
      await host.delete(created.id, updated.properties);
      assert.deepEqual(w.members(), []);
      // No credential value in anything the engine keeps.
      assert.doesNotMatch(JSON.stringify([created, read, updated]), /sk-host-test/);
    });
  }
});
