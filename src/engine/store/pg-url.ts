import { MetadataError } from "./metadata-store.js";

/**
 * Checks a `--metadata` URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...]` (also
 * `postgresql://`), the libpq URL form the `pg` driver reads. Returns it unchanged; throws a MetadataError
 * naming the option and the problem, with the password masked.
 */
export function checkMetadataUrl(text: string, option = "--metadata"): string {
  const bad = (why: string) => new MetadataError(`${option} ${redactMetadataUrl(text)}: ${why} (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad("is not a URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw bad(`the scheme must be postgres:// or postgresql://, not ${url.protocol}//`);
  if (url.hostname === "") throw bad("names no host");
  const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
  if (database === "" || database.includes("/")) throw bad("must name one database as its path (/DATABASE)");
  return text;
}

/** The URL with its password (in the user part or a `password=` setting) replaced by `***`: fit to print. */
export function redactMetadataUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not a URL: mask whatever follows `user:` up to `@`, and any password= setting.
    return text.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@").replace(/(password=)[^&]*/gi, "$1***");
  }
  if (url.password !== "") url.password = "***";
  for (const key of [...url.searchParams.keys()]) if (key.toLowerCase() === "password") url.searchParams.set(key, "***");
  return url.toString();
}
