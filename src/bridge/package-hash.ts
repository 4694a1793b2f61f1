import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";

/** One file of a provider package: its path inside the package (`/`-separated) and its bytes. */
export interface PackageFile {
  name: string;
  content: string | Uint8Array;
}

/**
 * Terraform's `h1:` package hash (Go's dirhash "Hash1", which Terraform computes over an unpacked package
 * directory): the SHA-256 of the lines `<hex sha256 of file>  <name>\n` for the files sorted by name (byte
 * order), base64 with padding, prefixed `h1:`. Pure.
 */
export function packageHashV1(files: readonly PackageFile[]): string {
  const names = files.map((f) => f.name);
  if (names.some((n) => n.includes("\n"))) throw new Error("packageHashV1: a file name contains a newline");
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const summary = createHash("sha256");
  for (const f of sorted) summary.update(`${createHash("sha256").update(f.content).digest("hex")}  ${f.name}\n`);
  return `h1:${summary.digest("base64")}`;
}

/** The files of an unpacked package directory, recursively (symbolic links followed, as Terraform does). */
export function readPackageDir(dir: string): PackageFile[] {
  const root = realpathSync(dir);
  const out: PackageFile[] = [];
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs)) {
      const p = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.push({ name: r, content: readFileSync(p) });
    }
  };
  walk(root, "");
  return out;
}
