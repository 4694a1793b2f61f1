import { describe, expect, it } from "vitest";
import { evalHcl, parseHcl, show, type Shown } from "./testkit.js";
import { references, subjectString, type Reference } from "./reference.js";
import { problem, type Problem } from "./traverse.js";
import { listOf, mapOf, NUMBER, objectOf, STRING } from "./types.js";
import { markSensitive, UNKNOWN, unknownOf, type Value } from "./value.js";
import { evaluate, type Scope } from "./evaluate.js";
import { parseJsonFile } from "../config/json/syntax.js";

/** A scope like the plan engine's: variables, locals, resources, data sources, a module, each/count, path. */
function scope(overrides: Partial<Record<string, Value>> = {}): Scope {
  const vars: Record<string, Value> = {
    env: "prod",
    n: 3,
    names: ["a", "b", "c"],
    tasks: { web: { retention: 7, volumes: ["v1", "v2"] }, db: { retention: 30, volumes: ["v3"] } },
    password: markSensitive("s3cr3t"),
    pending: UNKNOWN,
    pending_list: unknownOf(listOf(STRING)),
    pending_obj: unknownOf(objectOf({ name: STRING, tags: mapOf(NUMBER) })),
    nothing: null,
    flag: true,
    ...overrides,
  };
  const resources: Record<string, Value> = {
    "zstack_cdp_task.web": [
      { id: "t-0", name: "web-0" },
      { id: "t-1", name: "web-1" },
    ],
    "zstack_cdp_task.new": { id: unknownOf(STRING), name: "new" },
    "data.zstack_vm.app": { uuid: "vm-1", volumes: [{ uuid: "vol-a" }, { uuid: "vol-b" }] },
  };
  return {
    resolve(ref: Reference): Value | Problem {
      const s = ref.subject;
      switch (s.kind) {
        case "var":
          return s.name in vars ? vars[s.name]! : problem("Reference to undeclared input variable", `An input variable with the name "${s.name}" has not been declared.`);
        case "local":
          return s.name === "prefix" ? "bp-prod" : problem("Reference to undeclared local value", `A local value named "${s.name}" has not been declared.`);
        case "resource": {
          const r = resources[subjectString(s)];
          return r === undefined ? problem("Reference to undeclared resource", `A resource "${subjectString(s)}" has not been declared.`) : r;
        }
        case "module":
          return { endpoint: "http://127.0.0.1:8080" };
        case "each":
          return s.attr === "key" ? "web" : { retention: 7 };
        case "count":
          return 1;
        case "path":
          return `/cfg/${s.attr}`;
        case "terraform":
          return "default";
        case "self":
          return problem("Invalid \"self\" reference", "The \"self\" object is not available in this context.");
      }
    },
  };
}

