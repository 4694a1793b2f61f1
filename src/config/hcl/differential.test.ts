/**
 * Differential test against hcl2-parser (HashiCorp's HCL v2 compiled to JS, through tmccombs/hcl2json): our
 * parser's hcl2json projection must equal its output for a hand-written corpus of real-world-shaped files and
 * for seeded generated configurations.
 *
 * Documented exceptions (known defects of the oracle, so those inputs are left out or compared specially):
 * - provider-defined functions (`provider::ns::fn(...)`, Terraform 1.8+): hcl2-parser's HCL v2.10 rejects them.
 * - `$${` escapes: the oracle projects the decoded text `${`, so escaped and real interpolations look alike;
 *   we project the same way (this is a property of the projection, not of our parse).
 * - numbers beyond 2^53 lose precision in both (JSON numbers); equal by construction.
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { generateConfig } from "../testing/generate-config.js";
import { parseFile } from "./parser.js";
import { projectBody, type Projected } from "./projection.js";

const require = createRequire(import.meta.url);
const oracle = require("hcl2-parser") as { parseToObject(src: string): [unknown, unknown] };

function viaOracle(src: string): unknown {
  const [value] = oracle.parseToObject(src);
  return value;
}

function viaOurs(src: string): Projected {
  const { file, diagnostics } = parseFile(src, "corpus.tf");
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return projectBody(file.body, src);
}

const CORPUS: Record<string, string> = {
  "literals and operators": `
a = 1
b = -2.5
c = "text"
d = true
e = null
f = 1 + 2 * 3 - 4 / 2 % 3
g = (1 + 2) * 3
h = !false && true || false
i = 1 < 2 && 3 >= 2 && 4 != 5 == true
j = 1e3
k = 12345678901234567890
`,
  "templates and escapes": `
a = "\${var.x}"
b = "prefix-\${var.x}-suffix"
c = "tab\\tnewline\\nquote\\"backslash\\\\"
d = "unicode \\u00e9 \\U0001F600"
e = "%{if var.on}yes%{else}no%{endif}"
f = "%{for i, v in var.list}\${i}=\${v};%{endfor}"
g = "a \${~ var.x ~} b"
h = "\${"nested \${var.y}"}"
i = "percent %% and dollar $ alone"
j = ""
`,
  heredocs: `
a = <<EOT
line one \${var.x}
  indented
EOT
b = <<-EOT
    flush
      more
    \${var.y} end
    EOT
c = <<-EOT

    blank line above
    EOT
`,
  "collections and for expressions": `
t = [1, "two", [3], { four = 4 }]
o = { a = 1, "b" = 2, c: 3, (var.k) = 4, var.k2 = 5 }
multi = {
  a = 1
  b = [
    1,
    2,
  ]
}
ft = [for x in var.list : x * 2 if x > 1]
fo = { for k, v in var.map : k => v }
fg = { for k, v in var.map : v => k... }
`,
  "traversals and splats": `
a = var.x.y[0]["k"]
b = aws_x.y[count.index].id
c = aws_x.y[*].id
d = aws_x.y.*.id
e = aws_x.y[*].tags["env"]
f = f(a).b[1]
g = [1, 2][0]
h = each.value.volumes[0]
i = module.m.out
`,
  "function calls": `
a = upper("x")
b = format("%s-%02d", local.prefix, count.index)
c = merge(var.a, { x = 1 })
d = concat(var.a, var.b...)
e = try(aws_x.y[0].id, null)
f = jsonencode({ a = [1, 2] })
g = f(
  1,
  2,
)
`,
  "terraform blocks": `
terraform {
  required_version = ">= 1.5"
  required_providers {
    zstack = {
      source  = "zstackio/zstack"
      version = "~> 1.0"
    }
  }
  backend "local" {
    path = "terraform.tfstate"
  }
}

provider "zstack" {
  endpoint = "http://127.0.0.1:8080"
}

provider "zstack" {
  alias    = "west"
  endpoint = "http://127.0.0.1:8081"
}

variable "tasks" {
  type = map(object({
    schedule  = string
    retention = optional(number, 7)
  }))
  default = {}
  validation {
    condition     = length(var.tasks) < 10
    error_message = "Too many."
  }
}

resource "zstack_cdp_task" "task" {
  for_each  = var.tasks
  provider  = zstack.west
  name      = "\${var.env}-\${each.key}"
  retention = local.is_prod ? each.value.retention * 2 : each.value.retention
  dynamic "volume" {
    for_each = each.value.volumes
    iterator = vol
    content {
      uuid = vol.value
    }
  }
  lifecycle {
    create_before_destroy = true
    ignore_changes        = [tags, description]
    replace_triggered_by  = [zstack_vm.db.id]
    precondition {
      condition     = each.value.retention > 0
      error_message = "retention must be positive"
    }
  }
  timeouts {
    create = "30m"
  }
}

module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
}

moved {
  from = zstack_cdp_task.old
  to   = zstack_cdp_task.task
}

import {
  to = zstack_cdp_task.task["db"]
  id = "task-123"
}

removed {
  from = zstack_cdp_task.gone
  lifecycle {
    destroy = false
  }
}

check "health" {
  assert {
    condition     = data.zstack_vm.db.state == "Running"
    error_message = "VM is not running"
  }
}

output "ids" {
  value     = [for t in zstack_cdp_task.task : t.id]
  sensitive = true
}
`,
  "directives with strip markers and heredoc templates": `
a = "%{~ if var.on ~} on %{~ else ~} off %{~ endif ~}"
b = <<-EOT
    %{ for k, v in var.m ~}
    \${k} = \${v}
    %{ endfor ~}
    done
    EOT
c = "\${ var.a }\${var.b}"
d = "x%{ for s in var.l }[\${s}]%{ endfor }y"
e = <<EOT
%{ if var.on }on%{ endif }
EOT
`,
  "odd corners": `
a = <<EOT
backslash \\n stays, quote " stays
EOT
b = [
  1, # one
  /* two */ 2,
]
c = { "k" = "v", k2 = [] }
d = 0.5
e = 1.0e-3
f = -0
g = !!true
h = "é ü 😀"
i = a.b.0.c
j = [for i, v in ["a", "b"] : "\${i}:\${v}"]
k = (((1)))
l = var.x == null ? {} : { a = 1 }
m = "%%{not a directive}"
`,
  "comments and single-line blocks": `
