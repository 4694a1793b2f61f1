/** Attribute paths and module addresses as reviewers read them. Pure string helpers. */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function isIdentifier(s: string): boolean {
  return IDENTIFIER.test(s);
}

/** `["disks", 0, "size"]` → `disks[0].size`; keys that are not identifiers are quoted: `tags["cost center"]`. */
export function formatAttributePath(path: readonly (string | number)[]): string {
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else if (out === "" && isIdentifier(step)) out = step;
    else if (isIdentifier(step)) out += `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/** An index key as it appears in an address: `[0]` or `["web"]`. */
export function formatIndexKey(key: number | string | undefined): string {
  if (key === undefined) return "";
  return typeof key === "number" ? `[${key}]` : `[${JSON.stringify(key)}]`;
}

/**
 * The module instances on the way to `moduleAddress`, outermost first, each as its full address:
 * `module.a["x.y"].module.b` → [`module.a["x.y"]`, `module.a["x.y"].module.b`]. Dots inside quoted keys do not
 * split. Returns [] for the root module ("" or undefined).
 */
export function moduleAncestry(moduleAddress: string | undefined): string[] {
  if (!moduleAddress) return [];
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < moduleAddress.length; i++) {
    const c = moduleAddress[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "." && depth === 0 && moduleAddress.startsWith(".module.", i)) out.push(moduleAddress.slice(0, i));
  }
  out.push(moduleAddress);
  return out;
}
