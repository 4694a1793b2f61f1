/**
 * The Config model: one module's declarations, with every expression kept unevaluated (AST with ranges) so the
 * plan engine evaluates on demand and every later error can point at the source. Maps are keyed as Terraform
 * addresses them: variables/locals/outputs/modules/checks by name, managed resources by `type.name`, data
 * resources by `data.type.name`, provider configs by `name` or `name.alias`.
 */
import type { ResourceAddr, ResourceMode, TargetAddr } from "../addrs/resource.js";
import type { Attribute, Body, Expression, File, TraversalStep } from "./hcl/ast.js";
import type { SourceRange } from "./source.js";

export interface Config {
  /** Module call names from the root: `[]` for the root module, `["net", "inner"]` for module.net.module.inner. */
  path: string[];
  /** Directory the module was loaded from. */
  dir: string;
  /** The parsed files, in the lexical order they were loaded. */
  files: File[];
  terraform: TerraformSettings;
  providers: Map<string, ProviderConfig>;
  variables: Map<string, Variable>;
  locals: Map<string, Local>;
  outputs: Map<string, Output>;
  managedResources: Map<string, Resource>;
  dataResources: Map<string, Resource>;
  moduleCalls: Map<string, ModuleCall>;
  moved: Moved[];
  imports: Import[];
  removed: Removed[];
  checks: Map<string, Check>;
  /** Loaded child modules, keyed by module call name (only calls whose source could be loaded). */
  children: Map<string, Config>;
}

export interface TerraformSettings {
  requiredVersion?: { constraint: string; range: SourceRange };
  /** Every `required_version` of the module's terraform blocks (Terraform checks each), in file order. */
  requiredVersions: { constraint: string; range: SourceRange }[];
  requiredProviders: Map<string, RequiredProvider>;
  backend?: Backend;
  /** A `cloud` block (HCP Terraform), recorded so commands can refuse it with its position. */
  cloud?: { range: SourceRange };
}

export interface RequiredProvider {
  name: string;
  source?: string;
  version?: string;
  range: SourceRange;
}

export interface Backend {
  type: string;
  config: Body;
  range: SourceRange;
}

/** A `provider` block. `config` holds its arguments except `alias`/`version`. */
export interface ProviderConfig {
  name: string;
  alias?: string;
  config: Body;
  range: SourceRange;
  declRange: SourceRange;
}

/** `provider = NAME` or `provider = NAME.ALIAS` on a resource, module `providers` map, import... */
export interface ProviderRef {
  name: string;
  alias?: string;
  range: SourceRange;
}

export interface Variable {
  name: string;
  /** The type constraint expression (`string`, `map(object({...}))`), evaluated by src/lang. */
  type?: Expression;
  default?: Expression;
  description?: string;
  sensitive: boolean;
  nullable: boolean;
  ephemeral: boolean;
  validations: CheckRule[];
  range: SourceRange;
  declRange: SourceRange;
}

export interface Local {
  name: string;
  expr: Expression;
  range: SourceRange;
}

export interface Output {
  name: string;
  value: Expression;
  description?: string;
  sensitive: boolean;
  ephemeral: boolean;
  dependsOn: DependsOn[];
  preconditions: CheckRule[];
  range: SourceRange;
  declRange: SourceRange;
}

/** `condition` + `error_message` of a validation, precondition, postcondition or check assert. */
export interface CheckRule {
  condition: Expression;
  errorMessage: Expression;
  range: SourceRange;
}

/** One `depends_on` entry: a resource, data resource or module (optionally an instance of one). */
export interface DependsOn {
  target: TargetAddr;
  expr: Expression;
  range: SourceRange;
}

/** A path into a resource's own attributes, as in `ignore_changes = [tags["env"], description]`. */
export interface AttrPath {
  steps: TraversalStep[];
  range: SourceRange;
}

