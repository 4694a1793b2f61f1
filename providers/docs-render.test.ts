import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allDocPages } from "./docs-pages.js";
import { builtinProviders } from "./index.js";

describe("provider docs", () => {
  const pages = allDocPages();

  it("has a page for every resource and data source, with its arguments, attributes and example", () => {
    for (const p of builtinProviders()) {
      for (const [type, r] of [...p.resources, ...p.dataSources]) {
        const page = pages.find((x) => x.markdown.includes(`# ${type} (${r.kind === "resource" ? "Resource" : "Data Source"})`));
        expect(page, type).toBeDefined();
        expect(page!.markdown).toContain("## Example Usage");
        for (const key of Object.keys(r.attributes)) expect(page!.markdown, `${type}.${key}`).toContain(`\`${key}\``);
        if (r.kind === "resource" && r.canImport) expect(page!.markdown).toContain(`backplan import ${type}.example`);
      }
    }
  });

  it("marks replacement, defaults and sensitivity from the attribute flags", () => {
    const task = pages.find((x) => x.path === "zstack/resources/cdp_task.md")!.markdown;
    expect(task).toContain("- `policy_uuid` - (Required, String, Forces new resource)");
    expect(task).toContain("- `resource_uuids` - (Required, Set of String, Forces new resource)");
    expect(task).toContain('Default: `"VM"`');
    expect(task).toContain("- `create` - (Default `30m`)");
    const provider = pages.find((x) => x.path === "zstack/index.md")!.markdown;
    expect(provider).toContain("- `account_password` - (Optional, String, Sensitive)");
  });

  it("matches the committed pages (run `npx tsx providers/gen-docs.ts` after a schema change)", () => {
    const root = join(import.meta.dirname, "..", "docs", "providers");
    for (const page of pages) expect(readFileSync(join(root, page.path), "utf8"), page.path).toBe(page.markdown);
  });
});
