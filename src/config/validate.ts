/**
 * Static checks across a loaded module tree, beyond what decoding one block can see: references to
 * undeclared variables, locals, resources, data sources, modules and module outputs; `count`/`each`/`self`
 * used where they mean nothing; cycles among local values; module call arguments against the child's
 * variables; depends_on and import targets that do not exist. Pure; returns diagnostics.
 */
import { formatTarget, type TargetAddr } from "../addrs/resource.js";
import type { Diagnostic } from "./diagnostics.js";
import type { Body, Expression } from "./hcl/ast.js";
import type { Config } from "./model.js";
import { resourceKey } from "./model.js";
import { bodyReferences, expressionReferences, type Reference, type References } from "./references.js";
import { formatPos, type SourceRange } from "./source.js";
import { didYouMean } from "./suggest.js";
import { declaredDefault } from "../lang/variable.js";

interface Ctx {
  count: boolean;
  each: boolean;
  self: boolean;
  where: string;
}

const PLAIN: Ctx = { count: false, each: false, self: false, where: "here" };
const OWN_COUNT: Ctx = { ...PLAIN, where: "in its own count argument" };
const OWN_FOR_EACH: Ctx = { ...PLAIN, where: "in its own for_each argument" };

/** Validates `cfg` and, recursively, its loaded children. */
export function validateConfig(cfg: Config): Diagnostic[] {
  const diags: Diagnostic[] = [];
  validateModule(cfg, diags);
  for (const child of cfg.children.values()) diags.push(...validateConfig(child));
  return diags;
}

function moduleName(cfg: Config): string {
  return cfg.path.length ? `module.${cfg.path.join(".module.")}` : "the root module";
}

