import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * Every file under `dir` (relative path → content; a symlink → "-> target"), skipping `.git` directories: the
 * comparable part of an installed module tree.
 */
export function fileTree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name === ".git") continue;
    const p = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = lstatSync(p);
    if (st.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
    else if (st.isDirectory()) Object.assign(out, fileTree(p, rel));
    else out[rel] = readFileSync(p, "utf8");
  }
  return out;
}
