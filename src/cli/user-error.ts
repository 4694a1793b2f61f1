import { LockError } from "../state/lock.js";

/**
 * The diagnostic text for an error a user can cause — wrong credentials or an unreachable endpoint (a provider's
 * ApiError, ConnectionError, OperationTimeoutError), a held state lock (LockError), a state or backend problem, a
 * damaged or foreign saved plan (PlanFileError) —
 * or undefined for anything else (an internal bug, which keeps its stack). Provider errors are recognised by
 * name: the CLI may not import providers (see DESIGN.md), and their messages already name the API and call.
 */
export function userErrorText(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  if (e instanceof LockError) return lockText(e);
  switch (e.name) {
    case "ApiError":
      return diagnostic(authHint(e) ?? "Remote API error", e.message);
    case "ConnectionError":
      return diagnostic("Cannot reach the API endpoint", `${e.message}\n\nCheck the provider's endpoint or auth_url and that the server is running.`);
    case "OperationTimeoutError":
      return diagnostic("Remote operation did not finish", e.message);
    case "PlanFileError":
      return diagnostic("Invalid plan file", e.message);
    case "StateError":
    case "AddressError":
    case "BackendConfigError":
      return diagnostic("Invalid state or backend", e.message);
    default:
      return undefined;
  }
}

/** Wrong passwords and AccessKey secrets are the commonest API errors: say so in the summary. */
function authHint(e: Error): string | undefined {
  const status = (e as { status?: unknown }).status;
  const code = String((e as { code?: unknown }).code ?? "");
  if (status === 401 || code === "ID.1000" || code === "ID.1001") return "Authentication failed: check the provider's credentials";
  return undefined;
}

function lockText(e: LockError): string {
  if (e.kind === "unsupported") return diagnostic("Error acquiring the state lock", e.message);
  if (e.kind !== "held") return diagnostic("State lock error", e.message);
  const h = e.holder;
  const info = h
    ? ["Lock Info:", `  ID:        ${h.ID}`, `  Path:      ${h.Path}`, `  Operation: ${h.Operation}`, `  Who:       ${h.Who}`, `  Version:   ${h.Version}`, `  Created:   ${h.Created}`, `  Info:      ${h.Info}`].join("\n")
    : "";
  return diagnostic(
    "Error acquiring the state lock",
    `${e.message}\n${info ? `\n${info}\n` : ""}\nAnother backplan or Terraform run may be using this state. Wait for it, pass -lock-timeout, or (if no run holds it) remove it with \`backplan force-unlock ${h?.ID ?? "LOCK_ID"}\`.`,
  );
}

function diagnostic(summary: string, detail: string): string {
  return `\nError: ${summary}\n\n${detail.split("\n").map((l) => (l ? `  ${l}` : l)).join("\n")}\n`;
}
