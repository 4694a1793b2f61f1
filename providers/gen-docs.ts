/**
 * Writes docs/providers/** from the built-in providers' schemas (attribute flags and descriptions) plus the
 * hand-written examples. Run after changing a schema: `npx tsx providers/gen-docs.ts`; a test checks the
 * committed pages match.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { allDocPages } from "./docs-pages.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "providers");
for (const page of allDocPages()) {
  const file = join(root, page.path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, page.markdown);
  console.log(`wrote docs/providers/${page.path}`);
}
