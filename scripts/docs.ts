/**
 * Writes docs/rules.md from the rules' own metadata (npm run docs), as `image-share rules --format
 * markdown` prints it. Run it after changing a rule or the profile table; test/rules/docs.test.ts
 * fails while the file is stale.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { rulesMarkdown } from "../provider/cli/format/rulesMarkdown";

const out = path.join(__dirname, "..", "docs", "rules.md");
writeFileSync(out, rulesMarkdown());
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
