import type { SdkObject } from "./value.js";

/**
 * Thrown by a resource's `create` when the remote object exists but the create did not finish (a backup still
 * running at the create timeout, a failure after the server assigned the id). `partial` is the object as far
 * as it is known — at least its id — and is recorded as tainted, as Terraform records a partial create, so a
 * billed object is never left outside the state: the next plan reads it back and replaces or keeps it.
 */
export class PartialCreateError extends Error {
  constructor(
    message: string,
    readonly partial: SdkObject,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PartialCreateError";
  }
}
