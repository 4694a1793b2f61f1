import type { Clock } from "../clock.js";
import { newOpenStackId } from "../ids.js";
import type { Inventory } from "../inventory.js";
import type { MetadataStore } from "../../store/metadata-store.js";
import type { Collection } from "../../store/collection.js";
import { CsbsError, invalidParameter } from "./errors.js";
import { parseTriggerPattern } from "./trigger-pattern.js";
import { vmUuidOf } from "./vm-ref.js";

/** The one protection provider CSBS exposes ("specifies that the backup object is a server"). */
export const CSBS_PROVIDER_ID = "fc4d5750-22e7-4798-8a46-f48f62c4c1da";
export const SERVER_TYPE = "OS::Nova::Server";

export type PolicyStatus = "suspended" | "started";

export interface PolicyResource {
  /** The id as the client sent it (engine uuid or its dashed form); echoed back unchanged. */
  id: string;
  type: typeof SERVER_TYPE;
  name: string;
  extraInfo: Record<string, unknown> | null;
  /** The engine VM the id resolves to. */
  vmUuid: string;
}

export interface OperationDefinition {
  maxBackups?: number;
  retentionDurationDays?: number;
  permanent?: boolean;
  dayBackups?: number;
  weekBackups?: number;
  monthBackups?: number;
  yearBackups?: number;
  timezone?: string;
}

export interface ScheduledOperation {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  operationType: "backup";
  definition: OperationDefinition;
  trigger: { id: string; name: string; type: "time"; pattern: string; startTime: number };
}

/** A backup policy — Karbor calls it a plan; both APIs serve the same objects. */
export interface Policy {
  uuid: string;
  projectId: string;
  name: string;
  description: string;
  providerId: string;
  status: PolicyStatus;
  parameters: Record<string, unknown>;
  resources: PolicyResource[];
  scheduledOperations: ScheduledOperation[];
  tags: { key: string; value: string }[];
  createdAt: number;
  updatedAt: number;
}

export interface ResourceInput {
  id: string;
  type: string;
  name: string;
  extraInfo?: Record<string, unknown> | null;
}

export interface OperationInput {
  id?: string;
  name?: string;
  description?: string | null;
  enabled?: boolean;
  operationType?: "backup";
  definition?: OperationDefinition;
  pattern?: string;
}

export interface NewPolicy {
  name: string;
  description?: string | null;
  providerId: string;
  parameters?: Record<string, unknown>;
  resources: ResourceInput[];
  scheduledOperations: OperationInput[];
  tags?: { key: string; value: string }[];
}

export interface PolicyUpdate {
  name?: string;
  description?: string | null;
  parameters?: Record<string, unknown>;
  resources?: ResourceInput[];
  scheduledOperations?: OperationInput[];
  status?: PolicyStatus;
}

/** Wire names of the request's root object, so errors name the field the client sent. */
export type Root = "policy" | "plan";

/** Asks whether a policy has a checkpoint in progress (deleting a policy mid-backup is refused). */
export type ExecutingProbe = (policyId: string) => boolean;

/** Backup policies of every project, validated against the inventory's VMs. */
export class Policies {
  readonly all: Collection<Policy>;
  executing: ExecutingProbe = () => false;

  constructor(
    store: MetadataStore,
    private readonly inventory: Inventory,
    private readonly clock: Clock,
  ) {
    this.all = store.collection("csbs-policy");
  }

