/** The rule registry: one file a rule, listed in RULE_IDS order. */
import type { ContextRule } from "../context";
import { rule as memberLimit } from "./member-limit";
import { rule as memberLimitHeadroom } from "./member-limit-headroom";
import { rule as reshareForbidden } from "./reshare-forbidden";
import { rule as crossRegionShare } from "./cross-region-share";
import { rule as selfShare } from "./self-share";
import { rule as memberConflict } from "./member-conflict";
import { rule as acceptanceWithoutShare } from "./acceptance-without-share";
import { rule as acceptanceUnsupported } from "./acceptance-unsupported";
import { rule as copyRequiresAcceptance } from "./copy-requires-acceptance";
import { rule as copyOfSharedImage } from "./copy-of-shared-image";
import { rule as copySameRegion } from "./copy-same-region";
import { rule as crossRegionCopyUnsupported } from "./cross-region-copy-unsupported";
import { rule as deleteWhileShared } from "./delete-while-shared";
import { rule as sharedImageImmutable } from "./shared-image-immutable";
import { rule as crossSiteShare } from "./cross-site-share";
import { rule as untrustedSource } from "./untrusted-source";
import { rule as shareChain } from "./share-chain";
import { rule as pendingAcceptance } from "./pending-acceptance";

export const RULE_DEFINITIONS: readonly ContextRule[] = [
  memberLimit,
  memberLimitHeadroom,
  reshareForbidden,
  crossRegionShare,
  selfShare,
  memberConflict,
  acceptanceWithoutShare,
  acceptanceUnsupported,
  copyRequiresAcceptance,
  copyOfSharedImage,
  copySameRegion,
  crossRegionCopyUnsupported,
  deleteWhileShared,
  sharedImageImmutable,
  crossSiteShare,
  untrustedSource,
  shareChain,
  pendingAcceptance,
];
