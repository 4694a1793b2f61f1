/**
 * The working directory's data directory, as Terraform 1.11 chooses it: `TF_DATA_DIR` when set and not empty,
 * else `.terraform`. Everything `init` records lives there — `modules/` with `modules.json`, the backend record
 * `terraform.tfstate`, the workspace selection `environment` — except the dependency lock file
 * `.terraform.lock.hcl`, which stays in the configuration directory. Every backplan read or write of those
 * files goes through this module so that backplan and Terraform share one directory under the same environment.
 */
import { posix, resolve } from "node:path";

/** Terraform's default data directory name. */
export const DEFAULT_DATA_DIR = ".terraform";

/**
 * The data directory as Terraform writes it into `modules.json` `Dir` records: `TF_DATA_DIR` as given, cleaned
 * like Go's `filepath.Join` (`./td/` → `td`), with forward slashes; absolute stays absolute.
 */
export function dataDirName(env: NodeJS.ProcessEnv = process.env): string {
  const d = env["TF_DATA_DIR"];
  return d ? posix.normalize(d.replaceAll("\\", "/")).replace(/(.)\/+$/, "$1") : DEFAULT_DATA_DIR;
}

/**
 * The data directory of the configuration in `dir`, absolute. A relative `TF_DATA_DIR` is taken relative to
 * `dir` (Terraform takes it relative to its working directory, which is the configuration directory after
 * `-chdir`; backplan's DIR argument plays the role of `-chdir`).
 */
export function dataDir(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dir, dataDirName(env));
}
