/**
 * Turns the parsed files of one module directory into a Config (without child modules): checks every block
 * against Terraform's schema for it, reads the meta-arguments that must be static (labels, lifecycle flags,
 * depends_on, provider references, moved/import/removed addresses) and keeps everything else unevaluated.
 * Pure: no I/O. Reports every problem it finds and keeps going.
 */
import type { Attribute, Block, BlockLabel, Body, Expression, File } from "./hcl/ast.js";
import { bodyContent, type BodySchema } from "./hcl/body.js";
import { NONE } from "./hcl/fit.js";
import { mergeOverrides, withBody, type FileBlocks } from "./override.js";
import { LazyRange, LineIndex } from "./hcl/position.js";
import { jsonStaticExpr } from "./json/syntax.js";
import type { Diagnostic } from "./diagnostics.js";
import {
  emptyConfig,
  impliedProviderName,
  resourceKey,
  type Check,
  type CheckRule,
  type Config,
  type DependsOn,
  type IgnoreChanges,
  type Lifecycle,
  type ProviderRef,
  type Resource,
} from "./model.js";
import { formatPos, joinRanges, type SourceRange } from "./source.js";
import { constBool, constString, exprAsKeyword, exprAsTarget, exprAsTraversal } from "./static.js";
import type { ResourceMode } from "../addrs/resource.js";

const FILE_SCHEMA: BodySchema = {
  attributes: [],
  blocks: [
    { type: "terraform", labels: [] },
    { type: "provider", labels: ["name"] },
    { type: "variable", labels: ["name"] },
    { type: "locals", labels: [] },
    { type: "output", labels: ["name"] },
    { type: "module", labels: ["name"] },
    { type: "resource", labels: ["type", "name"] },
    { type: "data", labels: ["type", "name"] },
    { type: "moved", labels: [] },
    { type: "import", labels: [] },
    { type: "removed", labels: [] },
    { type: "check", labels: ["name"] },
  ],
};

