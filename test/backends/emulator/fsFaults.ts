/**
 * File-system errors injected at the fs seam (the store calls node:fs through the module object):
 * writes to files whose path passes `matches` fail with `code` (and, with `opens`, creating them
 * or a link to them), as a full disk (ENOSPC), a
 * read-only file system (EROFS) or a permission (EACCES) would make them. Every file opened after
 * this module is loaded is known by its path, so a file the store keeps open fails too.
 */
import fs = require("node:fs");

type Restore = () => void;

const paths = new Map<number, string>();
const originals = { openSync: fs.openSync, closeSync: fs.closeSync, writeSync: fs.writeSync };
const patched = fs as unknown as Record<string, unknown>;
patched.openSync = (file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
  const fd = originals.openSync(file, flags as fs.OpenMode, mode);
  paths.set(fd, String(file));
  return fd;
};
patched.closeSync = (fd: number) => {
  paths.delete(fd);
  return originals.closeSync(fd);
};

export function injectWriteError(code: string, matches: (file: string) => boolean, options: { opens?: boolean } = {}): Restore {
  const fail = (file: string) => Object.assign(new Error(`${code}: injected, ${file}`), { code, path: file });
  const open = patched.openSync as typeof fs.openSync;
  const write = patched.writeSync as typeof fs.writeSync;
  const link = patched.linkSync as typeof fs.linkSync;
  // Creating a file or a link: where the disk refuses new entries (`opens`).
  patched.linkSync = (existing: fs.PathLike, file: fs.PathLike) => {
    if (options.opens && matches(String(file))) throw fail(String(file));
    return link(existing, file);
  };
  patched.openSync = (file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    if (options.opens && typeof flags === "string" && /[wa+]/.test(flags) && matches(String(file))) throw fail(String(file));
    return open(file, flags as fs.OpenMode, mode);
  };
  patched.writeSync = (fd: number, ...rest: unknown[]) => {
    const file = paths.get(fd);
    if (file !== undefined && matches(file)) {
      // A full disk takes part of a write before it refuses the rest.
      const buffer = rest[0];
      if (Buffer.isBuffer(buffer) && buffer.length > 8) (originals.writeSync as (fd: number, b: Buffer, o: number, l: number, p?: number | null) => number)(fd, buffer, 0, 8, rest[3] as number);
      throw fail(file);
    }
    return (write as (...a: unknown[]) => number)(fd, ...rest);
  };
  return () => {
    patched.openSync = open;
    patched.writeSync = write;
    patched.linkSync = link;
  };
}
