import type { Command } from "../command.js";
import { planAndApply } from "./apply.js";

/**
 * `backplan refresh`: Terraform's deprecated alias of `apply -refresh-only -auto-approve`. Updates the state to
 * match the remote objects (and the outputs to match the configuration) without changing any infrastructure.
 */
export const refreshCommand: Command = {
  name: "refresh",
  summary: "Update the state to match remote objects (apply -refresh-only -auto-approve)",
  usage: "backplan refresh [DIR] [-target=ADDR] [-var NAME=VALUE] [-var-file=FILE] [-state=PATH] [-lock-timeout=DURATION] [-no-color]",
  run: (argv) => planAndApply(["-refresh-only", "-auto-approve", ...argv], false),
};
