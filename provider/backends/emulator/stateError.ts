/**
 * What can go wrong with the emulator's state file, in words a user can act on: the file's path,
 * what is wrong, what to do. Never an `internal error`.
 */
export type StateErrorKind =
  /** The file is not a state this image-share can read (empty, truncated, damaged, foreign, newer). */
  | "unreadable"
  /** The file system refused (disk full, permission, read-only, ...). */
  | "file-system"
  /** The lock could not be taken (a live holder, or one that cannot be checked). */
  | "locked";

export class EmulatorStateError extends Error {
  override readonly name = "EmulatorStateError";
  constructor(
    readonly kind: StateErrorKind,
    /** The file concerned (the state, its lock, a temporary file). */
    readonly file: string,
    message: string,
    /** The file system's error code (ENOSPC, EACCES, ...) for kind "file-system". */
    readonly code?: string,
  ) {
    super(`image-share emulator: ${message}`);
  }
}

const ADVICE: Record<string, string> = {
  ENOSPC: "the disk is full: free some space and retry",
  EDQUOT: "the disk quota is exhausted: free some space and retry",
  EACCES: "permission denied: run as a user who may write there, or point IMAGE_SHARE_EMULATOR_DB (or --db) at a file you may write",
  EPERM: "operation not permitted: run as a user who may write there, or point IMAGE_SHARE_EMULATOR_DB (or --db) at a file you may write",
  EROFS: "the file system is read-only: point IMAGE_SHARE_EMULATOR_DB (or --db) at a writable place",
  EISDIR: "it is a directory, not a file: point IMAGE_SHARE_EMULATOR_DB (or --db) at a file",
  ENOTDIR: "a part of the path is not a directory",
  EMFILE: "too many open files in this process: retry, or raise the limit (ulimit -n)",
  ENFILE: "too many open files on this system: retry later",
  EIO: "the disk reported an input/output error",
};

/** A file-system error on `file` while doing `what` ("write", "read", "lock", ...), as an EmulatorStateError. */
export function fileSystemError(e: unknown, what: string, file: string, consequence = ""): EmulatorStateError {
  if (e instanceof EmulatorStateError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  const detail = code && ADVICE[code] ? `${ADVICE[code]} (${code})` : e instanceof Error ? e.message : String(e);
  return new EmulatorStateError("file-system", file, `cannot ${what} ${file}: ${detail}${consequence ? `; ${consequence}` : ""}`, code);
}