# hash comment
// slash comment
/* block
   comment */
a = 1 # trailing
b { c = 2 }
d {}
e "label" {}
`,
};

describe("hcl2json projection equals hcl2-parser", () => {
  for (const [name, src] of Object.entries(CORPUS)) {
    it(`corpus: ${name}`, () => {
      const expected = viaOracle(src);
      expect(expected).not.toBeNull();
      expect(viaOurs(src)).toEqual(expected);
    });
  }

  it("seeded generated configurations (12 seeds)", () => {
    for (let seed = 1; seed <= 12; seed++) {
      const src = generateConfig(seed, { resources: 15, oracleSafe: true });
      const expected = viaOracle(src);
      expect(expected, `oracle failed on seed ${seed}`).not.toBeNull();
      expect(viaOurs(src), `seed ${seed}`).toEqual(expected);
    }
  });
});

describe("documented oracle exceptions", () => {
  it("provider-defined functions: the oracle fails, we parse them", () => {
    const src = 'a = provider::zstack::parse_id("x/y")\n';
    expect(viaOracle(src)).toBeNull();
    expect(viaOurs(src)).toEqual({ a: '${provider::zstack::parse_id("x/y")}' });
  });

  it("$${ escapes project to the decoded text in both", () => {
    const src = 'a = "$${not_interpolated}"\n';
    expect(viaOracle(src)).toEqual({ a: "${not_interpolated}" });
    expect(viaOurs(src)).toEqual({ a: "${not_interpolated}" });
    // ...while our AST keeps it a literal, not an interpolation:
    const { file } = parseFile(src, "x.tf");
    const expr = file.body.attributes[0]!.expr;
    expect(expr.kind === "template" && expr.parts.map((p) => p.kind)).toEqual(["literal"]);
  });
});
