import { csbsDocExtras } from "./csbs/doc-examples.js";
import { renderProviderDocs, type DocPage } from "./docs-render.js";
import { builtinProviders } from "./index.js";
import { zstackDocExtras } from "./zstack/doc-examples.js";

/** Every page of docs/providers/, in a stable order. */
export function allDocPages(): DocPage[] {
  const extras = { ...zstackDocExtras, ...csbsDocExtras };
  const pages = builtinProviders().flatMap((p) => renderProviderDocs(p, extras));
  const index = [
    "# Providers",
    "",
    "backplan ships two providers. Each page below is generated from the provider's schema (`npx tsx providers/gen-docs.ts`).",
    "",
    ...builtinProviders().map((p) => `- [${p.name}](${p.name}/index.md) (\`${p.source}\`): ${p.description}`),
    "",
  ].join("\n");
  return [{ path: "README.md", markdown: index }, ...pages];
}
