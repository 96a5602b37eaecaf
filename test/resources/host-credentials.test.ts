/**
 * Credentials through the real host: a resource names where its key pair is (an environment
 * variable, a Pulumi config key), the provider reads the values at run time, and no value
 * reaches the serialized provider text, the resource's outputs, errors or the host's log.
 * The cloud is the emulator served over HTTP in Alibaba Cloud's ECS dialect, so the real
 * alicloud backend signs each request with the key pair.
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import { imageShareProvider } from "../../provider/resources/imageShare";
import { createAlibabaCloudDialect } from "../../provider/backends/emulator/http/alicloud";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import { PROVIDER_KEY, startHost, serializeProvider, HostError, type Host } from "../harness/host";
import { makeWorld, makeStackDir, key, type World } from "../harness/world";

const KEY_ID = "LTAIcredmarkerKEYID0001";
const SECRET = "SECRETVALUE-9f2c41d7-do-not-leak";
const CONFIG_SECRET = "CONFIGSECRET-5b7e0a13-do-not-leak";

describe("credentials through the dynamic-provider host", function () {
  this.timeout(60_000);
  let host: Host;
  let providerText: string;
  let stackDir: string;
  let w: World;
  let server: EmulatorServer;

  before(async () => {
    w = makeWorld("alicloud");
    w.emulator.addAccessKey({ accessKeyId: KEY_ID, secret: SECRET, account: w.owner });
    w.emulator.addAccessKey({ accessKeyId: "LTAIcredmarkerKEYID0002", secret: CONFIG_SECRET, account: w.owner });
    server = await startEmulatorServer({ dialects: [createAlibabaCloudDialect(w.emulator)] });
    providerText = await serializeProvider(imageShareProvider);
    stackDir = makeStackDir();
    host = await startHost({ cwd: stackDir, env: { IS_TEST_AK: KEY_ID, IS_TEST_SK: SECRET, IS_TEST_WRONG_SK: "WRONGSECRET-31c9-do-not-leak" } });
    await host.configure({ "image-share:sk": CONFIG_SECRET, "image-share:ak": "LTAIcredmarkerKEYID0002" });
  });
  after(async () => {
    await host?.stop();
    await server?.close();
    w?.cleanup();
    fs.rmSync(stackDir, { recursive: true, force: true });
  });

  const inputs = (credentials: Record<string, unknown>, members: number[]) => ({
    profile: "alicloud",
    region: w.region,
    account: w.owner,
    connection: { backend: "cloud", endpoint: server.url, credentials },
    imageId: w.imageId,
    members: members.map((i) => w.member(i)),
    [PROVIDER_KEY]: providerText,
  });
  const noLeak = (where: string, text: string) => {
    for (const v of [SECRET, CONFIG_SECRET, "WRONGSECRET-31c9-do-not-leak"]) assert.ok(!text.includes(v), `${where} holds a credential value`);
  };

  it("a lifecycle with credentials from environment variables: values never in provider text, outputs or log", async () => {
    noLeak("the serialized provider", providerText);
    const news = inputs({ accessKey: { env: "IS_TEST_AK" }, secretKey: { env: "IS_TEST_SK" } }, [0, 1]);
    const checked = await host.check({}, news);
    assert.deepEqual(checked.failures, []);
    const created = await host.create(checked.inputs);
    assert.deepEqual(w.members(), [w.member(0), w.member(1)].map(key).sort());
    const read = await host.read(created.id, created.properties);
    const updated = await host.update(created.id, read.properties, inputs({ accessKey: { env: "IS_TEST_AK" }, secretKey: { env: "IS_TEST_SK" } }, [1, 2]));
    assert.deepEqual(w.members(), [w.member(1), w.member(2)].map(key).sort());
    for (const [where, v] of Object.entries({ checked, created, read, updated })) noLeak(where, JSON.stringify(v));
    await host.delete(created.id, updated.properties);
    assert.deepEqual(w.members(), []);
    noLeak("the host's log", host.output());
  });

  it("a secret from Pulumi config (configure) works; a wrong or missing secret fails without the value", async () => {
    const viaConfig = inputs({ accessKey: { config: "image-share:ak" }, secretKey: { config: "image-share:sk" } }, [3]);
    const created = await host.create(viaConfig);
    assert.deepEqual(w.members(), [key(w.member(3))]);
    noLeak("the outputs", JSON.stringify(created));
    await host.delete(created.id, created.properties);
    assert.deepEqual(w.members(), []);
    // The config secret with another key id: the cloud refuses the signature.
    const mixed = inputs({ accessKey: { env: "IS_TEST_AK" }, secretKey: { config: "image-share:sk" } }, [3]);
    await assert.rejects(host.create(mixed), (e: HostError) => {
      noLeak("the error", e.message + JSON.stringify(e.initFailed ?? {}));
      return true;
    });
    const wrong = inputs({ accessKey: { env: "IS_TEST_AK" }, secretKey: { env: "IS_TEST_WRONG_SK" } }, [3]);
    await assert.rejects(host.create(wrong), (e: HostError) => {
      noLeak("the error", e.message);
      assert.doesNotMatch(e.message, /\n\s+at /);
      return true;
    });
    const missing = inputs({ accessKey: { env: "IS_TEST_AK" }, secretKey: { env: "IS_TEST_NOT_SET" } }, [3]);
    const checked = await host.check({}, missing);
    assert.equal(checked.failures[0]?.property, "connection");
    assert.match(checked.failures[0].reason, /IS_TEST_NOT_SET is not set/);
    assert.deepEqual(w.members(), []);
    noLeak("the host's log", host.output());
  });
});
