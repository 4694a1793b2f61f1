import type { Checkpoint } from "../../domain/csbs/checkpoints.js";
import { invalidParameter } from "../../domain/csbs/errors.js";
import { queryItems, ITEM_SORT_KEYS } from "../../domain/csbs/item-query.js";
import { checkProvider } from "../../domain/csbs/policies.js";
import type { CsbsServices } from "../../domain/csbs/services.js";
import type { AddV1 } from "./handler.js";
import { intParam, nextLink, pageOf, queryParams, sortBy, sortParam, timeParam } from "./query.js";
import { checkProtectableBody, createCheckpointBody, protectBody, resetCheckpointBody } from "./schemas.js";
import { readBody } from "./validate.js";
import { checkpointView, itemView, karborCheckpointView } from "./views.js";

/** The backup statuses CSBS documents ("Querying All Backups"), all valid as a filter. */
const ITEM_STATUSES = ["waiting_protect", "protecting", "available", "waiting_restore", "restoring", "error", "waiting_delete", "deleting", "deleted"] as const;
const ITEM_FILTERS = ["checkpoint_id", "status", "name", "az", "resource_id", "resource_name", "resource_type", "policy_id", "ip", "image_type", "start_time", "end_time", "all_tenants"];

/**
 * Checkpoints (CSBS "backup records", Karbor checkpoints) and checkpoint items (CSBS "backups").
 * Create and delete are shared by CSBS and Karbor; list/show are Karbor's; items are CSBS's.
 */
