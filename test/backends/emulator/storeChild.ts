/**
 * A child process for the store tests (not a test file): `increment FILE N PREFIX` runs N
 * read-modify-writes; `hold FILE` takes the lock and never lets it go (the parent kills it).
 */
import { FileStore } from "../../../provider/backends/emulator/store";
import { addAccount } from "../../../provider/backends/emulator/model";

const [mode, file, count, prefix] = process.argv.slice(2);
const store = new FileStore(file, { staleMs: 2000 });
if (mode === "increment") {
  for (let i = 0; i < Number(count); i++) {
    store.transact((s) => {
      s.seq += 1;
      addAccount(s, { id: `${prefix}-${i}`, profile: "alicloud" });
    });
  }
  process.stdout.write("done\n");
} else if (mode === "hold") {
  store.transact(() => {
    process.stdout.write("locked\n");
    // Spin with the lock held until killed (a sync transaction never yields).
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) Atomics.wait(pause, 0, 0, 50);
  });
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
