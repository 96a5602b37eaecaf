import type { Command } from "./main";

// Placeholder until this subcommand lands.
export const command: Command = {
  usage: "rules",
  summary: "(not yet available)",
  async run() {
    process.stderr.write("image-share rules: not yet available\n");
    return 2;
  },
};
