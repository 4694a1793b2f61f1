/**
 * Thrown by a data source's `read` (or a resource operation) when the fault lies in one argument of the
 * configuration: the plan engine reports `summary` and `detail` at that argument's place in the file (the
 * block header when it is not written), as Terraform's attribute diagnostics do. `attribute` is the argument's
 * name in the schema; null points at the block itself.
 */
export class AttributeError extends Error {
  constructor(
    readonly attribute: string | null,
    readonly summary: string,
    readonly detail: string,
  ) {
    super(`${summary}: ${detail}`);
    this.name = "AttributeError";
  }
}
