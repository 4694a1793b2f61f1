import { formatTarget, type ModuleStep, type TargetAddr } from "../../addrs/resource.js";
import { formatInstanceAddress, type InstanceAddress } from "../../state/address.js";
import type { InstanceObject, State } from "../../state/state.js";

/**
 * What `state list`, `state rm` and `state mv` select and where `mv` puts it, computed over a State without
 * changing it (pure). The commands apply the result through the locked session.
 */

/** One instance in state with everything it holds. */
export interface StateInstance {
  address: InstanceAddress;
  provider: string;
  current?: InstanceObject;
  deposed: Record<string, InstanceObject>;
}

export function stateInstances(state: State): StateInstance[] {
  const out: StateInstance[] = [];
  for (const r of state.resources()) {
    for (const i of r.instances) {
      const address: InstanceAddress = i.key === undefined ? { ...r.address } : { ...r.address, key: i.key };
      out.push({ address, provider: r.provider, ...(i.current ? { current: i.current } : {}), deposed: i.deposed });
    }
  }
  return out;
}

function sameSteps(a: readonly ModuleStep[], b: readonly ModuleStep[]): boolean {
  return a.length === b.length && a.every((s, i) => s.name === b[i]!.name && s.key === b[i]!.key);
}

function startsWithModule(path: readonly ModuleStep[], prefix: readonly ModuleStep[]): boolean {
  // `module.a` names every instance of the call; `module.a[0]` just that one.
  return prefix.length <= path.length && prefix.every((s, i) => s.name === path[i]!.name && (s.key === undefined || s.key === path[i]!.key));
}

/** Whether an instance address is selected by a target (module, whole resource, or one instance). */
export function targetMatches(t: TargetAddr, a: InstanceAddress): boolean {
  switch (t.kind) {
    case "module":
      return startsWithModule(a.module, t.module);
    case "resource":
      return sameSteps(a.module, t.module) && a.mode === t.resource.mode && a.type === t.resource.type && a.name === t.resource.name;
    case "instance":
      return sameSteps(a.module, t.module) && a.mode === t.resource.mode && a.type === t.resource.type && a.name === t.resource.name && a.key === t.key;
  }
}

export interface Move {
  from: StateInstance;
  to: InstanceAddress;
}

export type MovePlan = { ok: true; moves: Move[] } | { ok: false; summary: string; detail: string };

/**
 * Where `state mv SRC DST` puts each selected instance. A module moves with everything under it, a whole
 * resource with all its instances, one instance to one instance (a DST without a key names the no-key
 * instance). Refuses to overwrite anything already at DST, to change a resource's type or mode, and a SRC that
 * matches nothing.
 */
export function planMove(state: State, src: TargetAddr, dst: TargetAddr): MovePlan {
  const all = stateInstances(state);
  const selected = all.filter((i) => targetMatches(src, i.address));
  const srcText = formatTarget(src);
  const dstText = formatTarget(dst);
  if (selected.length === 0) {
    return { ok: false, summary: "Invalid source address", detail: `Cannot move ${srcText}: does not match anything in the current state.` };
  }
  const invalid = (detail: string): MovePlan => ({ ok: false, summary: "Invalid target address", detail });
  let moves: Move[];
  if (src.kind === "module") {
    if (dst.kind !== "module") return invalid(`Cannot move ${srcText} to ${dstText}: a module can only move to another module address.`);
    moves = selected.map((from) => ({ from, to: { ...from.address, module: [...dst.module, ...from.address.module.slice(src.module.length)] } }));
  } else if (src.kind === "resource" && dst.kind === "resource") {
    moves = selected.map((from) => ({ from, to: { ...from.address, module: [...dst.module], mode: dst.resource.mode, type: dst.resource.type, name: dst.resource.name } }));
  } else if (src.kind === "resource" && selected.length > 1) {
    return invalid(`Cannot move ${srcText} to ${dstText}: the resource has ${selected.length} instances; move them one at a time, or move the whole resource to a resource address.`);
  } else if (dst.kind === "module") {
    return invalid(`Cannot move ${srcText} to ${dstText}: a resource instance can only move to a resource or resource instance address.`);
  } else {
    const key = dst.kind === "instance" ? dst.key : undefined;
    moves = [{ from: selected[0]!, to: { module: [...dst.module], mode: dst.resource.mode, type: dst.resource.type, name: dst.resource.name, ...(key === undefined ? {} : { key }) } }];
  }
  for (const m of moves) {
    if (m.to.type !== m.from.address.type || m.to.mode !== m.from.address.mode) {
      return { ok: false, summary: "Invalid state move request", detail: `Cannot move ${formatInstanceAddress(m.from.address)} to ${formatInstanceAddress(m.to)}: resource types don't match.` };
    }
  }
  const moving = new Set(moves.map((m) => formatInstanceAddress(m.from.address)));
  const occupied = new Set(all.filter((i) => !moving.has(formatInstanceAddress(i.address))).map((i) => formatInstanceAddress(i.address)));
  // A whole resource may not land on a resource that exists, even on a key it does not have.
  if (src.kind === "resource" && dst.kind === "resource") {
    const taken = all.find((i) => !moving.has(formatInstanceAddress(i.address)) && targetMatches(dst, i.address));
    if (taken) return invalid(`Cannot move to ${dstText}: there is already a resource at that address in the current state.`);
  }
  if (src.kind === "module") {
    const taken = all.find((i) => !moving.has(formatInstanceAddress(i.address)) && targetMatches(dst, i.address));
    if (taken) return invalid(`Cannot move to ${dstText}: there is already a module at that address in the current state (holding ${formatInstanceAddress(taken.address)}).`);
  }
  for (const m of moves) {
    const to = formatInstanceAddress(m.to);
    if (occupied.has(to)) return invalid(`Cannot move to ${to}: there is already a resource instance at that address in the current state.`);
  }
  return { ok: true, moves };
}
