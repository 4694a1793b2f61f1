import { readFile } from "node:fs/promises";
import { parseTarget } from "../../addrs/parse.js";
import { formatTarget, type TargetAddr } from "../../addrs/resource.js";
import { AddressError, formatInstanceAddress, parseInstanceAddress } from "../../state/address.js";
import { StateError, type State } from "../../state/state.js";
import { decodeStateV4, encodeStateV4 } from "../../state/v4.js";
import { boolFlag, parseArgs, stringFlag, UsageError, type FlagSpec } from "../args.js";
import type { Command } from "../command.js";
import { fail, readStateOrFail, STATE_FLAGS, stateExists, stateTargetOf, withSession } from "../state-file.js";
import { defaultRegistry } from "../workspace.js";
import { planMove, stateInstances, targetMatches } from "./state-moves.js";
import { instancesOf, renderInstanceText, viewStateJson } from "./state-view.js";

const WRITE_FLAGS = {
  ...STATE_FLAGS,
  lock: { type: "boolean" },
  "lock-timeout": { type: "string" },
  "dry-run": { type: "boolean" },
} as const satisfies Record<string, FlagSpec>;

const NO_STATE =
  "State management commands require a state file. Run this command in a directory where backplan has been run\nor use the -state flag to point the command to a specific state location.";

function parseTargets(texts: readonly string[]): TargetAddr[] {
  return texts.map((text) => {
    const r = parseTarget(text);
    if (!r.ok) throw new UsageError(`invalid address "${text}": ${r.error}`);
    return r.value;
  });
}

async function stateList(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { ...STATE_FLAGS, id: { type: "string" } });
  const filters = parseTargets(args.positionals);
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  if (!(await stateExists(target))) return fail("No state file was found!", NO_STATE);
  const read = await readStateOrFail(target);
  if ("code" in read) return read.code;
  const id = stringFlag(args, "id");
  const instances = stateInstances(read.state);
  for (const f of filters) {
    if (!instances.some((i) => targetMatches(f, i.address))) {
      return fail("Unknown resource", `The current state contains no resource ${formatTarget(f)}. If you've just added this resource to the configuration, you must run "backplan apply" first to create the resource's entry in the state.`);
    }
  }
  for (const i of instances) {
    if (filters.length > 0 && !filters.some((f) => targetMatches(f, i.address))) continue;
    if (id !== undefined && i.current?.attributes["id"] !== id) continue;
    process.stdout.write(formatInstanceAddress(i.address) + "\n");
  }
  return 0;
}

async function stateShow(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { ...STATE_FLAGS, "show-sensitive": { type: "boolean" } });
  if (args.positionals.length !== 1) throw new UsageError("state show takes exactly one resource instance address");
  const text = args.positionals[0]!;
  try {
    parseInstanceAddress(text);
  } catch (e) {
    if (e instanceof AddressError) return fail("Invalid address", e.message);
    throw e;
  }
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  if (!(await stateExists(target))) return fail("No state file was found!", NO_STATE);
  const read = await readStateOrFail(target);
  if ("code" in read) return read.code;
  const wanted = formatInstanceAddress(parseInstanceAddress(text));
  const found = instancesOf(viewStateJson(read.state, defaultRegistry())).filter((iv) => iv.address === wanted && !iv.instance.deposed);
  if (found.length === 0) {
    return fail("No instance found for the given address!", 'This command requires that the address references one specific instance.\nTo view the available instances, use "backplan state list". Please modify\nthe address to reference a specific instance.');
  }
  const iv = found[0]!;
  if (boolFlag(args, "show-sensitive")) iv.instance.sensitive_attributes = [];
  process.stdout.write(renderInstanceText(iv));
  return 0;
}

async function stateRm(argv: string[]): Promise<number> {
  const args = parseArgs(argv, WRITE_FLAGS);
  if (args.positionals.length === 0) throw new UsageError("state rm needs at least one address");
  const targets = parseTargets(args.positionals);
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  if (!(await stateExists(target))) return fail("No state file was found!", NO_STATE);
  const dry = boolFlag(args, "dry-run");
  return withSession(args, target, "OperationTypeInvalid", async (session) => {
    const instances = stateInstances(session.snapshot());
    for (const t of targets) {
      if (!instances.some((i) => targetMatches(t, i.address))) {
        return fail("Invalid target address", `No matching objects found for ${formatTarget(t)}. To view the available instances, use "backplan state list". Please modify the address to reference a specific instance.`);
      }
    }
    const selected = instances.filter((i) => targets.some((t) => targetMatches(t, i.address)));
    const writes: Promise<void>[] = [];
    for (const i of selected) {
      const addr = formatInstanceAddress(i.address);
      process.stdout.write(`${dry ? "Would remove" : "Removed"} ${addr}\n`);
      if (dry) continue;
      if (i.current) writes.push(session.removeInstance(i.address));
      for (const dk of Object.keys(i.deposed)) writes.push(session.removeInstance(i.address, { deposed: dk }));
    }
    await Promise.all(writes);
    if (!dry) process.stdout.write(`Successfully removed ${selected.length} resource instance(s).\n`);
    return 0;
  });
}

