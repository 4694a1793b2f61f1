import { createHttpBackend } from "../state/backends/http.js";
import { createPgBackend } from "../state/backends/pg.js";
import { readS3States } from "../state/backends/s3-glob.js";
import { DEFAULT_WORKSPACE } from "../state/backends/backend.js";

/**
 * States named by URL, for `backplan drift` jobs that check every stack of a team from one place (as driftctl's
 * `tfstate+s3://`): `s3://BUCKET/PATTERN` (`**` and `*` globs; `?endpoint=`, `region=`, `use_path_style=`),
 * `pg://USER:PASS@HOST:PORT/DB?name=WORKSPACE&schema=SCHEMA` (Terraform's pg backend table; other parameters such
 * as `sslmode` go to the connection), and
 * `http(s)://…` (Terraform's http backend protocol; credentials from `TF_HTTP_USERNAME`/`TF_HTTP_PASSWORD`).
 * Reading only: no lock is taken, as `terraform show` of a remote state takes none.
 */

/** Whether a drift argument is a state URL rather than a directory or a state file. */
export function isStateUrl(input: string): boolean {
  return /^(s3|pg|postgres|postgresql|https?):\/\//i.test(input);
}

/** One state read from a URL: where it is (for the report, never with a password) and its bytes (none: no state yet). */
export interface UrlState {
  where: string;
  data: Uint8Array | undefined;
}

/** Reads every state a URL names; an s3 pattern may name many. Throws with the URL's fault in the message. */
export async function readStateUrl(input: string, env: NodeJS.ProcessEnv): Promise<UrlState[]> {
  const scheme = input.slice(0, input.indexOf(":")).toLowerCase();
  if (scheme === "s3") {
    const found = await readS3States(input, env);
    const bucket = input.slice("s3://".length).split("/")[0]!;
    return found.map((f) => ({ where: `s3://${bucket}/${f.key}`, data: f.data }));
  }
  if (scheme === "http" || scheme === "https") {
    const backend = createHttpBackend({ address: input }, env);
    try {
      return [{ where: withoutPassword(input), data: await backend.state(DEFAULT_WORKSPACE).read() }];
    } finally {
      await backend.close();
    }
  }
  // `name` and `schema` are backplan's; other parameters (sslmode=...) belong to the connection string.
  const url = new URL(input.replace(/^[a-z]+:/i, "postgres:"));
  const name = url.searchParams.get("name") ?? DEFAULT_WORKSPACE;
  const schema = url.searchParams.get("schema");
  url.searchParams.delete("name");
  url.searchParams.delete("schema");
  // Reading only: nothing is created in a database that has no state table.
  const readOnly = { skip_schema_creation: true, skip_table_creation: true, skip_index_creation: true };
  const backend = createPgBackend({ conn_str: url.toString(), ...(schema ? { schema_name: schema } : {}), ...readOnly }, env);
  try {
    return [{ where: withoutPassword(input), data: await backend.state(name).read() }];
  } finally {
    await backend.close();
  }
}

function withoutPassword(input: string): string {
  try {
    const u = new URL(input);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return input;
  }
}
