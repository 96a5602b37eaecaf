/**
 * The providers the engine's dynamic-provider host runs, reached by package name from the
 * resource classes' thin serialized providers: `require("image-share/runtime")`. This module is
 * light to load: each implementation (and through it the rules core, zod and the backends) is
 * required on first use.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CrossRegionCopyInputs, CrossRegionCopyOutputs, ImageShareInputs, ImageShareOutputs, ShareAcceptanceInputs, ShareAcceptanceOutputs } from "./wire";

type Provider<I, O> = dynamic.ResourceProvider<I, O>;

/**
 * Runs one operation under the resource's retry deadline (connection.retryDeadlineMs), which
 * bounds every retry of every request the operation makes (provider/backends/retry.ts).
 */
function bounded<T>(inputs: unknown, fn: () => Promise<T>): Promise<T> {
  const ms = (inputs as { connection?: { retryDeadlineMs?: unknown } } | undefined)?.connection?.retryDeadlineMs;
  if (typeof ms !== "number") return fn();
  const { withOperationDeadline } = require("../backends/retry") as typeof import("../backends/retry");
  return withOperationDeadline(ms, fn);
}

function lazy<I, O>(load: () => Provider<I, O>): Provider<I, O> {
  let impl: Provider<I, O> | undefined;
  const get = (): Provider<I, O> => (impl ??= load());
  return {
    async configure(req) {
      (require("./provider/credentials") as typeof import("./provider/credentials")).captureConfig(req as never);
    },
    check: (olds, news) => bounded(news, () => get().check!(olds, news)),
    diff: (id, olds, news) => bounded(news, () => get().diff!(id, olds, news)),
    create: (inputs) => bounded(inputs, () => get().create(inputs)),
    read: (id, props) => bounded(props, () => get().read!(id, props)),
    update: (id, olds, news) => bounded(news, () => get().update!(id, olds, news)),
    delete: (id, props) => bounded(props, () => get().delete!(id, props)),
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