export function registerCheckpointRoutes(add: AddV1, s: CsbsServices): void {
  add("POST", "/providers/:provider_id/checkpoints", "shared", async (req, auth) => {
    const { checkpoint } = await readBody(req, createCheckpointBody);
    const extra = checkpoint["extra-info"] ?? checkpoint.extra_info;
    const karborForm = "extra-info" in checkpoint || "extra_info" in checkpoint;
    if (!karborForm && checkpoint.parameters === undefined) {
      throw invalidParameter("checkpoint.parameters", "checkpoint.parameters: required field is missing");
    }
    const cp = s.checkpoints.execute(
      auth.project!.uuid,
      req.params.provider_id!,
      {
        planId: checkpoint.plan_id,
        resources: checkpoint.parameters?.resources ?? undefined,
        autoTrigger: checkpoint.parameters?.auto_trigger,
        extraInfo: extra ?? undefined,
      },
      { providerId: "provider_id", planId: "checkpoint.plan_id", resources: "checkpoint.parameters.resources" },
    );
    return { status: 200, json: { checkpoint: checkpointView(cp) } };
  });

  // Per-server backups outside any policy, as OTC's and Huawei's csbs_backup resources make them.
  add("POST", "/providers/:provider_id/resources/action", "csbs", async (req, auth) => {
    const { check_protectable } = await readBody(req, checkProtectableBody);
    providerMustExist(req.params.provider_id!);
    const protectable = check_protectable.map((r) => ({ ...s.checkpoints.protectable(auth.project!.uuid, r.resource_id, r.resource_type), resource_id: r.resource_id, resource_type: r.resource_type }));
    return { status: 200, json: { protectable } };
  });

  add("POST", "/providers/:provider_id/resources/:resource_id/action", "csbs", async (req, auth) => {
    const { protect } = await readBody(req, protectBody);
    const extra = protect.extra_info ? Object.fromEntries(Object.entries(protect.extra_info).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])) : undefined;
    const cp = s.checkpoints.protect(auth.project!.uuid, req.params.provider_id!, req.params.resource_id!, {
      ...(protect.backup_name !== undefined ? { backupName: protect.backup_name } : {}),
      ...(protect.description !== undefined ? { description: protect.description } : {}),
      ...(protect.resource_type !== undefined ? { resourceType: protect.resource_type } : {}),
      ...(extra ? { extraInfo: extra } : {}),
      ...(protect.tags ? { tags: protect.tags } : {}),
    });
    return { status: 200, json: { checkpoint: checkpointView(cp) } };
  });

  add("DELETE", "/providers/:provider_id/checkpoints/:checkpoint_id", "shared", (req, auth) => {
    const q = queryParams(req.query, ["checkpoint_items"]);
    s.checkpoints.delete(auth.project!.uuid, req.params.provider_id!, req.params.checkpoint_id!, q.get("checkpoint_items"));
    return { status: 200, json: {} };
  });

  add("PUT", "/providers/:provider_id/checkpoints/:checkpoint_id", "karbor", async (req, auth) => {
    const body = await readBody(req, resetCheckpointBody);
    s.checkpoints.resetState(auth.project!.uuid, req.params.provider_id!, req.params.checkpoint_id!, body["os-resetState"].state);
    return { status: 202, json: {} };
  });

  add("GET", "/providers/:provider_id/checkpoints/:checkpoint_id", "karbor", (req, auth) => {
    providerMustExist(req.params.provider_id!);
    const cp = s.checkpoints.get(auth.project!.uuid, req.params.checkpoint_id!);
    return { status: 200, json: { checkpoint: karborCheckpointView(cp) } };
  });

  add("GET", "/providers/:provider_id/checkpoints", "karbor", (req, auth) => {
    providerMustExist(req.params.provider_id!);
    const q = queryParams(req.query, ["plan_id", "start_date", "end_date", "project_id", "all_tenants", "marker", "limit", "sort", "sort_key", "sort_dir", "status"]);
    const limit = intParam(q, "limit", 1000, 1, 1000);
    const start = timeParam(q, "start_date");
    const endDay = timeParam(q, "end_date");
    // A bare end date includes that whole day.
    const end = endDay !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(q.get("end_date")!) ? endDay + 86_399_999 : endDay;
    const status = q.get("status");
    let list = s.checkpoints
      .list(auth.project!.uuid, status === "deleted")
      .filter(
        (c) =>
          (!q.has("plan_id") || c.planId === q.get("plan_id")) &&
          (status === undefined || c.status === status) &&
          (start === undefined || c.createdAt >= start) &&
          (end === undefined || c.createdAt <= end),
      );
    const sortRaw = q.get("sort") ?? (q.has("sort_key") ? `${q.get("sort_key")}:${q.get("sort_dir") ?? "desc"}` : undefined);
    const sort = sortParam(sortRaw, ["created_at", "id", "status"] as const);
    const value = (c: Checkpoint, key: (typeof sort)[number]["key"]) => (key === "created_at" ? c.createdAt : key === "id" ? c.uuid : c.status);
    list = sortBy(list, sort.length > 0 ? sort : [{ key: "created_at", dir: "desc" }], value, (c) => c.uuid);
    const { page, more } = pageOf(list, (c) => c.uuid, { marker: q.get("marker"), limit, what: "a checkpoint" });
    const links = more && page.length > 0 ? [nextLink(req.origin, req.path, req.query, page.at(-1)!.uuid)] : [];
    return { status: 200, json: { checkpoints: page.map(karborCheckpointView), checkpoints_links: links } };
  });

  add("GET", "/checkpoint_items", "csbs", (req, auth) => {
    const q = queryParams(req.query, [...ITEM_FILTERS, "limit", "marker", "offset", "sort"]);
    const query = itemQuery(q);
    const page = queryItems(s.checkpoints.listItems(auth.project!.uuid), query);
    const links = page.more && page.items.length > 0 ? [nextLink(req.origin, req.path, req.query, page.items.at(-1)!.uuid)] : [];
    return { status: 200, json: { checkpoint_items: page.items.map(itemView), checkpoint_items_links: links } };
  });

  add("GET", "/checkpoint_items/count", "csbs", (req, auth) => {
    const q = queryParams(req.query, ITEM_FILTERS);
    const page = queryItems(s.checkpoints.listItems(auth.project!.uuid), { ...itemQuery(q), limit: 0 });
    return { status: 200, json: { count: page.total } };
  });

  add("GET", "/checkpoint_items/:item_id", "csbs", (req, auth) => {
    return { status: 200, json: { checkpoint_item: itemView(s.checkpoints.getItem(auth.project!.uuid, req.params.item_id!)) } };
  });
}

function providerMustExist(providerId: string): void {
  checkProvider(providerId, "provider_id");
}

function itemQuery(q: Map<string, string>) {
  const status = q.get("status");
  if (status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(status)) {
    throw invalidParameter("status", `status: "${status}" is not one of ${ITEM_STATUSES.join(", ")}`);
  }
  return {
    checkpointId: q.get("checkpoint_id"),
    status,
    name: q.get("name"),
    az: q.get("az"),
    resourceId: q.get("resource_id"),
    resourceName: q.get("resource_name"),
    resourceType: q.get("resource_type"),
    policyId: q.get("policy_id"),
    ip: q.get("ip"),
    imageType: q.get("image_type"),
    startTime: timeParam(q, "start_time"),
    endTime: timeParam(q, "end_time"),
    sort: sortParam(q.get("sort"), ITEM_SORT_KEYS),
    limit: intParam(q, "limit", 1000, 1, 1000),
    offset: intParam(q, "offset", 0, 0, Number.MAX_SAFE_INTEGER),
    marker: q.get("marker"),
  };
}
