/** One `backplan` subcommand. `run` returns the process exit code; it throws UsageError for bad arguments. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
