/**
 * The `image-share` command. Each subcommand lives in a module of its own, loaded only when
 * called (so `validate` never loads Pulumi or a cloud SDK). Exit codes (README, "image-share validate"): 0 no error,
 * 1 a rule reported an error, 2 bad input, 3 an internal error (cli.js).
 */
export interface Command {
  usage: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<{ command: Command }>> = {
  validate: () => import("./validate"),
  rules: () => import("./rules"),
  plan: () => import("./plan"),
  graph: () => import("./graph"),
  emulator: () => import("./emulator"),
};

/**
 * A reader that stops early (`validate ... | head -1`) closes the pipe: stop writing and exit
 * quietly with the code so far, never with a stack trace.
 */
export function quietOnClosedPipe(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    const { packageVersion } = await import("./format/version");
    process.stdout.write(`image-share ${packageVersion()}\n`);
    return 0;
  }
  const load = name === undefined ? undefined : commands[name];
  if (!load) {
    const asked = name === undefined || name === "--help" || name === "-h" || name === "help";
    const out = asked ? process.stdout : process.stderr;
    if (!asked) out.write(`image-share: unknown command "${name}"\n\n`);
    out.write("usage: image-share <command> [options]\n\ncommands:\n");
    for (const loadOne of Object.values(commands)) {
      const { command } = await loadOne();
      out.write(`  ${command.usage.padEnd(52)} ${command.summary}\n`);
    }
    return asked ? 0 : 2;
  }
  const { command } = await load();
  return command.run(rest);
}