function validateModule(cfg: Config, diags: Diagnostic[]): void {
  const err = (summary: string, detail: string, subject: SourceRange) => diags.push({ severity: "error", summary, detail, subject });
  const inModule = moduleName(cfg);

  const check = (refs: References, ctx: Ctx): void => {
    for (const b of refs.bad) err(b.summary, b.detail, b.range);
    for (const r of refs.refs) checkRef(r, ctx);
    for (const c of refs.calls) {
      const m = /^provider::([^:]+)::/.exec(c.name);
      if (m && !cfg.terraform.requiredProviders.has(m[1]!)) {
        err(
          "Unknown provider function",
          `There is no function named "${c.name}": provider functions need their provider declared in this module's required_providers block. Expected: terraform { required_providers { ${m[1]} = { source = "..." } } }`,
          c.range,
        );
      }
    }
  };
  const checkExpr = (e: Expression | undefined, ctx: Ctx = PLAIN) => e && check(expressionReferences(e), ctx);
  const checkBody = (b: Body, ctx: Ctx) => check(bodyReferences(b), ctx);

  const checkRef = (r: Reference, ctx: Ctx): void => {
    const s = r.subject;
    switch (s.kind) {
      case "var":
        if (!cfg.variables.has(s.name)) {
          err("Reference to undeclared input variable", `An input variable named "${s.name}" has not been declared in ${inModule}.${didYouMean(s.name, cfg.variables.keys())} Declare it with: variable "${s.name}" {}`, r.range);
        }
        return;
      case "local":
        if (!cfg.locals.has(s.name)) {
          err("Reference to undeclared local value", `A local value named "${s.name}" has not been declared in ${inModule}.${didYouMean(s.name, cfg.locals.keys())} Declare it in a locals { } block.`, r.range);
        }
        return;
      case "resource": {
        const key = resourceKey(s.mode, s.type, s.name);
        const map = s.mode === "data" ? cfg.dataResources : cfg.managedResources;
        if (!map.has(key) && !checkScopedData(cfg, s.mode, s.type, s.name)) {
          const candidates = [...map.values()].filter((x) => x.type === s.type).map((x) => x.name);
          const hint = candidates.length ? didYouMean(s.name, candidates) : "";
          err(
            "Reference to undeclared resource",
            s.mode === "data"
              ? `A data resource "${s.type}" "${s.name}" has not been declared in ${inModule}.${hint}`
              : `A managed resource "${s.type}" "${s.name}" has not been declared in ${inModule}.${hint}${cfg.variables.has(s.type) ? ` (Did you mean var.${s.type}?)` : ""}`,
            r.range,
          );
        }
        return;
      }
      case "module": {
        const call = cfg.moduleCalls.get(s.name);
        if (!call) {
          err("Reference to undeclared module", `No module call named "${s.name}" is declared in ${inModule}.${didYouMean(s.name, cfg.moduleCalls.keys())}`, r.range);
          return;
        }
        const child = cfg.children.get(s.name);
        const first = r.rest[0];
        const repeated = call.count !== undefined || call.forEach !== undefined;
        if (child && first && first.kind === "attr" && !repeated) {
          if (!child.outputs.has(first.name)) {
            const names = [...child.outputs.keys()];
            err(
              "Unsupported attribute",
              `Module "${s.name}" (${call.source}) has no output named "${first.name}".${didYouMean(first.name, names)}${names.length ? ` Its outputs are: ${names.join(", ")}.` : " It declares no outputs."}`,
              r.range,
            );
          }
        }
        return;
      }
      case "count":
        if (!ctx.count) err('Reference to "count" in non-counted context', `count.index is only available in blocks that set "count"; it has no meaning ${ctx.where}.`, r.range);
        return;
      case "each":
        if (!ctx.each) err('Reference to "each" in context without for_each', `each.key and each.value are only available in blocks that set "for_each"; they have no meaning ${ctx.where}.`, r.range);
        return;
      case "self":
        if (!ctx.self) err('Invalid "self" reference', `"self" refers to the resource being checked and is only allowed in its postcondition blocks (and provisioners), not ${ctx.where}.`, r.range);
        return;
      case "path":
      case "terraform":
        return;
    }
  };

  const checkDependsOn = (list: { target: TargetAddr; range: SourceRange }[]) => {
    for (const d of list) {
      const t = d.target;
      if (t.kind === "module") {
        if (t.module.length !== 1 || !cfg.moduleCalls.has(t.module[0]!.name)) {
          err("Invalid depends_on reference", `depends_on names ${formatTarget(t)}, which is not a module call in ${inModule}.`, d.range);
        }
        continue;
      }
      if (t.module.length) {
        err("Invalid depends_on reference", "depends_on may name a module (module.x) but not a resource inside one; depend on the whole module instead.", d.range);
        continue;
      }
      const key = resourceKey(t.resource.mode, t.resource.type, t.resource.name);
      const map = t.resource.mode === "data" ? cfg.dataResources : cfg.managedResources;
      if (!map.has(key)) err("Reference to undeclared resource", `depends_on names ${key}, which is not declared in ${inModule}.`, d.range);
    }
  };

  for (const p of cfg.providers.values()) checkBody(p.config, { ...PLAIN, where: "in a provider configuration" });

  for (const v of cfg.variables.values()) {
    let constantDefault = true;
    if (v.default) {
      const refs = expressionReferences(v.default);
      const first = refs.refs[0] ?? refs.bad[0];
      if (first) {
        constantDefault = false;
        err("Variables not allowed", `The default value of variable "${v.name}" must be a constant: it cannot refer to other variables, locals or resources. Expected a literal such as "text", 42, [..] or {..}.`, first.range);
      }
    }
    // The type constraint, and the default against it, as Terraform checks them when it loads the configuration.
    if (v.type || v.default) diags.push(...declaredDefault(v.type, constantDefault ? v.default : undefined).diagnostics);
    for (const rule of v.validations) {
      checkExpr(rule.condition, { ...PLAIN, where: "in a variable validation" });
      checkExpr(rule.errorMessage, { ...PLAIN, where: "in a variable validation" });
    }
  }

  for (const l of cfg.locals.values()) checkExpr(l.expr, { ...PLAIN, where: "in a local value" });
  checkLocalCycles(cfg, diags);

  for (const o of cfg.outputs.values()) {
    const ctx = { ...PLAIN, where: "in an output" };
    checkExpr(o.value, ctx);
    for (const p of o.preconditions) {
      checkExpr(p.condition, ctx);
      checkExpr(p.errorMessage, ctx);
    }
    checkDependsOn(o.dependsOn);
  }

  const resources = [...cfg.managedResources.values(), ...cfg.dataResources.values()];
  for (const c of cfg.checks.values()) if (c.data) resources.push(c.data);
  for (const r of resources) {
    const where = `in ${r.mode === "data" ? "data" : "resource"} "${r.type}" "${r.name}"`;
    const ctx: Ctx = { count: r.count !== undefined, each: r.forEach !== undefined, self: false, where };
    checkExpr(r.count, OWN_COUNT);
    checkExpr(r.forEach, OWN_FOR_EACH);
    const bodyRefs = bodyReferences(r.config);
    check(bodyRefs, ctx);
    for (const ref of bodyRefs.refs) {
      const s = ref.subject;
      if (s.kind === "resource" && s.mode === r.mode && s.type === r.type && s.name === r.name) {
        err(
          "Self-referential block",
          `Configuration for ${resourceKey(r.mode, r.type, r.name)} may not refer to itself: its attributes are not known until it is created. Use "self" inside a postcondition instead.`,
          ref.range,
        );
      }
    }
    for (const t of r.timeouts.values()) checkExpr(t.expr, ctx);
    for (const e of r.lifecycle.replaceTriggeredBy) checkExpr(e, ctx);
    for (const p of r.lifecycle.preconditions) {
      checkExpr(p.condition, ctx);
      checkExpr(p.errorMessage, ctx);
    }
    for (const p of r.lifecycle.postconditions) {
      checkExpr(p.condition, { ...ctx, self: true });
      checkExpr(p.errorMessage, { ...ctx, self: true });
    }
    checkDependsOn(r.dependsOn);
    if (r.provider?.alias && cfg.path.length === 0 && !cfg.providers.has(`${r.provider.name}.${r.provider.alias}`)) {
      err(
        "Provider configuration not present",
        `${where.slice(3)} uses provider ${r.provider.name}.${r.provider.alias}, but no provider "${r.provider.name}" block with alias = "${r.provider.alias}" is declared.`,
        r.provider.range,
      );
    }
  }

  for (const c of cfg.checks.values()) {
    for (const a of c.asserts) {
      checkExpr(a.condition, { ...PLAIN, where: "in a check assertion" });
      checkExpr(a.errorMessage, { ...PLAIN, where: "in a check assertion" });
    }
  }

  for (const m of cfg.moved) {
    if (formatTarget(m.from) === formatTarget(m.to)) {
      err("Redundant moved block", `This moved block moves ${formatTarget(m.from)} to itself: the "from" and "to" addresses must differ.`, m.toRange);
    }
  }

  for (const imp of cfg.imports) {
    const ctx = { ...PLAIN, each: imp.forEach !== undefined, where: "in an import block" };
    checkExpr(imp.id, ctx);
    checkExpr(imp.forEach, { ...PLAIN, where: "in an import for_each" });
    if (imp.toExpr.kind === "index") checkExpr(imp.toExpr.key, ctx);
    const t = imp.to;
    if (t.kind !== "module" && t.module.length === 0) {
      const key = resourceKey(t.resource.mode, t.resource.type, t.resource.name);
      if (t.resource.mode === "data") err("Invalid import address", "Only managed resources can be imported, not data sources.", imp.toExpr.range);
      else if (!cfg.managedResources.has(key)) {
        err("Configuration for import target does not exist", `The import target ${key} has no resource "${t.resource.type}" "${t.resource.name}" block in ${inModule}. Add one (the imported object is then managed by it).`, imp.toExpr.range);
      }
    }
  }

  for (const call of cfg.moduleCalls.values()) {
    const ctx: Ctx = { count: call.count !== undefined, each: call.forEach !== undefined, self: false, where: `in module "${call.name}"` };
    checkExpr(call.count, OWN_COUNT);
    checkExpr(call.forEach, OWN_FOR_EACH);
    for (const a of call.inputs.values()) checkExpr(a.expr, ctx);
    checkDependsOn(call.dependsOn);
    const child = cfg.children.get(call.name);
    if (!child) continue;
    for (const a of call.inputs.values()) {
      if (!child.variables.has(a.name)) {
        err(
          "Unsupported argument",
          `Module "${call.name}" (${call.source}) declares no input variable named "${a.name}".${didYouMean(a.name, child.variables.keys())}`,
          a.nameRange,
        );
      }
    }
    for (const v of child.variables.values()) {
      if (v.default === undefined && !call.inputs.has(v.name)) {
        err(
          "Missing required argument",
          `The argument "${v.name}" is required by module "${call.name}" (its variable at ${formatPos(v.declRange)} has no default), but no definition was found. Expected: ${v.name} = ...`,
          call.declRange,
        );
      }
    }
  }
}