const CONDITION_SCHEMA: BodySchema = {
  attributes: [
    { name: "condition", required: true },
    { name: "error_message", required: true },
  ],
  blocks: [],
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const NOT_DEPENDABLE = new Set(["var", "local", "each", "count", "path", "terraform", "self"]);

/** Decoding context of one module: the sink for diagnostics and the line indexes JSON re-parsing needs. */
class Decoder {
  private readonly lineIndexes = new Map<string, LineIndex>();
  private readonly sources = new Map<string, string>();

  constructor(
    readonly diags: Diagnostic[],
    files: readonly File[],
  ) {
    for (const f of files) this.sources.set(f.filename, f.source);
  }

  lines(filename: string, near?: SourceRange): LineIndex {
    if (near instanceof LazyRange) return near.lines;
    let li = this.lineIndexes.get(filename);
    if (!li) {
      li = new LineIndex(filename, this.sources.get(filename) ?? "");
      this.lineIndexes.set(filename, li);
    }
    return li;
  }

  error(summary: string, detail: string, subject: SourceRange): void {
    this.diags.push({ severity: "error", summary, detail, subject });
  }

  warning(summary: string, detail: string, subject: SourceRange): void {
    this.diags.push({ severity: "warning", summary, detail, subject });
  }

  content(body: Body, schema: BodySchema, context: string, missingRange: SourceRange, partial = false) {
    return bodyContent(body, schema, this.diags, {
      partial,
      context,
      missingRange,
      lines: this.lines(body.range.filename, body.range),
    });
  }

  /** The expression of an attribute read statically (JSON strings parsed as native expressions). */
  staticExpr(attr: Attribute): Expression {
    return attr.json ? jsonStaticExpr(attr.json, this.lines(attr.nameRange.filename, attr.json.range), this.diags) : attr.expr;
  }

  string(attr: Attribute | undefined, what: string): string | undefined {
    if (!attr) return undefined;
    const s = constString(attr.expr);
    if (s === undefined) {
      this.error("Invalid value", `The ${what} must be a literal string (no references or function calls). Expected: ${attr.name} = "..."`, attr.expr.range);
    }
    return s;
  }

  bool(attr: Attribute | undefined, what: string, dflt: boolean): boolean {
    if (!attr) return dflt;
    const b = constBool(attr.expr);
    if (b === undefined) {
      this.error("Invalid value", `The ${what} must be a literal true or false (it is read before anything is evaluated). Expected: ${attr.name} = true`, attr.expr.range);
      return dflt;
    }
    return b;
  }

  checkName(kind: string, name: string, range: SourceRange): boolean {
    if (IDENT.test(name)) return true;
    this.error(
      `Invalid ${kind} name`,
      `"${name}" is not a valid ${kind} name: a name must start with a letter or underscore and may contain only letters, digits, underscores and dashes.`,
      range,
    );
    return false;
  }

  /** `checkName` of a block label, whose range is made only for the message (two labels per resource). */
  checkLabel(kind: string, label: BlockLabel): boolean {
    return IDENT.test(label.value) || this.checkName(kind, label.value, label.range);
  }

  headerRange(block: Block): SourceRange {
    const last = block.labels[block.labels.length - 1];
    return last ? joinRanges(block.typeRange, last.range) : block.typeRange;
  }

  rules(blocks: Block[], type: string, context: string): CheckRule[] {
    const out: CheckRule[] = [];
    for (const b of blocks) {
      if (b.type !== type) continue;
      const c = this.content(b.body, CONDITION_SCHEMA, `a ${type} block of ${context}`, b.typeRange);
      const condition = c.attributes.get("condition");
      const errorMessage = c.attributes.get("error_message");
      if (condition && errorMessage) out.push({ condition: condition.expr, errorMessage: errorMessage.expr, range: b.range });
    }
    return out.length ? out : NONE;
  }

  dependsOn(attr: Attribute | undefined): DependsOn[] {
    if (!attr) return NONE;
    const expr = this.staticExpr(attr);
    if (expr.kind !== "tuple") {
      this.error("Invalid depends_on", "depends_on must be a list of references, e.g. depends_on = [zstack_cdp_task.web, module.net].", expr.range);
      return [];
    }
    const out: DependsOn[] = [];
    for (const item of expr.items) {
      const root = exprAsTraversal(item)?.root;
      if (root && NOT_DEPENDABLE.has(root)) {
        this.error("Invalid depends_on reference", `"${root}" values cannot be depended on. Only resources, data resources and modules can be listed in depends_on.`, item.range);
        continue;
      }
      const t = exprAsTarget(item);
      if (!t.ok) {
        this.error("Invalid depends_on reference", `${t.error} Only resources, data resources and modules can be listed in depends_on.`, item.range);
        continue;
      }
      out.push({ target: t.value, expr: item, range: item.range });
    }
    return out;
  }

  providerRef(attr: Attribute | undefined): ProviderRef | undefined {
    if (!attr) return undefined;
    return this.providerRefExpr(this.staticExpr(attr));
  }

  providerRefExpr(expr: Expression): ProviderRef | undefined {
    const t = exprAsTraversal(expr);
    const ok = t && (t.steps.length === 0 || (t.steps.length === 1 && t.steps[0]!.kind === "attr"));
    if (!t || !ok) {
      this.error("Invalid provider reference", "Expected a provider configuration reference: a provider local name, optionally with an alias, such as zstack or zstack.west (no quotes).", expr.range);
      return undefined;
    }
    const step = t.steps[0];
    return step && step.kind === "attr" ? { name: t.root, alias: step.name, range: expr.range } : { name: t.root, range: expr.range };
  }
}

/**
 * Decodes one module. `files` must be in load order (lexical); `path` is the module path from the root.
 * Duplicate declarations are reported with both places; the first one wins. `overrides` are the module's
 * override files in lexical order, merged into the blocks of `files` first (see override.ts).
 */
export function decodeModule(dir: string, path: string[], files: File[], diags: Diagnostic[], overrides: File[] = []): Config {
  const cfg = emptyConfig(dir, path);
  cfg.files = [...files, ...overrides];
  const d = new Decoder(diags, cfg.files);
  const dup = (kind: string, name: string, prev: SourceRange, here: SourceRange, rule: string) =>
    d.error(`Duplicate ${kind}`, `A ${kind} named "${name}" was already declared at ${formatPos(prev)}. ${rule}`, here);

  const topLevel = (file: File): FileBlocks => ({
    filename: file.filename,
    blocks: d.content(file.body, FILE_SCHEMA, "a configuration file (expected top-level blocks such as resource, variable, output)", file.body.range).blocks,
  });
  let tops = files.map(topLevel);
  if (overrides.length) {
    // Override merging needs a terraform block's settings as nested blocks, which the JSON syntax cannot say alone.
    const nativeTerraform = (f: FileBlocks): FileBlocks => ({
      filename: f.filename,
      blocks: f.blocks.map((b) => {
        if (b.type !== "terraform" || b.body.syntax !== "json") return b;
        const c = d.content(b.body, TERRAFORM_SCHEMA, "the terraform block", b.typeRange);
        return withBody(b, { kind: "body", syntax: "native", attributes: [...c.attributes.values()], blocks: c.blocks, range: b.body.range });
      }),
    });
    tops = tops.map(nativeTerraform);
    mergeOverrides(tops, overrides.map(topLevel).map(nativeTerraform), diags);
  }

  for (const top of tops) {
    for (const block of top.blocks) {
      switch (block.type) {
        case "terraform":
          decodeTerraform(d, block, cfg);
          break;
        case "provider": {
          const name = block.labels[0]!.value;
          d.checkName("provider", name, block.labels[0]!.range);
          const c = d.content(block.body, { attributes: [{ name: "alias" }, { name: "version" }], blocks: [] }, `provider "${name}"`, block.typeRange, true);
          const aliasAttr = c.attributes.get("alias");
          const alias = aliasAttr ? d.string(aliasAttr, "provider alias") : undefined;
          if (c.attributes.has("version")) {
            d.warning("Version constraints inside provider configuration blocks are deprecated", `Put the version constraint for "${name}" in terraform { required_providers { ... } } instead.`, c.attributes.get("version")!.nameRange);
          }
          const key = alias ? `${name}.${alias}` : name;
          const prev = cfg.providers.get(key);
          if (prev) {
            dup("provider configuration", key, prev.declRange, d.headerRange(block), "Each provider configuration needs a distinct alias (alias = \"...\").");
            break;
          }
          cfg.providers.set(key, { name, ...(alias ? { alias } : {}), config: c.remain, range: block.range, declRange: d.headerRange(block) });
          break;
        }
        case "variable": {
          const v = decodeVariable(d, block);
          if (!v) break;
          const prev = cfg.variables.get(v.name);
          if (prev) dup("variable", v.name, prev.declRange, v.declRange, "Variable names must be unique within a module.");
          else cfg.variables.set(v.name, v);
          break;
        }
        case "locals": {
          const c = d.content(block.body, { attributes: [], blocks: [] }, "a locals block", block.typeRange, true);
          for (const b of c.remain.blocks) {
            d.error("Unsupported block type", `Blocks are not allowed in a locals block: expected local value definitions like name = expression, but found a "${b.type}" block.`, b.typeRange);
          }
          for (const attr of c.remain.attributes) {
            if (!d.checkName("local value", attr.name, attr.nameRange)) continue;
            const prev = cfg.locals.get(attr.name);
            if (prev) {
              dup("local value", attr.name, prev.range, attr.nameRange, "Local value names must be unique within a module.");
              continue;
            }
            cfg.locals.set(attr.name, { name: attr.name, expr: attr.expr, range: attr.range });
          }
          break;
        }
        case "output": {
          const name = block.labels[0]!.value;
          if (!d.checkName("output", name, block.labels[0]!.range)) break;
          const c = d.content(
            block.body,
            {
              attributes: [{ name: "value", required: true }, { name: "description" }, { name: "sensitive" }, { name: "depends_on" }, { name: "ephemeral" }],
              blocks: [{ type: "precondition", labels: [] }],
            },
            `output "${name}"`,
            d.headerRange(block),
          );
          const prev = cfg.outputs.get(name);
          if (prev) {
            dup("output", name, prev.declRange, d.headerRange(block), "Output names must be unique within a module.");
            break;
          }
          const value = c.attributes.get("value");
          const description = d.string(c.attributes.get("description"), "output description");
          cfg.outputs.set(name, {
            name,
            value: value ? value.expr : { kind: "invalid", range: block.typeRange },
            ...(description !== undefined ? { description } : {}),
            sensitive: d.bool(c.attributes.get("sensitive"), "sensitive flag", false),
            ephemeral: d.bool(c.attributes.get("ephemeral"), "ephemeral flag", false),
            dependsOn: d.dependsOn(c.attributes.get("depends_on")),
            preconditions: d.rules(c.blocks, "precondition", `output "${name}"`),
            range: block.range,
            declRange: d.headerRange(block),
          });
          break;
        }
        case "module":
          decodeModuleCall(d, block, cfg);
          break;
        case "resource":
        case "data": {
          const r = decodeResource(d, block, block.type === "data" ? "data" : "managed");
          if (!r) break;
          const key = resourceKey(r.mode, r.type, r.name);
          const map = r.mode === "data" ? cfg.dataResources : cfg.managedResources;
          const prev = map.get(key);
          if (prev) {
            d.error(
              r.mode === "data" ? `Duplicate data "${r.type}" configuration` : `Duplicate resource "${r.type}" configuration`,
              `A ${r.mode === "data" ? "data" : "managed"} resource "${r.type}" "${r.name}" was already declared at ${formatPos(prev.declRange)}. Resource names must be unique per type in each module.`,
              r.declRange,
            );
            break;
          }
          map.set(key, r);
          break;
        }
        case "moved": {
          const c = d.content(block.body, { attributes: [{ name: "from", required: true }, { name: "to", required: true }], blocks: [] }, "a moved block", block.typeRange);
          const from = c.attributes.get("from");
          const to = c.attributes.get("to");
          if (!from || !to) break;
          const fe = d.staticExpr(from);
          const te = d.staticExpr(to);
          const f = exprAsTarget(fe);
          const t = exprAsTarget(te);
          if (!f.ok) d.error("Invalid \"moved\" address", f.error, fe.range);
          if (!t.ok) d.error("Invalid \"moved\" address", t.error, te.range);
          if (f.ok && t.ok) {
            if ((f.value.kind === "module") !== (t.value.kind === "module")) {
              d.error("Invalid \"moved\" addresses", "A moved block must move a module to a module, or a resource to a resource: the from and to addresses are of different kinds.", block.typeRange);
              break;
            }
            cfg.moved.push({ from: f.value, to: t.value, fromRange: fe.range, toRange: te.range, range: block.range });
          }
          break;
        }
        case "import": {
          const c = d.content(
            block.body,
            { attributes: [{ name: "to", required: true }, { name: "id" }, { name: "identity" }, { name: "provider" }, { name: "for_each" }], blocks: [] },
            "an import block",
            block.typeRange,
          );
          const to = c.attributes.get("to");
          const id = c.attributes.get("id");
          if (!id && !c.attributes.has("identity")) {
            d.error("Missing required argument", 'An import block needs the id of the remote object: expected id = "...".', block.typeRange);
          }
          if (!to || !id) break;
          const te = d.staticExpr(to);
          const addrExpr = te.kind === "index" ? te.collection : te;
          const t = exprAsTarget(addrExpr);
          if (!t.ok || t.value.kind === "module") {
            d.error("Invalid import address", t.ok ? "The import target must be a resource, e.g. to = zstack_cdp_task.web." : t.error, te.range);
            break;
          }
          const provider = d.providerRef(c.attributes.get("provider"));
          const forEach = c.attributes.get("for_each")?.expr;
          cfg.imports.push({ to: t.value, toExpr: te, id: id.expr, ...(provider ? { provider } : {}), ...(forEach ? { forEach } : {}), range: block.range });
          break;
        }
        case "removed": {
          const c = d.content(
            block.body,
            { attributes: [{ name: "from", required: true }], blocks: [{ type: "lifecycle", labels: [] }, { type: "provisioner", labels: ["type"] }] },
            "a removed block",
            block.typeRange,
          );
          const from = c.attributes.get("from");
          if (!from) break;
          const fe = d.staticExpr(from);
          const f = exprAsTarget(fe);
          if (!f.ok) {
            d.error("Invalid \"removed\" address", f.error, fe.range);
            break;
          }
          if (f.value.kind === "instance") {
            d.error("Invalid \"removed\" address", "A removed block names a whole resource or module, without an instance key.", fe.range);
            break;
          }
          let destroy = true;
          for (const lb of c.blocks) {
            if (lb.type !== "lifecycle") continue;
            const lc = d.content(lb.body, { attributes: [{ name: "destroy" }], blocks: [] }, "the lifecycle of a removed block", lb.typeRange);
            destroy = d.bool(lc.attributes.get("destroy"), "destroy flag", true);
          }
          cfg.removed.push({ from: f.value, destroy, range: block.range });
          break;
        }
        case "check": {
          const ch = decodeCheck(d, block);
          if (!ch) break;
          const prev = cfg.checks.get(ch.name);
          if (prev) dup("check block", ch.name, prev.declRange, ch.declRange, "Check block names must be unique within a module.");
          else cfg.checks.set(ch.name, ch);
          break;
        }
      }
    }
  }
  return cfg;
}

const TERRAFORM_SCHEMA: BodySchema = {
  attributes: [{ name: "required_version" }, { name: "experiments" }, { name: "language" }],
  blocks: [
    { type: "required_providers", labels: [] },
    { type: "backend", labels: ["type"] },
    { type: "cloud", labels: [] },
    { type: "provider_meta", labels: ["provider"] },
  ],
};

function decodeTerraform(d: Decoder, block: Block, cfg: Config): void {
  const c = d.content(block.body, TERRAFORM_SCHEMA, "the terraform block", block.typeRange);
  const rv = c.attributes.get("required_version");
  if (rv) {
    const constraint = d.string(rv, "required_version constraint");
    if (constraint !== undefined) {
      cfg.terraform.requiredVersion = { constraint, range: rv.expr.range };
      cfg.terraform.requiredVersions.push({ constraint, range: rv.expr.range });
    }
  }
  for (const b of c.blocks) {
    if (b.type === "required_providers") {
      const rp = d.content(b.body, { attributes: [], blocks: [] }, "required_providers", b.typeRange, true);
      for (const attr of rp.remain.attributes) {
        const e = attr.expr;
        let source: string | undefined;
        let version: string | undefined;
        const legacy = constString(e);
        if (legacy !== undefined) version = legacy;
        else if (e.kind === "object") {
          for (const item of e.items) {
            const k = constString(item.key);
            const v = constString(item.value);
            if (k === "source" || k === "version") {
              if (v === undefined) d.error("Invalid required_providers entry", `The provider ${k} must be a literal string.`, item.value.range);
              else if (k === "source") source = v;
              else version = v;
            } else if (k !== "configuration_aliases") {
              d.error("Invalid required_providers entry", `Unexpected attribute ${JSON.stringify(k ?? "")}: a required provider is { source = "...", version = "..." }.`, item.key.range);
            }
          }
        } else {
          d.error("Invalid required_providers entry", `Expected an object like ${attr.name} = { source = "ns/${attr.name}", version = "~> 1.0" }.`, e.range);
          continue;
        }
        cfg.terraform.requiredProviders.set(attr.name, { name: attr.name, ...(source ? { source } : {}), ...(version ? { version } : {}), range: attr.range });
      }
      for (const nb of rp.remain.blocks) d.error("Unsupported block type", `Blocks are not allowed in required_providers: expected ${nb.type} = { source = "...", version = "..." }.`, nb.typeRange);
    } else if (b.type === "backend") {
      if (cfg.terraform.backend) {
        d.error("Duplicate backend configuration", `A backend was already configured at ${formatPos(cfg.terraform.backend.range)}. A module may have only one backend.`, b.typeRange);
        continue;
      }
      cfg.terraform.backend = { type: b.labels[0]!.value, config: b.body, range: b.range };
    } else if (b.type === "cloud") {
      cfg.terraform.cloud ??= { range: b.range };
    }
  }
}

function decodeVariable(d: Decoder, block: Block) {
  const name = block.labels[0]!.value;
  const nameRange = block.labels[0]!.range;
  if (!d.checkName("variable", name, nameRange)) return undefined;
  const reserved = ["source", "version", "providers", "count", "for_each", "lifecycle", "depends_on", "locals"];
  if (reserved.includes(name)) {
    d.error("Invalid variable name", `The variable name "${name}" is reserved because it is a meta-argument of module blocks. Choose another name.`, nameRange);
    return undefined;
  }
  const c = d.content(
    block.body,
    {
      attributes: [{ name: "type" }, { name: "default" }, { name: "description" }, { name: "sensitive" }, { name: "nullable" }, { name: "ephemeral" }],
      blocks: [{ type: "validation", labels: [] }],
    },
    `variable "${name}"`,
    d.headerRange(block),
  );
  const typeAttr = c.attributes.get("type");
  let type: Expression | undefined;
  if (typeAttr) {
    type = d.staticExpr(typeAttr);
    const legacy = typeAttr.json ? undefined : constString(type);
    if (legacy !== undefined) {
      d.error("Invalid type specification", `Type constraints are keywords, not strings: write type = ${legacy} without quotes.`, type.range);
      type = undefined;
    }
  }
  const description = d.string(c.attributes.get("description"), "variable description");
  const def = c.attributes.get("default");
  return {
    name,
    ...(type ? { type } : {}),
    ...(def ? { default: def.expr } : {}),
    ...(description !== undefined ? { description } : {}),
    sensitive: d.bool(c.attributes.get("sensitive"), "sensitive flag", false),
    nullable: d.bool(c.attributes.get("nullable"), "nullable flag", true),
    ephemeral: d.bool(c.attributes.get("ephemeral"), "ephemeral flag", false),
    validations: d.rules(c.blocks, "validation", `variable "${name}"`),
    range: block.range,
    declRange: d.headerRange(block),
  };
}

function decodeModuleCall(d: Decoder, block: Block, cfg: Config): void {
  const name = block.labels[0]!.value;
  if (!d.checkName("module", name, block.labels[0]!.range)) return;
  const c = d.content(
    block.body,
    {
      attributes: [{ name: "source", required: true }, { name: "version" }, { name: "count" }, { name: "for_each" }, { name: "providers" }, { name: "depends_on" }],
      blocks: [],
    },
    `module "${name}"`,
    d.headerRange(block),
    true,
  );
  for (const b of c.remain.blocks) {
    d.error("Unsupported block type", `Blocks of type "${b.type}" are not expected in a module call: module inputs are arguments (name = value).`, b.typeRange);
  }
  const prev = cfg.moduleCalls.get(name);
  if (prev) {
    d.error("Duplicate module call", `A module call named "${name}" was already declared at ${formatPos(prev.declRange)}. Module calls must have unique names within a module.`, d.headerRange(block));
    return;
  }
  const sourceAttr = c.attributes.get("source");
  if (!sourceAttr) return;
  const source = d.string(sourceAttr, "module source");
  if (source === undefined) return;
  const count = c.attributes.get("count");
  const forEach = c.attributes.get("for_each");
  if (count && forEach) {
    d.error("Invalid combination of \"count\" and \"for_each\"", 'The "count" and "for_each" meta-arguments are mutually exclusive: use only one of them.', forEach.nameRange);
  }
  const providers: { inChild: ProviderRef; inParent: ProviderRef }[] = [];
  const pa = c.attributes.get("providers");
  if (pa) {
    const pe = d.staticExpr(pa);
    if (pe.kind !== "object") d.error("Invalid providers map", "Expected an object mapping child provider names to provider configurations, e.g. providers = { zstack = zstack.west }.", pe.range);
    else {
      for (const item of pe.items) {
        const keyExpr: Expression = item.bareKey && item.key.kind === "literal" ? { kind: "scope_traversal", root: String(item.key.value), rootRange: item.key.range, steps: [], range: item.key.range } : item.key;
        const kc = constString(keyExpr);
        const inChild = kc !== undefined ? d.providerRefExpr(reparse(kc, keyExpr)) : d.providerRefExpr(keyExpr);
        const inParent = d.providerRefExpr(item.value);
        if (inChild && inParent) providers.push({ inChild, inParent });
      }
    }
  }
  const versionAttr = c.attributes.get("version");
  const version = d.string(versionAttr, "module version");
  const inputs = new Map<string, Attribute>();
  for (const a of c.remain.attributes) inputs.set(a.name, a);
  cfg.moduleCalls.set(name, {
    name,
    source,
    sourceRange: sourceAttr.expr.range,
    ...(version !== undefined && versionAttr ? { version, versionRange: versionAttr.expr.range } : {}),
    ...(count ? { count: count.expr } : {}),
    ...(forEach ? { forEach: forEach.expr } : {}),
    providers,
    dependsOn: d.dependsOn(c.attributes.get("depends_on")),
    inputs,
    range: block.range,
    declRange: d.headerRange(block),
  });
}

/** A provider key given as a JSON/quoted string ("zstack.west") as a traversal. */
function reparse(text: string, at: Expression): Expression {
  const [root, alias, ...rest] = text.split(".");
  if (!root || rest.length) return at;
  return { kind: "scope_traversal", root, rootRange: at.range, steps: alias ? [{ kind: "attr", name: alias, range: at.range }] : [], range: at.range };
}

const RESOURCE_META: BodySchema = {
  attributes: [{ name: "count" }, { name: "for_each" }, { name: "provider" }, { name: "depends_on" }],
  blocks: [
    { type: "lifecycle", labels: [] },
    { type: "timeouts", labels: [] },
    { type: "connection", labels: [] },
    { type: "provisioner", labels: ["type"] },
  ],
};

function decodeResource(d: Decoder, block: Block, mode: ResourceMode): Resource | undefined {
  const [typeLabel, nameLabel] = block.labels as [Block["labels"][0], Block["labels"][0]];
  const kind = mode === "data" ? "data source" : "resource";
  if (!d.checkLabel(mode === "data" ? "data source type" : "resource type", typeLabel)) return undefined;
  if (!d.checkLabel(kind, nameLabel)) return undefined;
  const type = typeLabel.value;
  const name = nameLabel.value;
  const context = `${mode === "data" ? "data" : "resource"} "${type}" "${name}"`;
  const declRange = d.headerRange(block);
  const c = d.content(block.body, RESOURCE_META, context, declRange, true);
  const count = c.attributes.get("count");
  const forEach = c.attributes.get("for_each");
  if (count && forEach) {
    d.error("Invalid combination of \"count\" and \"for_each\"", 'The "count" and "for_each" meta-arguments are mutually exclusive: only one may be set per resource.', forEach.nameRange);
  }
  const provider = d.providerRef(c.attributes.get("provider"));
  // Most resources have no lifecycle block: they share one frozen default, and a block gets an object of its own.
  let lifecycle = NO_LIFECYCLE;
  let timeouts: Map<string, Attribute> | undefined;
  let seenLifecycle: SourceRange | undefined;
  for (const b of c.blocks) {
    switch (b.type) {
      case "lifecycle": {
        if (seenLifecycle) {
          d.error("Duplicate lifecycle block", `The lifecycle block of ${context} was already given at ${formatPos(seenLifecycle)}. Only one is allowed.`, b.typeRange);
          break;
        }
        seenLifecycle = b.typeRange;
        lifecycle = { ...NO_LIFECYCLE };
        decodeLifecycle(d, b, mode, context, lifecycle);
        break;
      }
      case "timeouts": {
        const tc = d.content(b.body, TIMEOUTS, `the timeouts of ${context}`, b.typeRange);
        timeouts ??= new Map();
        for (const [k, v] of tc.attributes) timeouts.set(k, v);
        break;
      }
      case "connection":
      case "provisioner":
        d.warning("Provisioners are not supported", `backplan does not run provisioners or connection blocks; this "${b.type}" block of ${context} is ignored.`, b.typeRange);
        break;
    }
  }
  // Optional fields are assigned afterwards rather than spread in: spreading builds a temporary object per field
  // and a slow-path copy, once per resource of a large configuration.
  const r: Resource = {
    mode,
    type,
    name,
    addr: { mode, type, name },
    providerName: provider?.name ?? impliedProviderName(type),
    dependsOn: d.dependsOn(c.attributes.get("depends_on")),
    lifecycle,
    timeouts: timeouts ?? NO_TIMEOUTS,
    config: c.remain,
    range: block.range,
    declRange,
  };
  if (count) r.count = count.expr;
  if (forEach) r.forEach = forEach.expr;
  if (provider) r.provider = provider;
  return r;
}

/** Shared by every resource without `ignore_changes`. */
const IGNORE_NOTHING: IgnoreChanges = Object.freeze({ kind: "none" });

/** The lifecycle of a resource without a lifecycle block. */
const NO_LIFECYCLE: Lifecycle = Object.freeze({
  createBeforeDestroy: false,
  preventDestroy: false,
  ignoreChanges: IGNORE_NOTHING,
  replaceTriggeredBy: NONE,
  preconditions: NONE,
  postconditions: NONE,
});

/** Shared by every resource without a timeouts block (most of them): one Map less per resource. */
const NO_TIMEOUTS: ReadonlyMap<string, Attribute> = new Map();

const CONDITION_BLOCKS = [
  { type: "precondition", labels: [] },
  { type: "postcondition", labels: [] },
];
const MANAGED_LIFECYCLE: BodySchema = {
  attributes: ["create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by"].map((name) => ({ name })),
  blocks: CONDITION_BLOCKS,
};
const DATA_LIFECYCLE: BodySchema = { attributes: [], blocks: CONDITION_BLOCKS };
const TIMEOUTS: BodySchema = { attributes: ["create", "read", "update", "delete", "default"].map((name) => ({ name })), blocks: [] };

function decodeLifecycle(d: Decoder, b: Block, mode: ResourceMode, context: string, out: Lifecycle): void {
  const lc = d.content(
    b.body,
    mode === "managed" ? MANAGED_LIFECYCLE : DATA_LIFECYCLE,
    `the lifecycle of ${context}`,
    b.typeRange,
  );
  out.range = b.range;
  out.createBeforeDestroy = d.bool(lc.attributes.get("create_before_destroy"), "create_before_destroy flag", false);
  out.preventDestroy = d.bool(lc.attributes.get("prevent_destroy"), "prevent_destroy flag", false);
  const ic = lc.attributes.get("ignore_changes");
  if (ic) out.ignoreChanges = ignoreChanges(d, d.staticExpr(ic));
  const rt = lc.attributes.get("replace_triggered_by");
  if (rt) {
    const e = d.staticExpr(rt);
    if (e.kind !== "tuple") d.error("Invalid replace_triggered_by", "Expected a list of references to resources or their attributes, e.g. replace_triggered_by = [zstack_vm.db.id].", e.range);
    else out.replaceTriggeredBy = e.items;
  }
  out.preconditions = d.rules(lc.blocks, "precondition", context);
  out.postconditions = d.rules(lc.blocks, "postcondition", context);
}

function ignoreChanges(d: Decoder, e: Expression): IgnoreChanges {
  if (exprAsKeyword(e) === "all" || constString(e) === "all") return { kind: "all", range: e.range };
  if (e.kind !== "tuple") {
    d.error("Invalid ignore_changes", 'Expected the keyword all or a list of attribute paths, e.g. ignore_changes = [tags, description].', e.range);
    return { kind: "none" };
  }
  const paths = [];
  for (const item of e.items) {
    const t = exprAsTraversal(item);
    if (!t) {
      d.error("Invalid ignore_changes entry", "Expected an attribute name of this resource, such as tags or tags[\"env\"] (no quotes, no references to other objects).", item.range);
      continue;
    }
    paths.push({ steps: [{ kind: "attr" as const, name: t.root, range: item.range }, ...t.steps], range: item.range });
  }
  return { kind: "paths", paths };
}

function decodeCheck(d: Decoder, block: Block): Check | undefined {
  const name = block.labels[0]!.value;
  if (!d.checkName("check", name, block.labels[0]!.range)) return undefined;
  const c = d.content(block.body, { attributes: [], blocks: [{ type: "data", labels: ["type", "name"] }, { type: "assert", labels: [] }] }, `check "${name}"`, d.headerRange(block));
  let data: Resource | undefined;
  for (const b of c.blocks) {
    if (b.type !== "data") continue;
    if (data) {
      d.error("Multiple data blocks in a check", `A check block may hold only one scoped data source; "${name}" already has data "${data.type}" "${data.name}".`, b.typeRange);
      continue;
    }
    data = decodeResource(d, b, "data");
  }
  const asserts = d.rules(c.blocks, "assert", `check "${name}"`);
  if (!c.blocks.some((b) => b.type === "assert")) {
    d.error("Missing assert block", `The check "${name}" has no assert block: expected at least one assert { condition = ..., error_message = "..." }.`, d.headerRange(block));
  }
  return { name, ...(data ? { data } : {}), asserts, range: block.range, declRange: d.headerRange(block) };
}
