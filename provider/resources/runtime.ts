/**
 * The providers the engine's dynamic-provider host runs, reached by package name from the
 * resource classes' thin serialized providers: `require("image-share/runtime")`. This module is
 * light to load: each implementation (and through it the rules core, zod and the backends) is
 * required on first use.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CrossRegionCopyInputs, CrossRegionCopyOutputs, ImageShareInputs, ImageShareOutputs, ShareAcceptanceInputs, ShareAcceptanceOutputs } from "./wire";

type Provider<I, O> = dynamic.ResourceProvider<I, O>;

function lazy<I, O>(load: () => Provider<I, O>): Provider<I, O> {
  let impl: Provider<I, O> | undefined;
  const get = (): Provider<I, O> => (impl ??= load());
  return {
    async configure(req) {
      (require("./provider/credentials") as typeof import("./provider/credentials")).captureConfig(req as never);
    },
    check: (olds, news) => get().check!(olds, news),
    diff: (id, olds, news) => get().diff!(id, olds, news),
    create: (inputs) => get().create(inputs),
    read: (id, props) => get().read!(id, props),
    update: (id, olds, news) => get().update!(id, olds, news),
    delete: (id, props) => get().delete!(id, props),
  };
}

export const imageShareProvider: Provider<ImageShareInputs, ImageShareOutputs> = lazy(
  () => (require("./provider/imageShare") as typeof import("./provider/imageShare")).imageShareProvider as never,
);

export const shareAcceptanceProvider: Provider<ShareAcceptanceInputs, ShareAcceptanceOutputs> = lazy(
  () => (require("./provider/shareAcceptance") as typeof import("./provider/shareAcceptance")).shareAcceptanceProvider as never,
);

export const crossRegionCopyProvider: Provider<CrossRegionCopyInputs, CrossRegionCopyOutputs> = lazy(
  () => (require("./provider/crossRegionCopy") as typeof import("./provider/crossRegionCopy")).crossRegionCopyProvider as never,
);
