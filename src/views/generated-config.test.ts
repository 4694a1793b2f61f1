import { describe, expect, it } from "vitest";
import { computed, optional, optionalComputed, required } from "../sdk/attribute.js";
import { renderGeneratedConfig } from "./generated-config.js";

describe("renderGeneratedConfig", () => {
  it("writes Terraform's shape: header, one commented block per object, settable attributes only, aligned, blocks last", () => {
    const text = renderGeneratedConfig([
      {
        type: "zstack_cdp_task",
        name: "web",
        id: "t-1",
        attributes: {
          uuid: computed(),
          name: required(),
          description: optionalComputed(),
          password: optional({ sensitive: true }),
          resource_uuids: required({ unordered: true }),
          rule: optional({ block: { nesting: "list", attributes: { key: required(), note: optional() } } }),
          none: optional({ block: { nesting: "set", attributes: { key: required() } } }),
          single: optional({ block: { nesting: "single", attributes: { key: required() } } }),
        },
        value: { uuid: "u", name: 'a "b" ${c} %{d}\r\n', description: null, password: "x", resource_uuids: ["v1", "v2"], rule: [{ key: "k", note: null }], none: null, single: null },
      },
    ]);
    expect(text).toBe(
      [
        "# __generated__ by Terraform",
        "# Please review these resources and move them into your main configuration files.",
        "",
        '# __generated__ by Terraform from "t-1"',
        'resource "zstack_cdp_task" "web" {',
        "  description    = null",
        '  name           = "a \\"b\\" $${c} %%{d}\\r\\n"',
        "  password       = null # sensitive",
        '  resource_uuids = ["v1", "v2"]',
        "  rule {",
        '    key  = "k"',
        "    note = null",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
  });
});
