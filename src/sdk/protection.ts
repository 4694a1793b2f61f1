import type { OpContext } from "./define.js";

/**
 * What one remote object does for the VMs it protects, read from its attributes alone. The plan engine and the
 * protection model know no resource types: every provider resource that protects VMs says so through
 * `ResourceDefinition.protection`, and everything backplan reports about protection is computed from these facts.
 */
export type ProtectionFact = CoverageFact | TermsFact;

/** The object protects one VM. */
export interface CoverageFact {
  kind: "covers";
  /** The VM's id (ZStack VM uuid, CSBS server id). */
  vm: string;
  /** The VM's name when the object records it (CSBS policies do), else null. */
  vmName: string | null;
  /** How: continuous journaling (CDP), a schedule of backups, or a single backup taken once. */
  method: "continuous" | "scheduled" | "one-off";
  /** Worst-case data loss in seconds; null when the object alone does not say (see `termsOf`) or for a one-off backup. */
  rpoSeconds: number | null;
  /** Days recovery points or backups are kept; null when unknown here (see `termsOf`); Infinity when kept forever. */
  retentionDays: number | null;
  /** Where the protected data is written (backup storage uuid, provider id), or null. */
  storage: string | null;
  /** False when the object exists but does not run (a disabled CDP task or schedule). */
  enabled: boolean;
  /** Id of another object (a policy) whose `terms` fill `rpoSeconds`/`retentionDays` when these are null. */
  termsOf?: string;
}

/** The object is a policy: it protects nothing itself, but lends its terms to objects that name it. */
export interface TermsFact {
  kind: "terms";
  /** The policy's id, as `CoverageFact.termsOf` names it. */
  id: string;
  rpoSeconds: number | null;
  retentionDays: number | null;
}

/** Recovery data an object holds: what deleting it removes. */
export interface RecoveryData {
  /** The VM the data belongs to, when known. */
  vm: string | null;
  kind: "recovery-point" | "backup" | "checkpoint";
  count: number;
  /** Bytes stored, when the API reports sizes. */
  bytes: number | null;
  /** RFC 3339 times of the oldest and newest item, when the API reports them. */
  oldest: string | null;
  newest: string | null;
}

/** A VM as a protection survey sees it: enough to select it by name, tag or uuid. */
export interface SurveyedVm {
  uuid: string;
  name: string | null;
  tags: string[];
}

/**
 * The one protection hook of a resource type. `facts` is pure and required; the others read the remote API and
 * are optional.
 */
export interface ResourceProtection<C, A> {
  /** Pure: what an object with these attributes protects. Attributes not yet known arrive as null. */
  facts(attrs: A): ProtectionFact[];
  /**
   * The recovery data held by each object, in input order: what deleting it removes. Called during plan only
   * for objects being deleted or replaced, and by drift for every object. One listing should serve many
   * objects: an implementation batches (one query for many objects) wherever the API allows it.
   */
  recoveryData?(ctx: OpContext<C>, states: readonly A[]): Promise<RecoveryData[][]>;
  /**
   * Every object of the type the credentials can see, with full attributes, and every VM the API lists (so that
   * unprotected VMs are found too). Drift uses it for objects no state manages.
   */
  survey?(ctx: OpContext<C>): Promise<{ objects: A[]; vms: SurveyedVm[] }>;
}
