import { describe, expect, it } from "vitest";
import { parseExpression } from "../config/hcl/parser.js";
import { parseHcl, show } from "./testkit.js";
import { finalizeVariable, type GivenVariable, type VariableDeclaration } from "./variable.js";

const declRange = { filename: "variables.tf", start: { line: 3, column: 1, byte: 20 }, end: { line: 3, column: 20, byte: 39 } };

function decl(type: string | undefined, def?: string, extra: Partial<VariableDeclaration> = {}): VariableDeclaration {
  return {
    name: "tasks",
    sensitive: false,
    nullable: true,
    declRange,
    ...(type !== undefined ? { type: parseHcl(type) } : {}),
    ...(def !== undefined ? { default: parseHcl(def) } : {}),
    ...extra,
  };
}

const text = (t: string, origin = "-var"): GivenVariable => ({ value: { kind: "string", text: t }, origin });
const expr = (src: string): GivenVariable => ({ value: { kind: "expr", expr: parseHcl(src) }, origin: "terraform.tfvars" });
const opts = { parseExpression };

describe("finalizeVariable", () => {
  it("a missing value takes the default, converted to the type", () => {
    const r = finalizeVariable(decl("map(number)", `{ a = "1" }`), undefined);
    expect(r.diagnostics).toEqual([]);
    expect(show(r.value)).toEqual({ a: 1 });
  });
  it("a missing value without a default is an error at the declaration", () => {
    const r = finalizeVariable(decl("string"), undefined);
    expect(r.diagnostics[0]!.summary).toBe("No value for required variable");
    expect(r.diagnostics[0]!.detail).toMatch(/root module input variable "tasks" is not set, and has no default value/);
    expect(r.diagnostics[0]!.subject).toEqual(declRange);
  });
  it("text for a primitive type is taken literally and converted", () => {
    expect(show(finalizeVariable(decl("number"), text("42"), opts).value)).toBe(42);
    expect(show(finalizeVariable(decl(undefined), text("[not hcl"), opts).value)).toBe("[not hcl");
  });
  it("text for a collection type is parsed as HCL", () => {
    expect(show(finalizeVariable(decl("list(string)"), text(`["a", "b"]`), opts).value)).toEqual(["a", "b"]);
  });
  it("tfvars expressions are evaluated and converted, applying optional attribute defaults", () => {
    const r = finalizeVariable(decl(`map(object({ retention = optional(number, 7), volumes = list(string) }))`), expr(`{ web = { volumes = ["v1"] } }`));
    expect(show(r.value)).toEqual({ web: { retention: 7, volumes: ["v1"] } });
  });
  it("a value that does not fit says the variable, its declaration and the path", () => {
    const r = finalizeVariable(decl(`map(object({ retention = number }))`), expr(`{ web = { retention = "weekly" } }`));
    expect(r.diagnostics[0]!.summary).toBe("Invalid value for input variable");
    expect(r.diagnostics[0]!.detail).toBe(
      'The given value is not suitable for var.tasks declared at variables.tf:3,1: element "web": attribute "retention": a number is required.',
    );
  });
  it("null for a nullable variable stays null even with a default", () => {
    expect(finalizeVariable(decl("string", `"d"`), expr("null")).value).toBeNull();
  });
  it("null for a non-nullable variable takes the default", () => {
    expect(finalizeVariable(decl("string", `"d"`, { nullable: false }), expr("null")).value).toBe("d");
  });
  it("null for a non-nullable variable without a default is an error", () => {
    const r = finalizeVariable(decl("string", undefined, { nullable: false }), expr("null"));
    expect(r.diagnostics[0]!.detail).toMatch(/required variable may not be set to null/);
  });
  it("a default that does not fit the type is an error at the default", () => {
    const r = finalizeVariable(decl("number", `"many"`), undefined);
    expect(r.diagnostics[0]!.summary).toBe("Invalid default value for variable");
    expect(r.diagnostics[0]!.detail).toMatch(/a number is required/);
  });
  it("a sensitive variable's value is sensitive", () => {
    expect(show(finalizeVariable(decl("string", undefined, { sensitive: true }), text("pw")).value)).toEqual({ $sensitive: "pw" });
  });
  it("references in tfvars are not allowed", () => {
    const r = finalizeVariable(decl("string"), expr("var.other"));
    expect(r.diagnostics[0]!.summary).toBe("Variables not allowed");
  });
});
