/**
 * File-system errors injected at the fs seam (the store calls node:fs through the module object):
 * writes to files whose path passes `matches` fail with `code`, as a full disk (ENOSPC), a
 * read-only file system (EROFS) or a permission (EACCES) would make them. Loaded into a spawned
 * CLI by `--require` (then configured by IMAGE_SHARE_TEST_FS_FAULT="CODE:substring") or called in-process.
 */
import fs = require("node:fs");

type Restore = () => void;

export function injectWriteError(code: string, matches: (file: string) => boolean, options: { opens?: boolean } = {}): Restore {
  const fds = new Set<number>();
  const originals = { openSync: fs.openSync, writeSync: fs.writeSync };
  const fail = (file: string) => Object.assign(new Error(`${code}: injected, ${file}`), { code, path: file });
  const patched = fs as unknown as Record<string, unknown>;
  patched.openSync = (file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
    const name = String(file);
    const writing = typeof flags === "string" && /[wa+]/.test(flags);
    if (writing && options.opens && matches(name)) throw fail(name);
    const fd = originals.openSync(file, flags as fs.OpenMode, mode);
    if (writing && matches(name)) fds.add(fd);
    return fd;
  };
  patched.writeSync = (fd: number, ...rest: unknown[]) => {
    if (fds.has(fd)) {
      // A full disk takes part of a write before it refuses the rest.
      const buffer = rest[0];
      if (Buffer.isBuffer(buffer) && buffer.length > 8) (originals.writeSync as (fd: number, b: Buffer, o: number, l: number, p?: number | null) => number)(fd, buffer, 0, 8, rest[3] as number);
      throw fail(`fd ${fd}`);
    }
    return (originals.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  };
  return () => {
    patched.openSync = originals.openSync;
    patched.writeSync = originals.writeSync;
  };
}

const configured = process.env.IMAGE_SHARE_TEST_FS_FAULT;
if (configured) {
  const [code, part] = configured.split(":");
  injectWriteError(code, (file) => file.includes(part));
}
