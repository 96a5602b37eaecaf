import type * as pulumi from "@pulumi/pulumi";

/** The implementations provider/resources/runtime.ts exports, by name. */
export type RuntimeProviderName = "imageShareProvider" | "shareAcceptanceProvider" | "crossRegionCopyProvider";

/**
 * The provider the engine loads from serialized text. It is thin on purpose: each method reaches
 * the implementation by package name, lazily. The serializer keeps a `require` written in a
 * function body as text, and copies this small closure (with `name`) by value, so the text holds
 * nothing else of this package (no module copied by value, no __dirname, no credential).
 *
 * The host evaluates the text as a module with no file name, so a bare require would only search
 * node_modules above its working directory (the stack's). Resolving from a file in that
 * directory (createRequire) also lets Node's package self-reference work: in a user's stack
 * "image-share" is node_modules/image-share; in this repository (the root Pulumi.yaml's example
 * stack) it is the repository itself, through package.json's "exports".
 */
export function thinProvider<Inputs, Outputs>(name: RuntimeProviderName): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  const implementation = (): pulumi.dynamic.ResourceProvider =>
    require("module").createRequire(require("path").join(process.cwd(), "index.js"))("image-share/runtime")[name];
  return {
    async configure(req) {
      const p = implementation();
      if (p.configure) await p.configure(req);
    },
    async check(olds, news) {
      const p = implementation();
      return p.check ? p.check(olds, news) : { inputs: news };
    },
    async diff(id, olds, news) {
      const p = implementation();
      return p.diff ? p.diff(id, olds, news) : {};
    },
    async create(inputs) {
      return implementation().create(inputs);
    },
    async read(id, props) {
      const p = implementation();
      return p.read ? p.read(id, props) : { id, props };
    },
    async update(id, olds, news) {
      const p = implementation();
      if (!p.update) throw new Error(`image-share: ${name} cannot update`);
      return p.update(id, olds, news);
    },
    async delete(id, props) {
      const p = implementation();
      if (p.delete) await p.delete(id, props);
    },
  };
}
