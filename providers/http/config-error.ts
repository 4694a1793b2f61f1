/**
 * A provider block is unusable: names the attribute (and the environment variable that could have set it) so
 * the CLI can point at the line. Thrown by `configure`.
 */
export class ProviderConfigError extends Error {
  constructor(
    readonly provider: string,
    readonly attribute: string,
    detail: string,
  ) {
    super(`provider "${provider}": ${attribute}: ${detail}`);
    this.name = "ProviderConfigError";
  }
}
