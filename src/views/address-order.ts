import type { ResourceChange } from "../plan/plan.js";
import { compareStrings } from "./encoding.js";

/**
 * Terraform's order of resource instances in plan JSON, which is not the order of the address strings: the root
 * module's instances come before any module's (shallower modules first, then by call name and key), data
 * resources before managed ones within a module, then type, name and instance key, where integer keys compare
 * as numbers (`n[2]` before `n[10]`) and no key comes first. Deposed objects follow their current object.
 */

type Key = number | string | undefined;

/** Instance keys in Terraform's order: no key, then integers by value, then strings. */
export function compareKeys(a: Key, b: Key): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1;
  return typeof a === "number" ? a - (b as number) : compareStrings(a, b as string);
}

/** `module.a["k"].module.b[0]` → `[{name: "a", key: "k"}, {name: "b", key: 0}]`. */
function moduleSteps(address: string | undefined): { name: string; key: Key }[] {
  if (!address) return [];
  const out: { name: string; key: Key }[] = [];
  for (const m of address.matchAll(/module\.([A-Za-z0-9_-]+)(?:\[(\d+|"(?:[^"\\]|\\.)*")\])?/g)) {
    const raw = m[2];
    out.push({ name: m[1]!, key: raw === undefined ? undefined : raw.startsWith('"') ? (JSON.parse(raw) as string) : Number(raw) });
  }
  return out;
}

export function compareInstances(a: ResourceChange, b: ResourceChange): number {
  const ma = moduleSteps(a.moduleAddress);
  const mb = moduleSteps(b.moduleAddress);
  if (ma.length !== mb.length) return ma.length - mb.length;
  for (let i = 0; i < ma.length; i++) {
    const c = compareStrings(ma[i]!.name, mb[i]!.name) || compareKeys(ma[i]!.key, mb[i]!.key);
    if (c !== 0) return c;
  }
  if (a.mode !== b.mode) return a.mode === "data" ? -1 : 1;
  return (
    compareStrings(a.type, b.type) ||
    compareStrings(a.name, b.name) ||
    compareKeys(a.index, b.index) ||
    compareStrings(a.deposed ?? "", b.deposed ?? "")
  );
}

/** The changes in Terraform's plan-JSON order (a sorted copy). */
export function terraformOrder(changes: readonly ResourceChange[]): ResourceChange[] {
  return [...changes].sort(compareInstances);
}
