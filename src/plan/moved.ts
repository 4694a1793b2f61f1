import { formatKey, type TargetAddr } from "../addrs/resource.js";
import type { Diagnostic } from "../config/diagnostics.js";
import type { Config } from "../config/model.js";
import type { State } from "../state/state.js";

function targetString(t: TargetAddr, modulePrefix: string): string {
  const mod = modulePrefix + t.module.map((m) => `module.${m.name}${formatKey(m.key)}.`).join("");
  if (t.kind === "module") return mod.slice(0, -1);
  return `${mod}${t.resource.mode === "data" ? "data." : ""}${t.resource.type}.${t.resource.name}${t.kind === "instance" ? formatKey(t.key) : ""}`;
}

/**
 * Applies every `moved` block of the module tree to `state` (in place), in declaration order: objects at a
 * `from` address are renamed to the `to` address unless something already lives there. Returns new address →
 * previous address for every instance moved, so plans can show `previous_address`.
 */
export function applyMoved(root: Config, state: State, diags: Diagnostic[]): Map<string, string> {
  const moves = new Map<string, string>();
  const visit = (cfg: Config, prefix: string) => {
    for (const m of cfg.moved) {
      const from = targetString(m.from, prefix);
      const to = targetString(m.to, prefix);
      for (const addr of state.instanceAddresses()) {
        let dest: string | undefined;
        if (addr === from) dest = to;
        else if (m.from.kind !== "instance" && (addr.startsWith(from + "[") || (m.from.kind === "module" && addr.startsWith(from + ".")))) {
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
    for (const [name, child] of cfg.children) visit(child, `${prefix}module.${name}.`);
  };
  visit(root, "");
  return moves;
}
