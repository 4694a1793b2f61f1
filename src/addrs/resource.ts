/**
 * Addresses of resources, resource instances and module instances, as Terraform writes them:
 * `zstack_cdp_task.web`, `data.zstack_vm.db`, `aws_x.y[0]`, `module.a["k"].csbs_backup_policy_checkpoint.x["k"]`.
 */

/** An instance key: `[0]` (count) or `["k"]` (for_each). Absent for a single-instance resource. */
export type InstanceKey = number | string;

export type ResourceMode = "managed" | "data";

/** One `module.NAME[KEY]` step of a module path. */
export interface ModuleStep {
  name: string;
  key?: InstanceKey;
}

/** A resource in configuration: mode, type, name (no module, no key). */
export interface ResourceAddr {
  mode: ResourceMode;
  type: string;
  name: string;
}

/** A resource instance anywhere in the module tree. */
export interface ResourceInstanceAddr {
  module: ModuleStep[];
  resource: ResourceAddr;
  key?: InstanceKey;
}

/** What `-target` / `-replace` / `state mv` may name: a module instance, a whole resource, or one instance. */
export type TargetAddr =
  | { kind: "module"; module: ModuleStep[] }
  | { kind: "resource"; module: ModuleStep[]; resource: ResourceAddr }
  | { kind: "instance"; module: ModuleStep[]; resource: ResourceAddr; key: InstanceKey };

/** `[0]` or `["k"]` (string keys JSON-quoted, as Terraform prints them). */
export function formatKey(key: InstanceKey | undefined): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

export function formatModulePath(module: readonly ModuleStep[]): string {
  return module.map((m) => `module.${m.name}${formatKey(m.key)}`).join(".");
}

/** `type.name` or `data.type.name`. */
export function formatResource(r: ResourceAddr): string {
  return `${r.mode === "data" ? "data." : ""}${r.type}.${r.name}`;
}

/** `module.a["k"].type.name[0]` */
export function formatResourceInstance(a: ResourceInstanceAddr): string {
  const mod = formatModulePath(a.module);
  return `${mod ? mod + "." : ""}${formatResource(a.resource)}${formatKey(a.key)}`;
}

export function formatTarget(t: TargetAddr): string {
  switch (t.kind) {
    case "module":
      return formatModulePath(t.module);
    case "resource":
      return formatResourceInstance({ module: t.module, resource: t.resource });
    case "instance":
      return formatResourceInstance({ module: t.module, resource: t.resource, key: t.key });
  }
}

export function sameModulePath(a: readonly ModuleStep[], b: readonly ModuleStep[]): boolean {
  return a.length === b.length && a.every((s, i) => s.name === b[i]!.name && s.key === b[i]!.key);
}
