import { randomBytes } from "node:crypto";

/** What a node name may be: it appears in error messages, job records and URLs-free log lines. */
const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A bad `--node-name` or `--advertise-url`; `setting` names the flag. */
export class NodeIdentityError extends Error {
  override readonly name = "NodeIdentityError";
  constructor(
    readonly setting: "node-name" | "advertise-url",
    message: string,
  ) {
    super(message);
  }
}

/** `--node-name` checked, or a fresh random id (`node-` and 12 hex digits) when none was given. */
export function nodeIdOf(name: string | undefined): string {
  if (name === undefined) return `node-${randomBytes(6).toString("hex")}`;
  if (!NODE_NAME.test(name)) {
    throw new NodeIdentityError("node-name", `--node-name must be 1–63 letters, digits, '.', '_' or '-' starting with a letter or digit, got "${name}"`);
  }
  return name;
}

/** `--advertise-url` checked: an http(s) base URL without query or fragment; returned without a trailing slash. */
export function advertiseUrlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new NodeIdentityError("advertise-url", `--advertise-url must be an http:// or https:// URL, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new NodeIdentityError("advertise-url", `--advertise-url must be an http:// or https:// URL, got "${text}"`);
  if (url.search || url.hash || url.username || url.password) {
    throw new NodeIdentityError("advertise-url", `--advertise-url must be a base URL without credentials, query or fragment, got "${text}"`);
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * The URL other nodes reach this one at when no `--advertise-url` was given: the listen URL, unless the node
 * listens on every address (0.0.0.0, ::), which names no host another node could use.
 */
export function defaultAdvertiseUrl(listenUrl: string): string {
  const host = new URL(listenUrl).hostname;
  if (host === "0.0.0.0" || host === "[::]" || host === "::") {
    throw new NodeIdentityError("advertise-url", `this node listens on every address (${listenUrl}): give --advertise-url with the address other nodes reach it at`);
  }
  return listenUrl.replace(/\/+$/, "");
}
