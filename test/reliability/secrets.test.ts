/**
 * Secrets, the gaps the host and mocks credential tests leave: the real backends (alicloud,
 * tencentcloud, huaweicloud) over the served emulator, driven through the providers in-process
 * with recognizable key pairs in environment variables, on their error paths too (a refused
 * member, a wrong secret, a failed copy job as partial state). No secret value in any output, partial-state properties, error
 * message, anything this process printed, or the emulator's files (apart from the access-key
 * records the test itself registered: the emulator plays the cloud, which knows the secret).
 */
import assert = require("node:assert/strict");
import * as fs from "node:fs";
import * as path from "node:path";
import { crossRegionCopyProvider, imageShareProvider } from "../../provider/resources/runtime";
import { allDialects } from "../../provider/backends/emulator/http/serve";
import { startEmulatorServer, type EmulatorServer } from "../../provider/backends/emulator/http/server";
import type { ProfileId } from "../../provider/rules/model";
import { makeWorld, withEnv, type World } from "./engine";

const SECRET = "RELSECRET-7d1f0c9a-never-print-me";
const WRONG = "RELWRONGSECRET-44b2e1-never-print-me";
const SECRETS = [SECRET, WRONG];

/** Everything written to this process's stdout and stderr while `fn` runs, kept instead of printed (the provider's rule warnings would clutter the test output). */
async function capture<T>(fn: () => Promise<T>): Promise<{ value: T; text: string }> {
  let text = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tap = ((chunk: unknown) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString();
    return true;
  }) as typeof out;
  process.stdout.write = tap;
  process.stderr.write = tap;
  const log = console.log;
  const warn = console.warn;
  const error = console.error;
  console.log = console.warn = console.error = (...a: unknown[]) => void (text += a.map(String).join(" ") + "\n");
  try {
    return { value: await fn(), text };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    console.log = log;
    console.warn = warn;
    console.error = error;
  }
}

function noSecret(where: string, text: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} holds a secret value`);
}

/** Every file under the world's directory; the state file (JSON lines) with its access-key records removed. */
function emulatorFiles(w: World): string {
  let all = "";
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p === w.db) {
        for (const line of fs.readFileSync(p, "utf8").split("\n").filter((l) => l !== "")) {
          const part = JSON.parse(line) as { accessKeys?: Record<string, { secret: string } | null> };
          for (const k of Object.values(part.accessKeys ?? {})) assert.ok(k === null || SECRETS.includes(k.secret), "only the test's own key records hold secrets");
          delete part.accessKeys;
          all += JSON.stringify(part);
        }
      } else all += fs.readFileSync(p, "utf8");
    }
  };
  walk(w.dir);
  return all;
}

const errorText = (e: unknown): string => {
  const x = e as { message?: string; stack?: string; properties?: unknown; reasons?: unknown };
  return `${x?.message ?? String(e)}\n${x?.stack ?? ""}\n${JSON.stringify(x?.properties ?? {})}\n${JSON.stringify(x?.reasons ?? [])}`;
};

describe("reliability: no secret in outputs, errors, logs or the emulator's files (real backends over the served emulator)", function () {
  this.timeout(90_000);

  for (const profile of ["alicloud", "tencentcloud", "huaweicloud"] as ProfileId[]) {
    it(`${profile}: a lifecycle with failing calls (refused member, wrong secret, failed copy job) leaks no secret`, async () => {
      const w = makeWorld(profile, { images: 1, recipients: 4 });
      let server: EmulatorServer | undefined;
      try {
        const keyId = `RELKEY${profile.toUpperCase()}0001`;
        w.emulator.addAccessKey({ accessKeyId: keyId, secret: SECRET, account: w.owner, ...(w.ownerProject ? { project: w.ownerProject } : {}) });
        w.emulator.configure({ copyDurationMs: 100 });
        server = await startEmulatorServer({ dialects: allDialects(w.emulator) });
        const inputs = (sk: string, members: number[]) => ({
          profile,
          region: w.region,
          account: w.owner,
          ...(w.ownerProject ? { project: w.ownerProject } : {}),
          connection: { backend: "cloud", endpoint: server!.url, credentials: { accessKey: { env: "REL_AK" }, secretKey: { env: sk } } },
          imageId: w.images[0],
          members: members.map((i) => w.pool[i]),
        });
        const seen: string[] = [];
        const { text } = await capture(() =>
          withEnv({ REL_AK: keyId, REL_SK: SECRET, REL_SK_WRONG: WRONG, IMAGE_SHARE_RETRY_ATTEMPTS: "4", IMAGE_SHARE_JOB_POLL_MS: "30" }, async () => {
            const p = imageShareProvider;
            const checked = await p.check!({} as never, inputs("REL_SK", [0, 1]) as never);
            seen.push(JSON.stringify(checked));
            const created = await p.create(inputs("REL_SK", [0, 1]) as never);
            seen.push(JSON.stringify(created));
            const read = await p.read!(created.id, created.outs);
            seen.push(JSON.stringify(read));
            const updated = await p.update!(created.id, read.props as never, inputs("REL_SK", [1, 2]) as never);
            seen.push(JSON.stringify(updated));
            // A refused member (an account that does not exist): the cloud's error, as partial state or not.
            const ghost = { ...inputs("REL_SK", [1, 2]), members: [w.pool[1], w.pool[2], { type: "account", id: "no-such-account-9" }] };
            await assert.rejects(p.update!(created.id, updated.outs!, ghost as never), (e) => (seen.push(errorText(e)), true));
            // A wrong secret: the signature is refused.
            await assert.rejects(p.create(inputs("REL_SK_WRONG", [3]) as never), (e) => (seen.push(errorText(e)), true));
            await p.delete!(created.id, updated.outs!);
            if (profile !== "huaweicloud") {
              // A copy job that fails: partial state with the error.
              w.emulator.setFaults({ failJobs: 1 });
              const copy = { ...inputs("REL_SK", []), members: undefined, imageId: undefined, sourceImageId: w.images[0], targetRegion: profile === "alicloud" ? "cn-shanghai" : "ap-shanghai" };
              await assert.rejects(crossRegionCopyProvider.create(copy as never), (e) => {
                seen.push(errorText(e));
                assert.ok((e as { properties?: unknown }).properties, "a failed copy is partial state");
                return true;
              });
            }
          }),
        );
        assert.ok(seen.length >= 6);
        seen.forEach((s, i) => noSecret(`result or error ${i}`, s));
        noSecret("this process's output", text);
        noSecret("the emulator's files", emulatorFiles(w));
      } finally {
        await server?.close();
        w.cleanup();
      }
    });
  }
});
