import assert = require("node:assert/strict");
import { execFile, spawn } from "node:child_process";
import fs = require("node:fs");
import net = require("node:net");
import os = require("node:os");
import path = require("node:path");
import { promisify } from "node:util";
import { createHuaweiCloudImageService } from "../../../provider/backends/huaweicloud";
import { createAlibabaCloudImageService } from "../../../provider/backends/alicloud";
import { serve } from "./wire";

// `image-share emulator keys` and `serve` used by hand, as spawned processes: keys added, listed
// and removed, printed when serve starts, accepted by the clouds' SDKs; and the README's example,
// run as it is written.
const ROOT = path.resolve(__dirname, "../../..");
const CLI = path.join(ROOT, "cli.js");
const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("image-share emulator keys, and serve used by hand", function () {
  this.timeout(60_000);
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-share-keys-"));
    db = path.join(dir, "emulator.db");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("adds keys shaped as each cloud's, lists them, removes them; refuses unknown accounts and keys", async () => {
    for (const file of ["alicloud", "tencentcloud", "huaweicloud"]) assert.equal((await cli(["emulator", "seed", `examples/${file}.yaml`, "--db", db])).code, 0);
    const ali = await cli(["emulator", "keys", "add", "--account", "6492702116800237", "--json", "--db", db]);
    const tencentAll = await cli(["emulator", "keys", "add", "--all", "--json", "--db", db]);
    assert.equal(ali.code, 0, ali.stderr);
    assert.equal(tencentAll.code, 0, tencentAll.stderr);
    const [aliKey] = JSON.parse(ali.stdout) as { accessKeyId: string; secret: string; profile: string }[];
    assert.match(aliKey.accessKeyId, /^LTAI[A-Za-z0-9]{20}$/);
    assert.equal(aliKey.profile, "alicloud");
    const all = JSON.parse(tencentAll.stdout) as { accessKeyId: string; account: string; profile: string; project?: string }[];
    assert.ok(all.length >= 3, "a key for every other account");
    assert.ok(!all.some((k) => k.account === "6492702116800237"), "not for the account that had one");
    assert.ok(all.filter((k) => k.profile === "tencentcloud").every((k) => /^AKID[A-Za-z0-9]{32}$/.test(k.accessKeyId)));
    assert.ok(all.filter((k) => k.profile === "huaweicloud").every((k) => /^[A-Z0-9]{20}$/.test(k.accessKeyId)));
    assert.deepEqual(JSON.parse((await cli(["emulator", "keys", "add", "--all", "--json", "--db", db])).stdout), [], "nothing left to add");
    const listed = await cli(["emulator", "keys", "list", "--db", db]);
    assert.match(listed.stdout, new RegExp(`${aliKey.accessKeyId}  secret ${aliKey.secret}  account 6492702116800237 \\(alicloud\\)`));
    assert.equal((await cli(["emulator", "keys", "remove", aliKey.accessKeyId, "--db", db])).code, 0);
    assert.doesNotMatch((await cli(["emulator", "keys", "list", "--db", db])).stdout, new RegExp(aliKey.accessKeyId));
    const gone = await cli(["emulator", "keys", "remove", aliKey.accessKeyId, "--db", db]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no access key/);
    const nobody = await cli(["emulator", "keys", "add", "--account", "999", "--db", db]);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /no account 999.*seed a topology first/);
    const bad = await cli(["emulator", "keys", "add", "--acount", "1", "--db", db]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown option --acount\nusage: image-share emulator keys add/);
    const wrongProject = await cli(["emulator", "keys", "add", "--account", all.find((k) => k.profile === "huaweicloud")!.account, "--project", "nope", "--db", db]);
    assert.equal(wrongProject.code, 2);
    assert.match(wrongProject.stderr, /has no project nope/);
  });

  it("serve prints the keys it accepts, and a key added while it runs is accepted by the SDKs", async () => {
    assert.equal((await cli(["emulator", "seed", "examples/alicloud.yaml", "--db", db])).code, 0);
    const empty = await serve(db);
    try {
      // No key yet: the start-up message says how to add one.
      while (!/access keys/.test(empty.stderr())) await new Promise((r) => setTimeout(r, 20));
      assert.match(empty.stderr(), /no access keys yet.*keys add --account ID/);
      const added = await cli(["emulator", "keys", "add", "--account", "6492702116800237", "--id", "LTAIbyhand0000000001", "--secret", "by-hand-secret", "--db", db]);
      assert.equal(added.code, 0, added.stderr);
      const backend = createAlibabaCloudImageService({ region: "cn-hangzhou", endpoint: empty.url, accessKeyId: "LTAIbyhand0000000001", accessKeySecret: "by-hand-secret", env: {} });
      const image = await backend.getImage("m-3xtplpft75v2seh60kvj");
      assert.equal(image.owner, "6492702116800237");
    } finally {
      await empty.stop();
    }
    const again = await serve(db);
    try {
      while (!/LTAIbyhand/.test(again.stderr())) await new Promise((r) => setTimeout(r, 20));
      assert.match(again.stderr(), /access keys \(1; .*\n {2,}LTAIbyhand0000000001 {2}secret by-hand-secret {2}account 6492702116800237 \(alicloud\)/);
    } finally {
      await again.stop();
    }
  });

  it("huaweicloud: a key of an account with several projects acts in the project the request names", async () => {
    assert.equal((await cli(["emulator", "seed", "examples/huaweicloud.yaml", "--db", db])).code, 0);
    const snapshot = JSON.parse((await cli(["emulator", "show", "--json", "--db", db])).stdout) as { accounts: { id: string; projects: { id: string; region: string }[] }[]; images: { id: string; owner: string; ownerProject?: string; region: string }[] };
    const image = snapshot.images[0];
    const owner = snapshot.accounts.find((a) => a.id === image.owner)!;
    assert.ok(owner.projects.length > 1, "the example's owner has several projects");
    const key = JSON.parse((await cli(["emulator", "keys", "add", "--account", owner.id, "--json", "--db", db])).stdout)[0] as { accessKeyId: string; secret: string; project?: string };
    assert.equal(key.project, undefined, "no default project among several");
    const served = await serve(db);
    try {
      const backend = createHuaweiCloudImageService({ profile: "huaweicloud", region: image.region, endpoint: served.url, accessKey: key.accessKeyId, secretKey: key.secret, projectId: image.ownerProject!, accountId: owner.id, env: {} });
      assert.equal((await backend.getImage(image.id)).id, image.id);
    } finally {
      await served.stop();
    }
  });

  for (const readme of ["README.md", "provider/backends/emulator/README.md"]) {
    it(`the example of ${readme} works as written (spawned, on a free port)`, async () => {
      const text = fs.readFileSync(path.join(ROOT, readme), "utf8");
      const block = /<!-- example: serve by hand[^\n]*-->\n```sh\n([\s\S]*?)```/.exec(text)?.[1];
      assert.ok(block, "the example is marked in the README");
      const port = await freePort();
      // `npx image-share` is this checkout's CLI; the server's URL line is awaited, not guessed.
      const script = `trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n${block}`
        .replace(/8790/g, String(port))
        .replace(/^(npx image-share emulator serve [^&\n]*)&.*$/m, `$1> "$OUT/serve.out" 2> "$OUT/serve.err" &\nuntil [ -s "$OUT/serve.out" ]; do kill -0 $! || exit 1; sleep 0.05; done`)
        .replace(/npx image-share/g, `node "$CLI"`);
      const child = spawn("bash", ["-e", "-c", script], { cwd: ROOT, env: { ...process.env, CLI, OUT: dir, IMAGE_SHARE_EMULATOR_DB: db } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      assert.equal(code, 0, `${stdout}\n${stderr}\n${fs.existsSync(path.join(dir, "serve.err")) ? fs.readFileSync(path.join(dir, "serve.err"), "utf8") : ""}`);
      const expected = /^# (.+)$/m.exec(block)?.[1];
      assert.ok(expected, "the README says what it prints");
      assert.ok(stdout.split("\n").includes(expected), `printed ${JSON.stringify(stdout)}, the README says ${expected}`);
      assert.match(fs.readFileSync(path.join(dir, "serve.err"), "utf8"), /AKIDexample0001 {2}secret example-secret/);
    });
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