export type IgnoreChanges = { kind: "none" } | { kind: "all"; range: SourceRange } | { kind: "paths"; paths: AttrPath[] };

export interface Lifecycle {
  createBeforeDestroy: boolean;
  preventDestroy: boolean;
  ignoreChanges: IgnoreChanges;
  /** References whose change forces replacement (`replace_triggered_by`), evaluated at plan time. */
  replaceTriggeredBy: Expression[];
  preconditions: CheckRule[];
  postconditions: CheckRule[];
  range?: SourceRange;
}

/** A `resource` or `data` block (also the scoped `data` of a `check` block). */
export interface Resource {
  mode: ResourceMode;
  type: string;
  name: string;
  addr: ResourceAddr;
  count?: Expression;
  forEach?: Expression;
  /** The explicit `provider = x.alias`, if any. */
  provider?: ProviderRef;
  /** The provider local name: the explicit one, or the type's prefix before the first "_". */
  providerName: string;
  dependsOn: DependsOn[];
  lifecycle: Lifecycle;
  /** Arguments of a `timeouts { create = "30m" }` block, when present. */
  timeouts: ReadonlyMap<string, Attribute>;
  /**
   * The provider-defined part of the body: every argument and nested block (including `dynamic` blocks) that
   * is not a meta-argument. For the JSON syntax decode it against the resource schema with `bodyContent()`.
   */
  config: Body;
  range: SourceRange;
  /** The block header (`resource "type" "name"`), where "this resource" messages point. */
  declRange: SourceRange;
}

export interface ModuleCall {
  name: string;
  source: string;
  sourceRange: SourceRange;
  /** The `version` constraint (registry modules only) and where it is written. */
  version?: string;
  versionRange?: SourceRange;
  count?: Expression;
  forEach?: Expression;
  /** `providers = { child = parent.alias }` */
  providers: { inChild: ProviderRef; inParent: ProviderRef }[];
  dependsOn: DependsOn[];
  /** The input variable arguments, by name. */
  inputs: Map<string, Attribute>;
  range: SourceRange;
  declRange: SourceRange;
}

/** `moved { from = ..., to = ... }` with both addresses relative to the module. */
export interface Moved {
  from: TargetAddr;
  to: TargetAddr;
  fromRange: SourceRange;
  toRange: SourceRange;
  range: SourceRange;
}

export interface Import {
  /** The resource (instance) to import into; `toExpr` keeps the raw expression (it may index by each.key). */
  to: TargetAddr;
  toExpr: Expression;
  id: Expression;
  provider?: ProviderRef;
  forEach?: Expression;
  range: SourceRange;
}

export interface Removed {
  from: TargetAddr;
  /** `lifecycle { destroy = false }` forgets instead of destroying. */
  destroy: boolean;
  range: SourceRange;
}

export interface Check {
  name: string;
  /** A scoped data source read only for this check. */
  data?: Resource;
  asserts: CheckRule[];
  range: SourceRange;
  declRange: SourceRange;
}

export function emptyConfig(dir: string, path: string[]): Config {
  return {
    path,
    dir,
    files: [],
    terraform: { requiredProviders: new Map(), requiredVersions: [] },
    providers: new Map(),
    variables: new Map(),
    locals: new Map(),
    outputs: new Map(),
    managedResources: new Map(),
    dataResources: new Map(),
    moduleCalls: new Map(),
    moved: [],
    imports: [],
    removed: [],
    checks: new Map(),
    children: new Map(),
  };
}

/** Address key of a resource in its module: `type.name` or `data.type.name`. */
export function resourceKey(mode: ResourceMode, type: string, name: string): string {
  return mode === "data" ? `data.${type}.${name}` : `${type}.${name}`;
}

/** The implied provider local name of a resource type: its prefix before the first underscore. */
export function impliedProviderName(type: string): string {
  const i = type.indexOf("_");
  return i < 0 ? type : type.slice(0, i);
}