function value(src: string, s: Scope = scope()): Shown {
  const r = evalHcl(src, s);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string, s: Scope = scope()): string {
  const r = evalHcl(src, s);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("literals and templates", () => {
  it.each<[string, string, Shown]>([
    ["numbers, bools and null are literals", `[1, 2.5, true, null]`, [1, 2.5, true, null]],
    ["a quoted string is a string", `"hello"`, "hello"],
    ["interpolation converts numbers and bools to text", `"n=\${var.n} f=\${var.flag}"`, "n=3 f=true"],
    ["a lone interpolation yields the value itself, unconverted", `"\${var.names}"`, ["a", "b", "c"]],
    ["$\${ escapes an interpolation", `"$\${var.n}"`, "${var.n}"],
    ["%{if} picks a branch", `"%{ if var.n > 2 }big%{ else }small%{ endif }"`, "big"],
    ["%{for} repeats its body", `"%{ for i, x in var.names }\${i}\${x},%{ endfor }"`, "0a,1b,2c,"],
    ["~ strips whitespace next to a directive", `"a  %{~ if true ~}  b  %{~ endif ~}  c"`, "abc"],
    ["a heredoc keeps its lines", "<<EOT\n  one\n  ${var.env}\nEOT\n", "  one\n  prod\n"],
    ["an indented heredoc loses the common indentation", "<<-EOT\n    one\n      two\n    EOT\n", "one\n  two\n"],
    [
      // As in HCL (v2.10 and v2.23 agree): `~}` strips the newline first, so the next line no longer starts a
      // line for <<- and keeps its indentation.
      "heredoc directives with strip markers render one line per element",
      "<<-EOT\n  %{ for v in var.names ~}\n  - ${v}\n  %{ endfor ~}\n  EOT\n",
      "  - a\n  - b\n  - c\n",
    ],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it("an unknown interpolation makes the string unknown", () => {
    expect(value(`"id-\${var.pending}"`)).toEqual({ $unknown: "string" });
  });
  it("a null interpolation is an error naming the place", () => {
    const r = evalHcl(`"x-\${var.nothing}"`, scope());
    expect(r.errors[0]).toMatch(/Invalid template interpolation value: The expression result is null/);
    expect(r.diagnostics[0]!.subject!.start.column).toBe(6);
  });
  it("a list cannot be interpolated into text", () => {
    expect(error(`"x-\${var.names}"`)).toMatch(/Cannot include the given value in a string template: string required/);
  });
  it("an unknown %{if} condition makes the string unknown", () => {
    expect(value(`"%{ if var.pending }a%{ endif }"`)).toEqual({ $unknown: "string" });
  });
});

describe("collections", () => {
  it("builds tuples and objects; bare keys are literal, parenthesized keys are evaluated", () => {
    expect(value(`{ env = 1, (var.env) = 2, "\${var.env}-x" = 3, list = [var.n, "a"] }`)).toEqual({
      env: 1,
      prod: 2,
      "prod-x": 3,
      list: [3, "a"],
    });
  });
  it("an unknown key makes the object unknown", () => {
    expect(value(`{ (var.pending) = 1 }`)).toEqual({ $unknown: "any" });
  });
  it("a null key is an error", () => {
    expect(error(`{ (var.nothing) = 1 }`)).toMatch(/Null value as key/);
  });
});

describe("references", () => {
  it.each<[string, string, Shown]>([
    ["var.NAME reads an input variable", `var.env`, "prod"],
    ["local.NAME reads a local value", `local.prefix`, "bp-prod"],
    ["TYPE.NAME reads a resource, steps index into it", `zstack_cdp_task.web[1].id`, "t-1"],
    ["data.TYPE.NAME reads a data source", `data.zstack_vm.app.volumes[0].uuid`, "vol-a"],
    ["module.NAME reads a module's outputs", `module.net.endpoint`, "http://127.0.0.1:8080"],
    ["each.key and each.value", `"\${each.key}:\${each.value.retention}"`, "web:7"],
    ["count.index", `count.index + 1`, 2],
    ["path.module", `path.module`, "/cfg/module"],
    ["terraform.workspace", `terraform.workspace`, "default"],
    ["a legacy .0 index step", `var.names.0`, "a"],
    ["a string index into a tuple", `var.names["1"]`, "b"],
    ["a map read with an attribute step or an index", `[var.tasks.web.retention, var.tasks["db"].retention]`, [7, 30]],
    ["an attribute of an unknown resource attribute is unknown", `zstack_cdp_task.new.id`, { $unknown: "string" }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["the scope's error for an undeclared variable", `var.nope`, /Reference to undeclared input variable: An input variable with the name "nope"/],
    ["self where the scope does not allow it", `self.id`, /Invalid "self" reference/],
    ["count without index", `count.value`, /Invalid reference: The "count" object must be followed by "index"/],
    ["a bare resource type", `zstack_cdp_task`, /A reference to a resource type must be followed by at least one attribute access/],
    ["a missing attribute", `var.tasks.web.nope`, /Unsupported attribute: This object does not have an attribute named "nope"/],
    ["an attribute of null", `var.nothing.x`, /Attempt to get attribute from null value/],
    ["an attribute of a string", `var.env.x`, /Can't access attributes on a primitive-typed value \(string\)/],
    ["an attribute of a list", `var.names.x`, /To access an element of a list, use an index such as \[0\]/],
    ["an index past the end", `var.names[3]`, /the collection has 3 elements, so index 3 is out of range/],
    ["a negative index", `var.names[-1]`, /a negative number is not a valid index/],
    ["a missing map key", `var.tasks["x"]`, /there is no element with key "x"/],
    ["an index of null", `var.nothing[0]`, /Attempt to index null value/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });

  it("points the diagnostic at the failing step", () => {
    const r = evalHcl(`var.tasks.web.nope`, scope());
    const subject = r.diagnostics[0]!.subject!;
    expect([subject.start.line, subject.start.column, subject.end.column]).toEqual([1, 15, 19]);
  });

  it("an expression without a scope refuses references", () => {
    expect(evalHcl(`var.x`).errors[0]).toMatch(/Variables not allowed/);
  });

  it("references() lists subjects and remaining steps with ranges, skipping for-expression variables", () => {
    const refs = references(parseHcl(`[for t in zstack_cdp_task.web : t.id if var.flag] ++ [data.zstack_vm.app.uuid, each.key, count.index]`.replace(" ++ ", " == ")));
    expect(refs.map((r) => subjectString(r.subject))).toEqual(["zstack_cdp_task.web", "var.flag", "data.zstack_vm.app", "each.key", "count.index"]);
    const data = refs[2]!;
    expect(data.steps.map((s) => (s.kind === "attr" ? s.name : s.key))).toEqual(["uuid"]);
    expect([data.subjectRange.start.column, data.subjectRange.end.column]).toEqual([55, 73]);
  });
  it("references() looks into templates, splats, function calls and conditionals", () => {
    const refs = references(parseHcl(`"\${upper(var.a)}-%{ for v in local.l }\${v}\${var.b}%{ endfor }" == (var.c ? zstack_cdp_task.web[*].id : [])`));
    expect(refs.map((r) => subjectString(r.subject))).toEqual(["var.a", "local.l", "var.b", "var.c", "zstack_cdp_task.web"]);
  });
});

describe("operators", () => {
  it.each<[string, string, Shown]>([
    ["arithmetic with HCL precedence", `1 + 2 * 3 - 4 / 2`, 5],
    ["modulo", `7 % 3`, 1],
    ["numeric strings convert to numbers", `"2" * var.n`, 6],
    ["fractions print exactly enough", `tostring(0.1 + 0.2)`, "0.3"],
    ["comparison", `[1 < 2, 2 <= 2, 3 > 4, "10" >= 9]`, [true, true, false, true]],
    ["equality compares types too", `[1 == 1, 1 == "1", "a" != "b", [1, "x"] == [1, "x"], {a = 1} == {a = 1}]`, [true, false, true, true, true]],
    ["logical operators", `[true && false, true || false, !true]`, [false, true, false]],
    ["negation", `-var.n`, -3],
    ["false && unknown is false", `false && var.pending`, false],
    ["true || unknown is true", `true || var.pending`, true],
    ["the right side of a decided && is not evaluated", `var.nothing != null && var.nothing.x == 1`, false],
    ["unknown arithmetic is an unknown number", `var.pending + 1`, { $unknown: "number" }],
    ["unknown comparison is an unknown bool", `var.pending > 1`, { $unknown: "bool" }],
    ["equality with an unknown is an unknown bool", `var.pending == "a"`, { $unknown: "bool" }],
    ["true && unknown is an unknown bool", `true && var.pending`, { $unknown: "bool" }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["a word where a number is needed", `"abc" + 1`, /Invalid operand: Unsuitable value for left operand: a number is required/],
    ["a null operand", `1 + var.nothing`, /Unsuitable value for right operand: argument must not be null/],
    ["a non-bool for &&", `true && "maybe"`, /a bool is required/],
    ["division by zero", `1 / 0`, /can't divide by zero/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });

  it("points an operand error at the operand", () => {
    const r = evalHcl(`1 + "abc"`, scope());
    expect(r.diagnostics[0]!.subject!.start.column).toBe(5);
  });
});

describe("conditionals", () => {
  it.each<[string, string, Shown]>([
    ["picks the true arm", `var.flag ? "yes" : "no"`, "yes"],
    ["picks the false arm", `!var.flag ? "yes" : "no"`, "no"],
    ["converts the result to the arms' common type", `var.flag ? 1 : "a"`, "1"],
    ["unknown in a condition makes the result unknown, typed by the arms", `var.pending ? "a" : "b"`, { $unknown: "string" }],
    ["unknown condition with mixed primitives is an unknown string", `var.pending ? 1 : "b"`, { $unknown: "string" }],
    ["unknown condition with lists is an unknown list", `var.pending ? ["a"] : tolist(["b", "c"])`, { $unknown: "list(string)" }],
    ["a null arm takes the other arm's type", `var.pending ? null : 5`, { $unknown: "number" }],
    ["errors in the arm not taken are not reported", `length(var.names) > 5 ? var.names[5] : "none"`, "none"],
    ["a sensitive condition makes the result sensitive", `var.password == "x" ? 1 : 2`, { $sensitive: 2 }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it("a null condition is an error", () => {
    expect(error(`var.nothing ? 1 : 2`)).toBe("Null condition: The condition value is null. Conditions must either be true or false.");
  });
  it("a non-bool condition is an error", () => {
    expect(error(`"maybe" ? 1 : 2`)).toBe("Incorrect condition type: The condition expression must be of type bool.");
  });
  it("with an unknown condition, the arms' errors wait until one is chosen", () => {
    expect(evalHcl(`var.pending ? var.names[9] : "x"`, scope()).errors).toEqual([]);
  });
  it("an unknown condition with a sensitive arm gives a sensitive unknown", () => {
    expect(value(`var.pending ? var.password : "x"`)).toEqual({ $sensitive: { $unknown: "string" } });
  });
  it("errors in the taken arm are reported", () => {
    expect(error(`var.flag ? var.names[9] : "x"`)).toMatch(/out of range/);
  });
});

describe("for expressions", () => {
  it.each<[string, string, Shown]>([
    ["over a tuple", `[for s in var.names : upper(s)]`, ["A", "B", "C"]],
    ["with index and value", `[for i, s in var.names : "\${i}=\${s}"]`, ["0=a", "1=b", "2=c"]],
    ["over an object, in key order", `[for k, v in var.tasks : "\${k}:\${v.retention}"]`, ["db:30", "web:7"]],
    ["with an if clause", `[for k, v in var.tasks : k if v.retention > 10]`, ["db"]],
    ["building an object", `{for k, v in var.tasks : upper(k) => length(v.volumes)}`, { DB: 1, WEB: 2 }],
    ["grouping values with ...", `{for s in ["ab", "ac", "bd"] : substr(s, 0, 1) => s...}`, { a: ["ab", "ac"], b: ["bd"] }],
    ["over an unknown collection is unknown", `[for s in var.pending_list : s]`, { $unknown: "any" }],
    ["an unknown if clause makes the result unknown", `[for s in var.names : s if var.pending]`, { $unknown: "any" }],
    ["over a sensitive collection is sensitive", `[for c in sensitive(["a"]) : c]`, { $sensitive: ["a"] }],
    ["nested for with splat of an attribute", `flatten([for k, v in var.tasks : [for vol in v.volumes : "\${k}/\${vol}"]])`, ["db/v3", "web/v1", "web/v2"]],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it("duplicate keys without grouping are an error naming the key", () => {
    expect(error(`{for s in ["ab", "ac"] : substr(s, 0, 1) => s}`)).toMatch(/Duplicate object key: Two different items produced the key "a"/);
  });
  it("iterating over null is an error", () => {
    expect(error(`[for s in var.nothing : s]`)).toMatch(/Iteration over null value/);
  });
  it("iterating over a string is an error", () => {
    expect(error(`[for s in "abc" : s]`)).toMatch(/Iteration over non-iterable value: A value of type string/);
  });
  it("a null key is an error", () => {
    expect(error(`{for s in var.names : null => s}`)).toMatch(/Invalid object key/);
  });
  it("a null if clause is an error", () => {
    expect(error(`[for s in var.names : s if var.nothing]`)).toBe("Invalid 'for' condition: The value of the 'if' clause must not be null.");
  });
  it("a non-bool if clause is an error", () => {
    expect(error(`[for s in var.names : s if "sometimes"]`)).toBe("Invalid 'for' condition: The 'if' clause value is invalid: bool required.");
  });
});

describe("splats", () => {
  it.each<[string, string, Shown]>([
    ["[*] maps an attribute over a list", `zstack_cdp_task.web[*].id`, ["t-0", "t-1"]],
    ["the legacy .* form", `zstack_cdp_task.web.*.name`, ["web-0", "web-1"]],
    ["nested steps after [*]", `data.zstack_vm.app.volumes[*].uuid`, ["vol-a", "vol-b"]],
    ["a splat on null is an empty tuple", `var.nothing[*]`, []],
    ["a splat on a non-list is a one-element tuple", `var.env[*]`, ["prod"]],
    ["a splat on an object wraps it", `data.zstack_vm.app[*].uuid`, ["vm-1"]],
    ["a splat on an unknown is unknown", `var.pending[*].id`, { $unknown: "any" }],
    ["a splat on a sensitive list is sensitive", `sensitive([{a = 1}])[*].a`, { $sensitive: [1] }],
    ["a splat result can be indexed further", `length(zstack_cdp_task.web[*].id)`, 2],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
});

describe("function calls", () => {
  it("expands a final argument with ...", () => {
    expect(value(`max(1, [5, 2]...)`)).toEqual(5);
    expect(value(`concat(var.names...)`, scope({ names: [["a"], ["b"]] }))).toEqual(["a", "b"]);
  });
  it("core:: names the built-in", () => {
    expect(value(`core::upper("x")`)).toEqual("X");
  });
  it.each<[string, string, RegExp]>([
    ["an unknown function", `nope(1)`, /Call to unknown function: There is no function named "nope"/],
    ["a provider function", `provider::zstack::parse("x")`, /Provider-defined function/],
    ["too few arguments", `join()`, /Not enough function arguments: Function "join" expects at least 1 argument\(s\)\. Missing value for "separator"/],
    ["a variadic function given none of its lists", `join(",")`, /Call to function "join" failed: at least one list is required/],
    ["too many arguments", `upper("a", "b")`, /Too many function arguments: Function "upper" expects only 1 argument/],
    ["a wrong argument type, naming function and parameter", `upper(["a"])`, /Invalid value for "str" parameter in call to upper\(\): string required/],
    ["a null argument", `upper(var.nothing)`, /Invalid value for "str" parameter in call to upper\(\): argument must not be null/],
    ["expanding null", `max(var.nothing...)`, /The expanding argument \(indicated by \.\.\.\) must not be null/],
    ["expanding a non-list", `max(var.n...)`, /must be of a tuple, list, or set type/],
    ["a failing function", `index(["a"], "b")`, /Call to function "index" failed: item not found/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
  it("points an argument error at the argument", () => {
    const r = evalHcl(`join(",", "x", 5)`, scope());
    expect(r.errors[0]).toMatch(/"lists" parameter in call to join\(\): list of string required/);
    expect(r.diagnostics[0]!.subject!.start.column).toBe(11);
  });
  it("an unknown argument makes the result unknown of the function's type", () => {
    expect(value(`upper(var.pending)`)).toEqual({ $unknown: "string" });
    expect(value(`max(var.pending_list...)`)).toEqual({ $unknown: "number" });
  });
});

describe("try and can", () => {
  it.each<[string, string, Shown]>([
    ["try returns the first argument that succeeds", `try(var.tasks.nope, var.tasks.web.retention, 0)`, 7],
    ["try returns an unknown when the first success is not yet known", `try(var.pending.x, "fallback")`, { $unknown: "any" }],
    ["try catches function errors", `try(index(var.names, "z"), -1)`, -1],
    ["can is true when the expression evaluates", `can(var.tasks.web)`, true],
    ["can is false when it fails", `can(regex("^[0-9]+$", "abc"))`, false],
    ["can is unknown when the value is not yet known", `can(var.pending)`, { $unknown: "bool" }],
    ["can in a validation idiom", `can(tonumber("12")) && !can(tonumber("x"))`, true],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it("try with no successful argument lists every failure", () => {
    const e = error(`try(var.tasks.nope, var.names[7])`);
    expect(e).toMatch(/Call to function "try" failed: no expression succeeded/);
    expect(e).toMatch(/- Unsupported attribute \(at test.tf:1,15\)/);
    expect(e).toMatch(/- Invalid index \(at test.tf:1,30\)/);
  });
});

describe("sensitive values", () => {
  it.each<[string, string, Shown]>([
    ["a sensitive variable stays sensitive", `var.password`, { $sensitive: "s3cr3t" }],
    ["interpolating a sensitive value makes the string sensitive", `"pw=\${var.password}"`, { $sensitive: "pw=s3cr3t" }],
    ["function results from sensitive arguments are sensitive", `upper(var.password)`, { $sensitive: "S3CR3T" }],
    ["a sensitive element inside an argument taints the result", `join(",", ["a", var.password])`, { $sensitive: "a,s3cr3t" }],
    ["length of a sensitive value is sensitive", `length(var.password)`, { $sensitive: 6 }],
    ["length of a list holding a sensitive element is not", `length(["a", var.password])`, 2],
    ["operators on sensitive values are sensitive", `var.password == "s3cr3t"`, { $sensitive: true }],
    ["collections keep the mark on the element", `{ a = var.password, b = 1 }`, { a: { $sensitive: "s3cr3t" }, b: 1 }],
    ["nonsensitive removes the mark", `nonsensitive(var.password)`, "s3cr3t"],
    ["sensitive() adds it", `sensitive("x")`, { $sensitive: "x" }],
    ["an index with a sensitive key is sensitive", `var.tasks[sensitive("web")].retention`, { $sensitive: 7 }],
    ["tolist keeps marks on elements only", `tolist([var.password, "b"])`, [{ $sensitive: "s3cr3t" }, "b"]],
    ["a for key computed from a sensitive value makes the object sensitive", `{for s in ["a"] : "\${s}\${var.password}" => 1}`, { $sensitive: { as3cr3t: 1 } }],
    ["a for value keeps its own mark", `[for s in ["a"] : var.password]`, [{ $sensitive: "s3cr3t" }]],
    ["a sensitive template if-condition makes the text sensitive", `"%{ if var.password == "x" }a%{ else }b%{ endif }"`, { $sensitive: "b" }],
    ["a template for over a sensitive list makes the text sensitive", `"%{ for c in sensitive(["a", "b"]) }\${c}%{ endfor }"`, { $sensitive: "ab" }],
    ["an object key from a sensitive value makes the object sensitive", `{ (var.password) = 1 }`, { $sensitive: { s3cr3t: 1 } }],
    ["unary operators keep the mark", `[-sensitive(1), !sensitive(true)]`, [{ $sensitive: -1 }, { $sensitive: false }]],
    ["try keeps the mark of the value it returns", `try(var.password, "x")`, { $sensitive: "s3cr3t" }],
    ["a sensitive unknown stays sensitive through a function", `upper(sensitive(var.pending))`, { $sensitive: { $unknown: "string" } }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
});

describe("unknown values", () => {
  it.each<[string, string, Shown]>([
    ["an unknown attribute of a known object is unknown", `zstack_cdp_task.new.id`, { $unknown: "string" }],
    ["known siblings of an unknown stay known", `zstack_cdp_task.new.name`, "new"],
    ["an unknown index key makes the element unknown", `var.names[var.pending]`, { $unknown: "any" }],
    ["indexing an unknown typed list gives an unknown element of its type", `var.pending_list[0]`, { $unknown: "string" }],
    ["an attribute of an unknown typed object has the attribute's type", `var.pending_obj.name`, { $unknown: "string" }],
    ["an element of an unknown typed map has the element type", `var.pending_obj.tags["a"]`, { $unknown: "number" }],
    ["an unknown inside a collection keeps the collection known", `length([var.pending, 1])`, 2],
    ["an unknown object key in a for makes the result unknown", `{for s in var.names : var.pending => s}`, { $unknown: "any" }],
    ["expanding an unknown list makes the call unknown", `join(",", var.pending_list...)`, { $unknown: "string" }],
    ["jsonencode of a value holding an unknown is an unknown string", `jsonencode({ id = zstack_cdp_task.new.id })`, { $unknown: "string" }],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
});

describe("variables bound directly (templatefile's scope)", () => {
  it("looks names up in `variables` and refuses others", () => {
    const s: Scope = { variables: { name: "x", items: [1, 2] } };
    expect(evalHcl(`"\${name}-\${length(items)}"`, s).shown).toEqual("x-2");
    expect(evalHcl(`other`, s).errors[0]).toMatch(/Unknown variable: There is no variable named "other"/);
  });
  it("a value shaped like an internal problem report is still just a value", () => {
    const s: Scope = { variables: { x: { inner: { problem: true, summary: "s", detail: "d" } } } };
    expect(evalHcl(`x.inner.summary`, s).shown).toEqual("s");
  });
  it("object types stay as built", () => {
    expect(show(evalHcl(`{ a = [1] }`).value)).toEqual({ a: [1] });
  });
});

describe("the JSON syntax (.tf.json)", () => {
  it("string templates, nested values and escapes evaluate as in native syntax", () => {
    const src = JSON.stringify({ locals: { a: "${upper(var.env)}-x", b: [1, "${var.n * 2}"], c: { k: "${var.env}" }, d: "$${literal}" } });
    const { file, diagnostics } = parseJsonFile(src, "main.tf.json");
    expect(diagnostics).toEqual([]);
    const locals = file.body.attributes.find((a) => a.name === "locals")!;
    const r = evaluate(locals.expr, scope());
    expect(r.diagnostics).toEqual([]);
    expect(show(r.value)).toEqual({ a: "PROD-x", b: [1, 6], c: { k: "prod" }, d: "${literal}" });
  });
});