function checkScopedData(cfg: Config, mode: string, type: string, name: string): boolean {
  if (mode !== "data") return false;
  for (const c of cfg.checks.values()) if (c.data && c.data.type === type && c.data.name === name) return true;
  return false;
}

/** Reports each cycle among local values once, with its full path. */
function checkLocalCycles(cfg: Config, diags: Diagnostic[]): void {
  const edges = new Map<string, string[]>();
  for (const l of cfg.locals.values()) {
    const deps: string[] = [];
    for (const r of expressionReferences(l.expr).refs) {
      if (r.subject.kind === "local" && cfg.locals.has(r.subject.name)) deps.push(r.subject.name);
    }
    edges.set(l.name, deps);
  }
  const state = new Map<string, 1 | 2>(); // 1 = on the stack, 2 = done
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (n: string): void => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(m)), m];
        const key = [...cycle.slice(0, -1)].sort().join(",");
        if (!reported.has(key)) {
          reported.add(key);
          const first = cfg.locals.get(m)!;
          diags.push({
            severity: "error",
            summary: "Cycle in local values",
            detail: `Local values refer to each other in a cycle, so none of them can be computed: ${cycle.map((x) => `local.${x}`).join(" → ")}.`,
            subject: first.range,
          });
        }
      } else if (s === undefined) visit(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of edges.keys()) if (!state.has(n)) visit(n);
}
