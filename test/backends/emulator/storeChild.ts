/**
 * A child process for the store tests (not a test file). Modes:
 *   increment FILE N PREFIX [COMPACT]  N read-modify-writes (seq + 1 and an account), then "done"
 *   optimistic FILE N                  N optimistic increments of seq (run without the lock first)
 *   hold FILE                          takes the lock and never lets it go (the parent kills it)
 *   hold-until FILE SIGNAL ACCOUNT     takes the lock, prints "locked", keeps it until the file
 *                                      SIGNAL exists, then writes ACCOUNT and prints "done"
 *   write FILE ACCOUNT                 one write (an account), then "done"
 *   churn FILE PREFIX START COMPACT    writes forever (an account with a project, seq + 1, a
 *                                      moment inside the lock), printing "ok I" after each one
 *                                      has returned; the parent kills it at random
 *   relock FILE                        puts a lock of its own in place, then replaces it with
 *                                      another without a pause, forever (the parent kills it)
 */
import fs = require("node:fs");
import { FileStore } from "../../../provider/backends/emulator/store";
import { addAccount } from "../../../provider/backends/emulator/model";
import { localHolder, startTimeOf } from "./storeHarness";

const [mode, file, ...args] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number) => Atomics.wait(pause, 0, 0, ms);

if (mode === "increment") {
  const [count, prefix, compact] = args;
  const store = new FileStore(file, compact ? { compactBytes: Number(compact) } : {});
  for (let i = 0; i < Number(count); i++) {
    store.transact((s) => {
      s.seq += 1;
      addAccount(s, { id: `${prefix}-${i}`, profile: "alicloud" });
    });
  }
  process.stdout.write("done\n");
} else if (mode === "optimistic") {
  const store = new FileStore(file);
  for (let i = 0; i < Number(args[0]); i++) store.transact((s) => void (s.seq += 1), { optimistic: true });
  process.stdout.write("done\n");
} else if (mode === "hold") {
  new FileStore(file).transact(() => {
    process.stdout.write("locked\n");
    // Spin with the lock held until killed (a sync transaction never yields).
    for (;;) sleepSync(50);
  });
} else if (mode === "hold-until") {
  const [signal, account] = args;
  new FileStore(file, { staleMs: 500 }).transact((s) => {
    process.stdout.write("locked\n");
    while (!fs.existsSync(signal)) sleepSync(20);
    addAccount(s, { id: account, profile: "alicloud" });
  });
  process.stdout.write("done\n");
} else if (mode === "write") {
  new FileStore(file, { staleMs: 500 }).transact((s) => void addAccount(s, { id: args[0], profile: "alicloud" }));
  process.stdout.write("done\n");
} else if (mode === "churn") {
  const [prefix, start, compact] = args;
  // A holder is never taken by age here (staleMs: 10 minutes): a dead one's lock must be taken at once.
  const store = new FileStore(file, { compactBytes: Number(compact), staleMs: 600_000, lockTimeoutMs: 600_000 });
  for (let i = Number(start); ; i++) {
    const id = `${prefix}-${i}`;
    const spin = Math.random() * 2;
    store.transact(
      (s) => {
        s.seq += 1;
        addAccount(s, { id, profile: "huaweicloud", projects: [{ id: `p-${id}`, region: "cn-north-4" }] });
        // Linger inside the transaction (under the lock for most writes) so that kills land there.
        const until = Date.now() + spin;
        while (Date.now() < until);
      },
      { optimistic: i % 2 === 0 },
    );
    process.stdout.write(`ok ${i}\n`);
  }
} else if (mode === "relock") {
  // A live holder's lock, replaced by another one without a pause (a rename: never absent), as
  // writers queued one behind the other would keep it: every look finds another holder.
  const lock = `${file}.lock`;
  const start = startTimeOf(process.pid);
  for (let i = 0; ; i++) {
    const draft = `${lock}.relock.tmp`;
    fs.writeFileSync(draft, `${JSON.stringify({ ...localHolder(process.pid, start), token: `relock-${i}` })}\n`);
    fs.renameSync(draft, lock);
    if (i === 0) process.stdout.write("locked\n");
  }
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
