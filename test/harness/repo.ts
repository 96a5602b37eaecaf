import * as path from "node:path";

/** The repository's root. */
export const REPO = path.resolve(__dirname, "..", "..");
