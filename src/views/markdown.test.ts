import { describe, expect, it } from "vitest";
import { code, escapeHtml, fenced, inertText, quote, toDiffSyntax } from "./markdown.js";

describe("Markdown building blocks", () => {
  it("code spans survive backticks inside", () => {
    expect(code("a.b")).toBe("`a.b`");
    expect(code("a`b")).toBe("``a`b``");
    expect(code("`x")).toBe("`` `x ``");
  });

  it("fences are longer than any backtick run in the content", () => {
    expect(fenced("x", "diff")).toBe("```diff\nx\n```");
    expect(fenced("a ```` b")).toBe("`````\na ```` b\n`````");
  });

  it("quotes every line, blank ones included", () => {
    expect(quote(["[!NOTE]", "a\n\nb"])).toBe("> [!NOTE]\n> a\n>\n> b");
  });

  it("escapes HTML and inline Markdown syntax in plain text", () => {
    expect(escapeHtml(`<a href="x">&`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;");
    expect(inertText("*bold* [link](x) `c` a_b")).toBe("\\*bold\\* \\[link\\](x) \\`c\\` a\\_b");
  });

  it("moves each line's action symbol to column 0 for GitHub's diff highlighting", () => {
    expect(toDiffSyntax(["  # a.b will be updated in-place", "  ~ resource \"a\" \"b\" {", "      + x = 1", "      - y = 2 -> null", "      ~ z = 1 -> 2", "        # (1 unchanged attribute hidden)", "-/+ resource", "    }"].join("\n"))).toBe(
      ["  # a.b will be updated in-place", '!   resource "a" "b" {', "+       x = 1", "-       y = 2 -> null", "!       z = 1 -> 2", "        # (1 unchanged attribute hidden)", "-/+ resource", "    }"].join("\n"),
    );
  });
});
