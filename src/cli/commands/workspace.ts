import { mkdir, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_WORKSPACE } from "../../state/backends/backend.js";
import { newLockInfo, lockStorage, readStateWithJournal } from "../../state/session.js";
import { State } from "../../state/state.js";
import { encodeStateV4 } from "../../state/v4.js";
import { boolFlag, parseArgs, stringFlag, UsageError, type FlagSpec, type ParsedArgs } from "../args.js";
import type { Command } from "../command.js";
import { dataDir } from "../../config/data-dir.js";
import { stateTarget, validWorkspaceName } from "../backend.js";
import { fail, lockOptions, stateTargetOf } from "../state-file.js";
import { VERSION } from "../version.js";
import type { Backend } from "../../state/backends/backend.js";

/**
 * `backplan workspace list|show|new|select|delete`: Terraform's workspaces over the configured backend. The
 * selection is `.terraform/environment` (overridden by `TF_WORKSPACE`), shared with Terraform.
 */

const FLAGS = {
  chdir: { type: "string" },
  "no-color": { type: "boolean" },
  input: { type: "boolean" },
  lock: { type: "boolean" },
  "lock-timeout": { type: "string" },
  force: { type: "boolean" },
  "or-create": { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

interface Ctx {
  args: ParsedArgs;
  dir: string;
  backend: Backend;
  current: string;
}

async function context(argv: string[]): Promise<Ctx | { code: number }> {
  const args = parseArgs(argv, FLAGS);
  const dir = resolve(stringFlag(args, "chdir") ?? ".");
  const t = await stateTargetOf(args, dir);
  if ("code" in t) return t;
  return { args, dir, backend: t.backend, current: t.workspace };
}

function overridden(): number | undefined {
  if (!process.env["TF_WORKSPACE"]) return undefined;
  return fail(
    "Workspace overridden",
    "The selected workspace is currently overridden using the TF_WORKSPACE\nenvironment variable.\n\nTo select a new workspace, either update this environment variable or unset\nit and then run this command again.",
  );
}

async function select(dir: string, name: string): Promise<void> {
  const d = dataDir(dir);
  await mkdir(d, { recursive: true });
  if (name === DEFAULT_WORKSPACE) await rm(join(d, "environment"), { force: true });
  else await writeFile(join(d, "environment"), name);
}

function nameArg(ctx: Ctx, verb: string): string {
  if (ctx.args.positionals.length !== 1) throw new UsageError(`workspace ${verb} takes exactly one workspace name`);
  return ctx.args.positionals[0]!;
}

function badName(name: string): number {
  return fail(`Invalid workspace name "${name}"`, "A workspace name must start with a letter, digit or underscore and contain only letters,\ndigits, underscores, dots and hyphens; it may not contain \"/\".");
}

/** Creates the workspace's state (an empty one) under its lock, so every tool lists it, as Terraform does. */
async function create(ctx: Ctx, name: string): Promise<void> {
  const t = stateTarget(ctx.backend, name, ctx.dir);
  const { lock, lockTimeoutMs } = lockOptions(ctx.args);
  const held = lock ? await lockStorage(t.storage, newLockInfo({ operation: "OperationTypeInvalid", version: VERSION }, t.where), lockTimeoutMs) : undefined;
  try {
    if ((await t.storage.read()) === undefined) await t.storage.write(Buffer.from(encodeStateV4(new State({ serial: 1 })), "utf8"));
  } finally {
    if (held) await t.storage.unlock(held.id);
  }
}

const SUBCOMMANDS: Record<string, { usage: string; run(ctx: Ctx): Promise<number> }> = {
  list: {
    usage: "backplan workspace list",
    async run(ctx) {
      const names = await ctx.backend.workspaces();
      if (!names.includes(ctx.current)) names.push(ctx.current);
      process.stdout.write(names.map((n) => `${n === ctx.current ? "*" : " "} ${n}\n`).join("") + "\n");
      return 0;
    },
  },
  show: {
    usage: "backplan workspace show",
    async run(ctx) {
      process.stdout.write(ctx.current + "\n");
      return 0;
    },
  },
  new: {
    usage: "backplan workspace new [-lock=false] [-lock-timeout=DURATION] NAME",
    async run(ctx) {
      const name = nameArg(ctx, "new");
      const o = overridden();
      if (o !== undefined) return o;
      if (!validWorkspaceName(name)) return badName(name);
      if ((await ctx.backend.workspaces()).includes(name)) return fail(`Workspace "${name}" already exists`);
      await create(ctx, name);
      await select(ctx.dir, name);
      process.stdout.write(
        `Created and switched to workspace "${name}"!\n\nYou're now on a new, empty workspace. Workspaces isolate their state,\nso if you run "backplan plan" backplan will not see any existing state\nfor this configuration.\n`,
      );
      return 0;
    },
  },
  select: {
    usage: "backplan workspace select [-or-create] NAME",
    async run(ctx) {
      const name = nameArg(ctx, "select");
      const o = overridden();
      if (o !== undefined) return o;
      if (!validWorkspaceName(name)) return badName(name);
      if (name === ctx.current) {
        process.stdout.write(`Switched to workspace "${name}".\n`);
        return 0;
      }
      if (!(await ctx.backend.workspaces()).includes(name)) {
        if (!boolFlag(ctx.args, "or-create")) {
          return fail(`Workspace "${name}" doesn't exist.`, 'You can create this workspace with the "new" subcommand\nor include the "-or-create" flag with the "select" subcommand.');
        }
        await create(ctx, name);
      }
      await select(ctx.dir, name);
      process.stdout.write(`Switched to workspace "${name}".\n`);
      return 0;
    },
  },
  delete: {
    usage: "backplan workspace delete [-force] [-lock=false] [-lock-timeout=DURATION] NAME",
    async run(ctx) {
      const name = nameArg(ctx, "delete");
      if (name === DEFAULT_WORKSPACE) return fail('Cannot delete the "default" workspace', 'The "default" workspace always exists.');
      if (!(await ctx.backend.workspaces()).includes(name)) return fail(`Workspace "${name}" doesn't exist.`);
      if (name === ctx.current) {
        return fail(`Workspace "${name}" is your active workspace.`, "You cannot delete the currently active workspace. Please switch\nto another workspace and try again.");
      }
      const t = stateTarget(ctx.backend, name, ctx.dir);
      const { lock, lockTimeoutMs } = lockOptions(ctx.args);
      const held = lock ? await lockStorage(t.storage, newLockInfo({ operation: "OperationTypeInvalid", version: VERSION }, t.where), lockTimeoutMs) : undefined;
      try {
        const { state } = await readStateWithJournal(t.storage, t.journalPath, t.where);
        const tracked = state.instanceAddresses();
        if (tracked.length > 0 && !boolFlag(ctx.args, "force")) {
          return fail(
            `Workspace is not empty`,
            `Workspace "${name}" is currently tracking the following resource instances:\n  - ${tracked.join("\n  - ")}\n\nDeleting this workspace would cause backplan to lose track of any associated remote objects,\nwhich would then require you to delete them manually outside of backplan.\nYou should destroy these objects with backplan before deleting the workspace.\n\nIf you want to delete this workspace anyway, and have backplan forget about these\nmanaged objects, use the -force option to disable this safety check.`,
          );
        }
      } finally {
        if (held) await t.storage.unlock(held.id);
      }
      await ctx.backend.deleteWorkspace(name);
      await rm(t.journalPath, { force: true });
      process.stdout.write(`Deleted workspace "${name}"!\n`);
      return 0;
    },
  },
};

export const workspaceCommand: Command = {
  name: "workspace",
  summary: "Workspace management: list, show, new, select, delete",
  usage: `backplan workspace <subcommand> [options] [NAME]\n${Object.values(SUBCOMMANDS)
    .map((s) => `  ${s.usage}`)
    .join("\n")}`,
  async run(argv) {
    const [name, ...rest] = argv;
    const sub = name ? SUBCOMMANDS[name] : undefined;
    if (!sub) throw new UsageError(name ? `unknown workspace subcommand "${name}"` : "missing subcommand");
    const ctx = await context(rest);
    if ("code" in ctx) return ctx.code;
    return sub.run(ctx);
  },
};

export { select as selectWorkspace };
