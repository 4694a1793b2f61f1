import { describe, expect, it } from "vitest";
import type { Json } from "../plan/plan.js";
import { rootNode } from "./encoding.js";
import { pv } from "./fixtures.test-support.js";
import { PLAIN } from "./style.js";
import { diffValues, replaceSet } from "./value-diff.js";
import { renderObjectBody, renderOptions } from "./value-render.js";

/** Renders `before` → `after` as the body of a resource block, the way a resource's attributes appear. */
function body(
  before: Json | null,
  after: Json | null,
  marks: { bu?: Json; bs?: Json; au?: Json; as?: Json; replace?: (string | number)[][] } = {},
): string {
  const b = before === null ? null : pv(before, { unknown: marks.bu ?? false, sensitive: marks.bs ?? false });
  const a = after === null ? null : pv(after, { unknown: marks.au ?? false, sensitive: marks.as ?? false });
  const d = diffValues(rootNode(b), rootNode(a), replaceSet(marks.replace ?? []));
  if (d.kind !== "object") throw new Error(`not an object diff: ${d.kind}`);
  return renderObjectBody(d.attributes, "no-op", false, 0, renderOptions(PLAIN), true);
}

const lines = (...ls: string[]) => ls.join("\n");

describe("attribute rendering (Terraform's layout)", () => {
  it("pads keys, shows old -> new, hides unchanged attributes but always shows identifying ones", () => {
    expect(body({ uuid: "u1", a: 1, long_name: "x", b: true }, { uuid: "u1", a: 2, long_name: "x", b: true })).toBe(
      lines(
        "{",
        "      ~ a         = 1 -> 2",
        "        uuid      = \"u1\"",
        "        # (2 unchanged attributes hidden)",
        "    }",
      ),
    );
  });

  it("drops attributes that are null on both sides entirely (neither shown nor counted)", () => {
    expect(body({ a: 1, n: null }, { a: 2, n: null })).toBe(lines("{", "      ~ a = 1 -> 2", "    }"));
  });

  it("writes (known after apply), with the prior value when there was one", () => {
    expect(body({ uuid: "u1", size: 10 }, { size: 10 }, { au: { uuid: true } })).toBe(
      lines("{", '      ~ uuid = "u1" -> (known after apply)', "        # (1 unchanged attribute hidden)", "    }"),
    );
    expect(body(null, { size: 10 }, { au: { uuid: true } })).toBe(
      lines("{", "      + size = 10", "      + uuid = (known after apply)", "    }"),
    );
  });

  it("shows a prior object going unknown as its removed body followed by -> (known after apply)", () => {
    expect(body({ o: { a: "x" } }, {}, { au: { o: true } })).toBe(
      lines("{", "      ~ o = {", '          - a = "x"', "        } -> (known after apply)", "    }"),
    );
  });

  it("never prints sensitive values: create, change, removal and unchanged", () => {
    const out = [
      body(null, { p: "s1" }, { as: { p: true } }),
      body({ p: "s1" }, { p: "s2" }, { bs: { p: true }, as: { p: true } }),
      body({ p: "s1" }, { p: null }, { bs: { p: true } }),
      body({ p: "s1", q: 1 }, { p: "s1", q: 2 }, { bs: { p: true }, as: { p: true } }),
    ].join("\n");
    expect(out).not.toMatch(/s1|s2/);
    expect(out).toContain("+ p = (sensitive value)");
    expect(out).toContain("~ p = (sensitive value)");
    expect(out).toContain("- p = (sensitive value) -> null");
    expect(out).toContain("# (1 unchanged attribute hidden)");
  });

  it("masks a whole sensitive object or list element and warns when sensitivity changes", () => {
    const out = body({ o: { k: "v1" }, l: ["a", "b"] }, { o: { k: "v1" }, l: ["a", "c"] }, { as: { o: true, l: [false, true] } });
    expect(out).not.toMatch(/v1|"c"/);
    expect(out).toContain("# Warning: this attribute value will be marked as sensitive and will not");
    expect(out).toContain("# display in UI output after applying this change. The value is unchanged.");
    expect(out).toContain("+ (sensitive value),");
  });

  it("marks the attribute on a replace path with # forces replacement, at any depth", () => {
    expect(body({ a: "x", l: [1] }, { a: "y", l: [2] }, { replace: [["a"], ["l"]] })).toBe(
      lines(
        "{",
        '      ~ a = "x" -> "y" # forces replacement',
        "      ~ l = [ # forces replacement",
        "          - 1,",
        "          + 2,",
        "        ]",
        "    }",
      ),
    );
    expect(body({ s: [{ t: "0 2 * * *" }] }, { s: [{ t: "0 3 * * *" }] }, { replace: [["s", 0, "t"]] })).toContain(
      '~ t = "0 2 * * *" -> "0 3 * * *" # forces replacement',
    );
  });

  it("nests objects in lists in objects, removals closing with -> null only at the top of what is removed", () => {
    expect(body({ r: { d: 30, w: [1, 2] }, k: 1 }, { k: 1 })).toBe(
      lines("{", "      - r = {", "          - d = 30", "          - w = [", "              - 1,", "              - 2,", "            ]", "        } -> null", "        # (1 unchanged attribute hidden)", "    }"),
    );
  });

  it("shows one unchanged neighbour on each side of a change in a list of primitives", () => {
    expect(body({ l: ["a", "b", "c", "d", "e", "f"] }, { l: ["a", "b", "c", "X", "e", "f"] })).toBe(
      lines(
        "{",
        "      ~ l = [",
        "            # (2 unchanged elements hidden)",
        '            "c",',
        '          - "d",',
        '          + "X",',
        '            "e",',
        "            # (1 unchanged element hidden)",
        "        ]",
        "    }",
      ),
    );
  });

  it("pairs a removed object with an added one in a list as an update", () => {
    expect(body({ v: [{ id: "a", m: "full" }] }, { v: [{ id: "a", m: "inc" }] })).toBe(
      lines("{", "      ~ v = [", "          ~ {", '                id = "a"', '              ~ m  = "full" -> "inc"', "            },", "        ]", "    }"),
    );
  });

  it("renders multi-line strings as heredocs with a line diff", () => {
    expect(body({ d: "one\ntwo\n" }, { d: "one\n2\n" })).toBe(
      lines("{", "      ~ d = <<-EOT", "            one", "          - two", "          + 2", "        EOT", "    }"),
    );
  });

  it("shows a value changing kind as the old value removed -> the new one", () => {
    expect(body({ t: "x" }, { t: ["x"] })).toBe(lines("{", '      ~ t = "x" -> [', '          + "x",', "        ]", "    }"));
  });

  it("quotes keys that are not identifiers and renders empty collections inline", () => {
    expect(body(null, { "cost center": "cc", e: {}, l: [] })).toBe(
      lines("{", '      + "cost center" = "cc"', "      + e             = {}", "      + l             = []", "    }"),
    );
  });
});
