import type { z } from "zod";
import type { CsbsServices } from "../../domain/csbs/services.js";
import type { OperationDefinition, OperationInput, Policy, ResourceInput } from "../../domain/csbs/policies.js";
import type { AddV1 } from "./handler.js";
import { intParam, nextLink, pageOf, queryParams, sortBy, sortParam } from "./query.js";
import { createPolicyBody, operationDefinitionSchema, resourceSchema, updatePolicyBody } from "./schemas.js";
import { readBody } from "./validate.js";
import { policyView } from "./views.js";

/** CSBS backup policies: `/v1/{project_id}/policies[/{policy_id}]`. */
export function registerPolicyRoutes(add: AddV1, s: CsbsServices): void {
  add("POST", "/policies", "csbs", async (req, auth) => {
    const { policy } = await readBody(req, createPolicyBody);
    const p = s.policies.create(
      auth.project!.uuid,
      {
        name: policy.name,
        description: policy.description,
        providerId: policy.provider_id,
        parameters: policy.parameters,
        resources: policy.resources.map(toResource),
        scheduledOperations: policy.scheduled_operations.map(toOperation),
        tags: policy.tags,
      },
      "policy",
    );
    return { status: 200, json: { policy: policyView(p) } };
  });

  add("GET", "/policies", "csbs", (req, auth) => {
    const q = queryParams(req.query, ["limit", "marker", "offset", "sort", "name", "status"]);
    const limit = intParam(q, "limit", 1000, 1, 1000);
    const offset = intParam(q, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const sort = sortParam(q.get("sort"), ["created_at", "name", "id", "status"] as const);
    const matching = s.policies.list(auth.project!.uuid).filter((p) => (!q.has("name") || p.name === q.get("name")) && (!q.has("status") || p.status === q.get("status")));
    const value = (p: Policy, key: (typeof sort)[number]["key"]) => (key === "created_at" ? p.createdAt : key === "id" ? p.uuid : p[key]);
    const sorted = sortBy(matching, sort.length > 0 ? sort : [{ key: "created_at", dir: "asc" }], value, (p) => p.uuid);
    const { page, more } = pageOf(sorted, (p) => p.uuid, { marker: q.get("marker"), offset, limit, what: "a backup policy" });
    const links = more && page.length > 0 ? [nextLink(req.origin, req.path, req.query, page.at(-1)!.uuid)] : [];
    return { status: 200, json: { policies: page.map(policyView), policies_links: links } };
  });

  add("GET", "/policies/:policy_id", "csbs", (req, auth) => {
    return { status: 200, json: { policy: policyView(s.policies.get(auth.project!.uuid, req.params.policy_id!)) } };
  });

  add("PUT", "/policies/:policy_id", "csbs", async (req, auth) => {
    const { policy } = await readBody(req, updatePolicyBody);
    const p = s.policies.update(
      auth.project!.uuid,
      req.params.policy_id!,
      {
        name: policy.name,
        description: policy.description,
        parameters: policy.parameters,
        resources: policy.resources?.map(toResource),
        scheduledOperations: policy.scheduled_operations?.map(toOperation),
        status: policy.status,
      },
      "policy",
    );
    return { status: 200, json: { policy: policyView(p) } };
  });

  add("DELETE", "/policies/:policy_id", "csbs", (req, auth) => {
    s.policies.delete(auth.project!.uuid, req.params.policy_id!);
    return { status: 200, json: {} };
  });
}

export function toResource(r: z.output<typeof resourceSchema>): ResourceInput {
  return { id: r.id, type: r.type, name: r.name, extraInfo: r.extra_info };
}

interface WireOperation {
  id?: string;
  name?: string;
  description?: string | null;
  enabled?: boolean;
  operation_type?: "backup";
  operation_definition?: z.output<typeof operationDefinitionSchema>;
  trigger?: { properties: { pattern: string } };
}

function toOperation(op: WireOperation): OperationInput {
  return {
    id: op.id,
    name: op.name,
    description: op.description,
    enabled: op.enabled,
    operationType: op.operation_type,
    definition: op.operation_definition ? toDefinition(op.operation_definition) : undefined,
    pattern: op.trigger?.properties.pattern,
  };
}

function toDefinition(d: z.output<typeof operationDefinitionSchema>): OperationDefinition {
  const out: OperationDefinition = {};
  if (d.max_backups !== undefined) out.maxBackups = d.max_backups;
  if (d.retention_duration_days !== undefined) out.retentionDurationDays = d.retention_duration_days;
  if (d.permanent !== undefined) out.permanent = d.permanent;
  if (d.day_backups !== undefined) out.dayBackups = d.day_backups;
  if (d.week_backups !== undefined) out.weekBackups = d.week_backups;
  if (d.month_backups !== undefined) out.monthBackups = d.month_backups;
  if (d.year_backups !== undefined) out.yearBackups = d.year_backups;
  if (d.timezone !== undefined) out.timezone = d.timezone;
  return out;
}
