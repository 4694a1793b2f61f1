import type { EngineContext } from "../../context.js";
import { engineServices } from "../services.js";
import { Checkpoints } from "./checkpoints.js";
import { Identity, type IdentityDomain, type IdentityProject, type IdentityUser, type NewUser } from "./identity.js";
import { Policies } from "./policies.js";
import { Restores } from "./restores.js";
import { PolicyScheduler } from "./scheduler.js";

/** The CSBS / Keystone domain services of one engine instance. */
export interface CsbsServices {
  identity: Identity;
  policies: Policies;
  checkpoints: Checkpoints;
  restores: Restores;
  scheduler: PolicyScheduler;
}

const byContext = new WeakMap<EngineContext, CsbsServices>();

/**
 * The engine's CSBS services, built on first use and shared afterwards: collections cache their documents,
 * so there must be exactly one instance per engine. The first call also brings checkpoints left mid-flight by
 * a previous process to rest (when this node started alone), starts the policy scheduler, and registers their
 * shutdown with `ctx.onClose`.
 */
export function csbsServices(ctx: EngineContext): CsbsServices {
  let s = byContext.get(ctx);
  if (s) return s;
  const identity = new Identity(ctx.store, ctx.clock);
  const policies = new Policies(ctx.store, ctx.inventory, ctx.clock);
  const checkpoints = new Checkpoints(ctx.store, policies, ctx.inventory, ctx.backupStore, ctx.clock, ctx.cluster);
  // A checkpoint a dead node was taking is failed by another node, as its API jobs are.
  engineServices(ctx).jobFailover.watch(checkpoints);
  // With other nodes live, a checkpoint or restore in progress may be theirs: only a node starting alone recovers.
  if (ctx.recoverInterrupted) checkpoints.recover();
  else checkpoints.recoverOwn();
  const restores = new Restores(ctx.store, checkpoints, ctx.inventory, ctx.backupStore, ctx.clock, ctx.cluster);
  engineServices(ctx).jobFailover.watch(restores);
  if (ctx.recoverInterrupted) restores.recover();
  else restores.recoverOwn();
  const scheduler = new PolicyScheduler(policies, checkpoints, ctx.clock, ctx.cluster, ctx.refreshMetadata);
  scheduler.start();
  // Closers run in reverse order: the scheduler stops before the checkpoints drain.
  ctx.onClose(() => checkpoints.close());
  ctx.onClose(() => restores.close());
  ctx.onClose(() => scheduler.stop());
  s = { identity, policies, checkpoints, restores, scheduler };
  byContext.set(ctx, s);
  return s;
}

/**
 * Creates (idempotently) a CSBS user with a password, member of `project` in `domain` (default `Default`).
 * For tests and demos: `createCsbsUser(engine.context, { name: "alice", password: "pw", project: "p1" })`.
 */
export function createCsbsUser(
  ctx: EngineContext,
  spec: NewUser,
): { domain: IdentityDomain; project: IdentityProject; user: IdentityUser } {
  return csbsServices(ctx).identity.ensureUser(spec);
}

/** The demo account `demo` / `password` in project `demo` of domain `Default`. */
export const DEMO_USER: NewUser = { name: "demo", password: "password", project: "demo", domain: "Default" };