async function stateMv(argv: string[]): Promise<number> {
  const args = parseArgs(argv, WRITE_FLAGS);
  if (args.positionals.length !== 2) throw new UsageError("state mv takes exactly two addresses: SOURCE DESTINATION");
  const [src, dst] = parseTargets(args.positionals) as [TargetAddr, TargetAddr];
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  if (!(await stateExists(target))) return fail("No state file was found!", NO_STATE);
  const dry = boolFlag(args, "dry-run");
  return withSession(args, target, "OperationTypeInvalid", async (session) => {
    const plan = planMove(session.snapshot(), src, dst);
    if (!plan.ok) return fail(plan.summary, plan.detail);
    process.stdout.write(`${dry ? "Would move" : "Move"} ${JSON.stringify(formatTarget(src))} to ${JSON.stringify(formatTarget(dst))}\n`);
    if (dry) return 0;
    // Removals first: a move within one resource (b[0] -> b[1]) must not see its own source as occupied.
    const writes: Promise<void>[] = [];
    for (const m of plan.moves) {
      if (m.from.current) writes.push(session.removeInstance(m.from.address));
      for (const dk of Object.keys(m.from.deposed)) writes.push(session.removeInstance(m.from.address, { deposed: dk }));
    }
    for (const m of plan.moves) {
      if (m.from.current) writes.push(session.setInstance(m.to, m.from.current, { provider: m.from.provider }));
      for (const [dk, obj] of Object.entries(m.from.deposed)) writes.push(session.setInstance(m.to, obj, { provider: m.from.provider, deposed: dk }));
    }
    await Promise.all(writes);
    process.stdout.write(`Successfully moved ${plan.moves.length} object(s).\n`);
    return 0;
  });
}

async function statePull(argv: string[]): Promise<number> {
  const args = parseArgs(argv, STATE_FLAGS);
  if (args.positionals.length > 0) throw new UsageError("state pull takes no arguments");
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  if (!(await stateExists(target))) return 0;
  const read = await readStateOrFail(target);
  if ("code" in read) return read.code;
  process.stdout.write(encodeStateV4(read.state));
  return 0;
}

async function readSource(file: string): Promise<string> {
  if (file !== "-") return readFile(file, "utf8");
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function statePush(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { ...WRITE_FLAGS, force: { type: "boolean" } });
  if (args.positionals.length !== 1) throw new UsageError("state push takes exactly one state file (or - for standard input)");
  const file = args.positionals[0]!;
  let pushed: State;
  try {
    pushed = decodeStateV4(await readSource(file), file === "-" ? "<stdin>" : file);
  } catch (e) {
    if (e instanceof StateError || (e as NodeJS.ErrnoException).code !== undefined) return fail(`Error reading source state "${file}"`, (e as Error).message);
    throw e;
  }
  const target = await stateTargetOf(args);
  if ("code" in target) return target.code;
  const force = boolFlag(args, "force");
  return withSession(args, target, "OperationTypeInvalid", async (session) => {
    const stamp = session.stamp();
    const existing = stamp.lineage !== "";
    if (existing && !force) {
      if (pushed.lineage !== stamp.lineage) {
        return fail("Failed to write state", `cannot import state with lineage ${JSON.stringify(pushed.lineage)} over unrelated state with lineage ${JSON.stringify(stamp.lineage)}`);
      }
      if (pushed.serial < stamp.serial) return fail("Failed to write state", `cannot import state with serial ${pushed.serial} over newer state with serial ${stamp.serial}`);
    }
    const pending = session.pending();
    if (pending.length > 0 && !force) {
      return fail("Failed to write state", `the state has ${pending.length} create(s) in flight from an interrupted run (${pending.map((p) => p.address).join(", ")}); run "backplan apply" to settle them, or push with -force to drop them`);
    }
    await Promise.all(pending.map((p) => session.clearPending(p.address)));
    // Same lineage: the pushed state supersedes every copy of the old one, so its serial moves past both.
    if (existing && pushed.lineage === stamp.lineage) pushed.serial = Math.max(pushed.serial, stamp.serial) + 1;
    // The storage keeps the replaced state as its backup (local backend) on this, its first write.
    await target.storage.write(Buffer.from(encodeStateV4(pushed), "utf8"));
    return 0;
  });
}

interface Subcommand {
  name: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const SUBCOMMANDS: readonly Subcommand[] = [
  { name: "list", usage: "backplan state list [-state=PATH] [-id=ID] [ADDRESS...]", run: stateList },
  { name: "show", usage: "backplan state show [-state=PATH] [-show-sensitive] ADDRESS", run: stateShow },
  { name: "rm", usage: "backplan state rm [-dry-run] [-state=PATH] [-lock=false] [-lock-timeout=DURATION] ADDRESS...", run: stateRm },
  { name: "mv", usage: "backplan state mv [-dry-run] [-state=PATH] [-lock=false] [-lock-timeout=DURATION] SOURCE DESTINATION", run: stateMv },
  { name: "pull", usage: "backplan state pull [-state=PATH]", run: statePull },
  { name: "push", usage: "backplan state push [-force] [-state=PATH] [-lock=false] [-lock-timeout=DURATION] FILE|-", run: statePush },
];

export const stateCommand: Command = {
  name: "state",
  summary: "Advanced state management: list, show, rm, mv, pull, push",
  usage: `backplan state <subcommand> [options] [args]\n${SUBCOMMANDS.map((s) => `  ${s.usage}`).join("\n")}`,
  async run(argv) {
    const [name, ...rest] = argv;
    const sub = SUBCOMMANDS.find((s) => s.name === name);
    if (!sub) throw new UsageError(name ? `unknown state subcommand "${name}"` : "missing subcommand");
    try {
      return await sub.run(rest);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`backplan state ${sub.name}: ${e.message}\nUsage: ${sub.usage}\n`);
      return 1;
    }
  },
};
