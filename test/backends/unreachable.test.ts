/**
 * Each cloud backend against an endpoint that refuses connections (a wrong endpoint override, a
 * missing network): the SDK's failure comes back as a transient error naming the socket error,
 * marked unreachable, so that the retry layer gives up after its connect deadline (seconds), not
 * after the throttling deadline (two minutes per request: minutes for a `plan` of a few images).
 */
import assert = require("node:assert/strict");
import net = require("node:net");
import { createImageService, type Connection } from "../../provider/backends";
import { ImageServiceError } from "../../provider/backends/errors";
import { PROFILE_IDS } from "../../provider/rules/model";
import { PROFILES, usesProjects } from "../../provider/rules/profiles";

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("cloud backends against an endpoint that cannot be reached", function () {
  this.timeout(30_000);
  const saved = process.env.IMAGE_SHARE_CONNECT_DEADLINE_MS;
  before(() => void (process.env.IMAGE_SHARE_CONNECT_DEADLINE_MS = "300"));
  after(() => (saved === undefined ? delete process.env.IMAGE_SHARE_CONNECT_DEADLINE_MS : (process.env.IMAGE_SHARE_CONNECT_DEADLINE_MS = saved)));

  for (const profile of PROFILE_IDS) {
    it(`${profile}: a read fails as transient, unreachable (ECONNREFUSED), naming it`, async () => {
      const names = PROFILES[profile].credentials;
      const connection = {
        backend: profile,
        profile,
        region: PROFILES[profile].regions[0],
        account: "100000000001",
        ...(usesProjects(profile) ? { project: "0123456789abcdef0123456789abcdef" } : {}),
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        [names.key]: "AKIDEXAMPLE",
        [names.secret]: "secret",
      } as Connection;
      const service = createImageService(connection);
      const error = await service.getImage("img-0").then(
        () => assert.fail("a read from a closed port succeeded"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ImageServiceError, String(error));
      assert.equal(error.kind, "transient");
      assert.equal(error.details.unreachable, "ECONNREFUSED");
      assert.match(error.message, /ECONNREFUSED/);
      assert.doesNotMatch(error.message, /\?\w+=/, "the socket's message, not the request's query string");
    });
  }
});
