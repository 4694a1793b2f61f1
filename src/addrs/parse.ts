/**
 * Parsing of address strings given on the command line (`-target`, `-replace`, `state mv`, `import`).
 * Errors are values naming the column and what was expected, never exceptions.
 */
import type { InstanceKey, ModuleStep, ResourceAddr, ResourceInstanceAddr, TargetAddr } from "./resource.js";

export type AddrResult<T> = { ok: true; value: T } | { ok: false; error: string; column: number };

type Step = { kind: "name"; name: string; col: number } | { kind: "key"; key: InstanceKey; col: number };

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;

/** Splits `a.b["k"][0]` into name and key steps; `col` is 1-based. */
function tokenize(text: string): AddrResult<Step[]> {
  const steps: Step[] = [];
  let i = 0;
  const fail = (error: string, at = i): AddrResult<Step[]> => ({ ok: false, error, column: at + 1 });
  if (text.trim() !== text) return fail("Addresses may not have leading or trailing spaces.", 0);
  let expectName = true;
  while (i < text.length) {
    if (expectName) {
      IDENT.lastIndex = i;
      const m = IDENT.exec(text);
      if (!m) return fail(`Expected a name at column ${i + 1}, but found ${JSON.stringify(text[i])}.`);
      steps.push({ kind: "name", name: m[0], col: i + 1 });
      i += m[0].length;
      expectName = false;
      continue;
    }
    const c = text[i];
    if (c === ".") {
      i++;
      expectName = true;
      if (i >= text.length) return fail('Expected a name after ".", but the address ends there.');
      continue;
    }
    if (c === "[") {
      const col = i + 1;
      i++;
      if (text[i] === '"') {
        let j = i + 1;
        let raw = '"';
        for (; j < text.length && text[j] !== '"'; j++) {
          if (text[j] === "\\") {
            raw += text[j]! + (text[j + 1] ?? "");
            j++;
          } else raw += text[j];
        }
        if (j >= text.length) return fail('Expected a closing quote (") for the instance key.', i);
        let key: string;
        try {
          key = JSON.parse(raw + '"') as string;
        } catch {
          return fail("The instance key is not a valid quoted string.", i);
        }
        i = j + 1;
        steps.push({ kind: "key", key, col });
      } else {
        const m = /\d+/y;
        m.lastIndex = i;
        const r = m.exec(text);
        if (!r) return fail(`Expected an instance key (a whole number like [0] or a quoted string like ["k"]) at column ${i + 1}.`);
        i += r[0].length;
        steps.push({ kind: "key", key: Number(r[0]), col });
      }
      if (text[i] !== "]") return fail(`Expected "]" to close the instance key at column ${i + 1}.`);
      i++;
      continue;
    }
    return fail(`Expected "." or "[" at column ${i + 1}, but found ${JSON.stringify(c)}.`);
  }
  if (steps.length === 0) return fail("The address is empty: expected something like zstack_cdp_task.web.", 0);
  return { ok: true, value: steps };
}

/** Parses any target: `module.a`, `module.a[0].x.y`, `x.y`, `x.y["k"]`, `data.x.y`. */
export function parseTarget(text: string): AddrResult<TargetAddr> {
  const t = tokenize(text);
  if (!t.ok) return t;
  const steps = t.value;
  const module: ModuleStep[] = [];
  let k = 0;
  const at = (n: number) => steps[n];
  const fail = (error: string, n: number): AddrResult<TargetAddr> => ({ ok: false, error, column: at(n)?.col ?? text.length + 1 });
  while (k < steps.length) {
    const s = at(k)!;
    if (s.kind !== "name") return fail("Expected a resource type, \"data\" or \"module\", not an instance key.", k);
    if (s.name !== "module") break;
    const name = at(k + 1);
    if (!name || name.kind !== "name") return fail('Expected a module name after "module.".', k + 1);
    const step: ModuleStep = { name: name.name };
    k += 2;
    const key = at(k);
    if (key && key.kind === "key") {
      step.key = key.key;
      k++;
    }
    module.push(step);
  }
  if (k >= steps.length) {
    if (module.length === 0) return fail("Expected a resource or module address.", k);
    return { ok: true, value: { kind: "module", module } };
  }
  let mode: ResourceAddr["mode"] = "managed";
  const first = at(k)!;
  if (first.kind === "name" && first.name === "data") {
    mode = "data";
    k++;
  }
  const type = at(k);
  if (!type || type.kind !== "name") return fail(mode === "data" ? 'Expected a data source type after "data.".' : "Expected a resource type.", k);
  const name = at(k + 1);
  if (!name || name.kind !== "name") {
    return fail(`Expected a resource name after "${type.name}." (a resource address is TYPE.NAME, e.g. zstack_cdp_task.web).`, k + 1);
  }
  k += 2;
  const resource: ResourceAddr = { mode, type: type.name, name: name.name };
  const key = at(k);
  if (!key) return { ok: true, value: { kind: "resource", module, resource } };
  if (key.kind !== "key") return fail(`Unexpected "${key.name}" after the resource address: a resource address ends with its name or an instance key.`, k);
  if (k + 1 < steps.length) return fail("Unexpected text after the instance key: a resource instance address ends there.", k + 1);
  return { ok: true, value: { kind: "instance", module, resource, key: key.key } };
}

/** Parses a resource instance address (the key is optional: `x.y` means the single instance). */
export function parseResourceInstance(text: string): AddrResult<ResourceInstanceAddr> {
  const t = parseTarget(text);
  if (!t.ok) return t;
  const v = t.value;
  switch (v.kind) {
    case "module":
      return { ok: false, error: "Expected a resource instance address, but this names a module.", column: 1 };
    case "resource":
      return { ok: true, value: { module: v.module, resource: v.resource } };
    case "instance":
      return { ok: true, value: { module: v.module, resource: v.resource, key: v.key } };
  }
}
