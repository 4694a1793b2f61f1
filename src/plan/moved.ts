import { formatKey, type TargetAddr } from "../addrs/resource.js";
import type { Diagnostic } from "../config/diagnostics.js";
import type { Config } from "../config/model.js";
import { parseInstanceAddress } from "../state/address.js";
import type { State } from "../state/state.js";

function targetString(t: TargetAddr, modulePrefix: string): string {
  const mod = modulePrefix + t.module.map((m) => `module.${m.name}${formatKey(m.key)}.`).join("");
  if (t.kind === "module") return mod.slice(0, -1);
  return `${mod}${t.resource.mode === "data" ? "data." : ""}${t.resource.type}.${t.resource.name}${t.kind === "instance" ? formatKey(t.key) : ""}`;
}

/** Whether the address names one keyed instance (`x.y[0]`, `module.a["k"]`) rather than every instance. */
function keyed(t: TargetAddr): boolean {
  return t.kind === "instance" || (t.kind === "module" && t.module[t.module.length - 1]?.key !== undefined);
}

/**
 * Applies every `moved` block of the module tree to `state` (in place), in declaration order: objects at a
 * `from` address are renamed to the `to` address unless something already lives there. A move between
 * unkeyed addresses takes every instance along (`module.a[1]` → `module.b[1]`); a move to or from a keyed one
 * (`module.a` → `module.a[0]`) takes only the instance named. Blocks of a module apply in each of its instances
 * found in state. Returns new address → previous address for every instance moved, so plans can show
 * `previous_address`.
 */
export function applyMoved(root: Config, state: State, diags: Diagnostic[]): Map<string, string> {
  const moves = new Map<string, string>();
  const visit = (cfg: Config, prefix: string, depth: number) => {
    for (const m of cfg.moved) {
      const from = targetString(m.from, prefix);
      const to = targetString(m.to, prefix);
      const allInstances = !keyed(m.from) && !keyed(m.to);
      for (const addr of state.instanceAddresses()) {
        let dest: string | undefined;
        if (addr === from) dest = to;
        else if ((allInstances && addr.startsWith(from + "[")) || (m.from.kind === "module" && addr.startsWith(from + "."))) {
          dest = to + addr.slice(from.length);
        }
        if (!dest) continue;
        if (state.getInstance(dest)) {
          diags.push({ severity: "warning", summary: "Moved object still exists", detail: `This statement declares a move from ${addr} to ${dest}, but both exist in state; the move is ignored.`, subject: m.range });
          continue;
        }
        const obj = state.getInstance(addr)!;
        const provider = state.getProvider(addr);
        state.removeInstance(addr);
        state.setInstance(dest, obj, provider ? { provider } : {});
        moves.set(dest, moves.get(addr) ?? addr);
        moves.delete(addr);
      }
    }
    for (const [name, child] of cfg.children) for (const p of childInstancePrefixes(state, prefix, depth, name)) visit(child, p, depth + 1);
  };
  visit(root, "", 0);
  return moves;
}

/**
 * `PREFIX.module.NAME[KEY].` for every instance of module call NAME under the module instance `prefix` (of
 * `depth` steps) that state holds objects in.
 */
function childInstancePrefixes(state: State, prefix: string, depth: number, name: string): string[] {
  const out = new Set<string>();
  for (const addr of state.instanceAddresses()) {
    if (!addr.startsWith(`${prefix}module.${name}`)) continue;
    const steps = parseInstanceAddress(addr).module;
    if (steps.length <= depth || steps[depth]!.name !== name) continue;
    out.add(steps.slice(0, depth + 1).map((s) => `module.${s.name}${formatKey(s.key)}.`).join(""));
  }
  return [...out];
}