  /** Creates a policy in `suspended` status. Throws `invalid_argument`-kind CsbsErrors naming the field. */
  create(projectId: string, input: NewPolicy, root: Root): Policy {
    checkProvider(input.providerId, `${root}.provider_id`);
    this.checkUniqueName(projectId, input.name, undefined, root);
    const uuid = newOpenStackId();
    const now = this.clock.now();
    const operations = input.scheduledOperations.map((op, i) => this.newOperation(op, `${root}.scheduled_operations[${i}]`, now));
    return this.all.put({
      uuid,
      projectId,
      name: input.name,
      description: input.description ?? "",
      providerId: input.providerId,
      status: "suspended",
      parameters: input.parameters ?? {},
      resources: this.resolveResources(input.resources, `${root}.resources`),
      scheduledOperations: operations,
      tags: input.tags ?? [],
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The policy, if it exists in the project (another project's policy reads as missing). */
  get(projectId: string, policyId: string): Policy {
    const p = this.all.get(policyId);
    if (!p || p.projectId !== projectId) throw new CsbsError("plan_not_found", `plan not found: backup policy ${policyId} does not exist`);
    return p;
  }

  list(projectId: string): Policy[] {
    return this.all.all().filter((p) => p.projectId === projectId);
  }

  /**
   * Applies an update. Scheduled operations with an `id` are merged into the existing operation of that id;
   * ones without are added. With `karborRules`, only a suspended plan may change anything but its status.
   */
  update(projectId: string, policyId: string, change: PolicyUpdate, root: Root, karborRules = false): Policy {
    const p = this.get(projectId, policyId);
    if (karborRules && p.status !== "suspended") {
      const keys = Object.keys(change).filter((k) => k !== "status");
      if (keys.length > 0) throw new CsbsError("plan_not_suspended", "The plan can be only updated in suspended status.", `${root}.${keys[0]}`);
    }
    if (change.name !== undefined) this.checkUniqueName(projectId, change.name, p.uuid, root);
    const now = this.clock.now();
    let operations = p.scheduledOperations;
    if (change.scheduledOperations) {
      operations = [...operations];
      change.scheduledOperations.forEach((op, i) => {
        const field = `${root}.scheduled_operations[${i}]`;
        if (op.id === undefined) {
          operations.push(this.newOperation(op, field, now));
          return;
        }
        const at = operations.findIndex((o) => o.id === op.id);
        if (at < 0) throw invalidParameter(`${field}.id`, `scheduled operation ${op.id} is not part of backup policy ${p.uuid}`);
        operations[at] = mergeOperation(operations[at]!, op, field);
      });
    }
    return this.all.put({
      ...p,
      name: change.name ?? p.name,
      description: change.description === undefined ? p.description : (change.description ?? ""),
      parameters: change.parameters ?? p.parameters,
      resources: change.resources ? this.resolveResources(change.resources, `${root}.resources`) : p.resources,
      scheduledOperations: operations,
      status: change.status ?? p.status,
      updatedAt: now,
    });
  }

  delete(projectId: string, policyId: string): void {
    const p = this.get(projectId, policyId);
    if (this.executing(p.uuid)) throw new CsbsError("policy_executing", "The policy is executing backup.");
    this.all.delete(p.uuid);
  }

  /** Resolves resource ids to engine VMs; an unknown VM is `server_not_found` naming the resource. */
  resolveResources(inputs: ResourceInput[], field: string): PolicyResource[] {
    const seen = new Set<string>();
    return inputs.map((r, i) => {
      if (r.type !== SERVER_TYPE) {
        throw new CsbsError("resource_type_unsupported", `Resource (${r.id}) type (${r.type}) is not support protection; only ${SERVER_TYPE} is`, `${field}[${i}].type`);
      }
      const vmUuid = vmUuidOf(r.id);
      const vm = vmUuid === undefined ? undefined : this.inventory.vms.get(vmUuid);
      if (!vm || vmUuid === undefined) {
        throw new CsbsError("server_not_found", `server do not exist: resource ${r.id} (${r.name}) is not a server of this engine`, `${field}[${i}].id`);
      }
      if (seen.has(vmUuid)) throw invalidParameter(`${field}[${i}].id`, `resource ${r.id} is listed twice`);
      seen.add(vmUuid);
      return { id: r.id, type: SERVER_TYPE, name: r.name, extraInfo: r.extraInfo ?? null, vmUuid };
    });
  }

  private newOperation(op: OperationInput, field: string, now: number): ScheduledOperation {
    if (op.pattern === undefined) throw invalidParameter(`${field}.trigger.properties.pattern`, "a scheduled operation needs a trigger pattern");
    if (op.definition === undefined) throw invalidParameter(`${field}.operation_definition`, "a scheduled operation needs an operation_definition");
    checkPattern(op.pattern, `${field}.trigger.properties.pattern`);
    const id = newOpenStackId();
    return {
      id,
      name: op.name ?? `backup-${id.slice(0, 8)}`,
      description: op.description ?? "",
      enabled: op.enabled ?? true,
      operationType: "backup",
      definition: op.definition,
      trigger: { id: newOpenStackId(), name: "default", type: "time", pattern: op.pattern, startTime: now },
    };
  }

  private checkUniqueName(projectId: string, name: string, except: string | undefined, root: Root): void {
    if (this.list(projectId).some((p) => p.name === name && p.uuid !== except)) {
      throw new CsbsError("duplicate_name", `duplicate service name: a backup policy named "${name}" already exists`, `${root}.name`);
    }
  }
}

/** Throws `provider_invalid` unless `providerId` is the CSBS provider. */
export function checkProvider(providerId: string, field: string): void {
  if (providerId !== CSBS_PROVIDER_ID) {
    throw new CsbsError("provider_invalid", `provider invalid: ${providerId} is not a protection provider (use ${CSBS_PROVIDER_ID})`, field);
  }
}

function checkPattern(pattern: string, field: string): void {
  const r = parseTriggerPattern(pattern);
  if (!r.ok) throw invalidParameter(field, `invalid trigger pattern: ${r.reason}`);
}

function mergeOperation(old: ScheduledOperation, op: OperationInput, field: string): ScheduledOperation {
  if (op.pattern !== undefined) checkPattern(op.pattern, `${field}.trigger.properties.pattern`);
  return {
    ...old,
    name: op.name ?? old.name,
    description: op.description === undefined ? old.description : (op.description ?? ""),
    enabled: op.enabled ?? old.enabled,
    definition: op.definition ? { ...old.definition, ...op.definition } : old.definition,
    trigger: op.pattern === undefined ? old.trigger : { ...old.trigger, pattern: op.pattern },
  };
}
