import type { Command } from "./main";

// Placeholder until this subcommand lands.
export const command: Command = {
  usage: "plan",
  summary: "(not yet available)",
  async run() {
    process.stderr.write("image-share plan: not yet available\n");
    return 2;
  },
};
