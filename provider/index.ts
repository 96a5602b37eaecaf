/**
 * image-share: Pulumi resources for sharing cloud images between accounts, accepting shares and
 * copying images across regions, with the clouds' rules checked at preview time.
 *
 *   import { ImageShare, ShareAcceptance, CrossRegionCopy, ShareTopology } from "image-share";
 */
export * from "./resources";
