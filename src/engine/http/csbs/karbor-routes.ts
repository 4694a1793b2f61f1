import { CsbsError } from "../../domain/csbs/errors.js";
import { CSBS_PROVIDER_ID, SERVER_TYPE } from "../../domain/csbs/policies.js";
import type { CsbsServices } from "../../domain/csbs/services.js";
import { dashed, vmUuidOf } from "../../domain/csbs/vm-ref.js";
import type { Inventory, VmInstance } from "../../domain/inventory.js";
import type { AddV1 } from "./handler.js";
import { toResource } from "./policy-routes.js";
import { intParam, queryParams } from "./query.js";
import { createPlanBody, updatePlanBody } from "./schemas.js";
import { readBody } from "./validate.js";
import { planView } from "./views.js";

const PROVIDER = {
  id: CSBS_PROVIDER_ID,
  name: "CSBS Provider",
  description: "Cloud Server Backup Service: full copies of every volume of a server",
  extended_info_schema: {
    options_schema: { [SERVER_TYPE]: { type: "object", properties: {} } },
    saved_info_schema: { [SERVER_TYPE]: { type: "object", properties: {} } },
    restore_schema: { [SERVER_TYPE]: { type: "object", properties: {} } },
  },
};

/** Karbor's native plans, providers and protectables, as python-karborclient calls them. */
export function registerKarborRoutes(add: AddV1, s: CsbsServices, inventory: Inventory): void {
  add("POST", "/plans", "karbor", async (req, auth) => {
    const { plan } = await readBody(req, createPlanBody);
    const p = s.policies.create(
      auth.project!.uuid,
      {
        name: plan.name,
        description: plan.description,
        providerId: plan.provider_id,
        parameters: plan.parameters,
        resources: plan.resources.map(toResource),
        scheduledOperations: [],
      },
      "plan",
    );
    return { status: 200, json: { plan: planView(p) } };
  });

  add("GET", "/plans", "karbor", (req, auth) => {
    const q = queryParams(req.query, ["name", "description", "status", "project_id", "all_tenants", "marker", "limit", "sort", "sort_key", "sort_dir"]);
    const limit = intParam(q, "limit", 1000, 1, 1000);
    let plans = s.policies
      .list(auth.project!.uuid)
      .filter((p) => (!q.has("name") || p.name === q.get("name")) && (!q.has("description") || p.description === q.get("description")) && (!q.has("status") || p.status === q.get("status")));
    const marker = q.get("marker");
    if (marker !== undefined) plans = plans.slice(plans.findIndex((p) => p.uuid === marker) + 1);
    return { status: 200, json: { plans: plans.slice(0, limit).map(planView), plans_links: [] } };
  });

  add("GET", "/plans/:plan_id", "karbor", (req, auth) => ({ status: 200, json: { plan: planView(s.policies.get(auth.project!.uuid, req.params.plan_id!)) } }));

  add("PUT", "/plans/:plan_id", "karbor", async (req, auth) => {
    const { plan } = await readBody(req, updatePlanBody);
    const p = s.policies.update(
      auth.project!.uuid,
      req.params.plan_id!,
      { name: plan.name, description: plan.description, resources: plan.resources?.map(toResource), status: plan.status },
      "plan",
      true,
    );
    return { status: 200, json: { plan: planView(p) } };
  });

  add("DELETE", "/plans/:plan_id", "karbor", (req, auth) => {
    s.policies.delete(auth.project!.uuid, req.params.plan_id!);
    return { status: 202, json: {} };
  });

  add("GET", "/providers", "karbor", () => ({ status: 200, json: { providers: [PROVIDER], providers_links: [] } }));

  add("GET", "/providers/:provider_id", "karbor", (req) => {
    if (req.params.provider_id !== CSBS_PROVIDER_ID) throw new CsbsError("not_found", `Provider ${req.params.provider_id} could not be found.`);
    return { status: 200, json: { provider: PROVIDER } };
  });

  add("GET", "/protectables", "karbor", () => ({ status: 200, json: { protectable_type: [SERVER_TYPE] } }));

  add("GET", "/protectables/:type", "karbor", (req) => {
    protectableType(req.params.type!);
    return { status: 200, json: { protectable_type: { name: SERVER_TYPE, dependent_types: [] } } };
  });

  add("GET", "/protectables/:type/instances", "karbor", (req) => {
    protectableType(req.params.type!);
    return { status: 200, json: { instances: inventory.vms.all().map(instanceView), instances_links: [] } };
  });

  add("GET", "/protectables/:type/instances/:instance_id", "karbor", (req) => {
    protectableType(req.params.type!);
    const uuid = vmUuidOf(req.params.instance_id!);
    const vm = uuid === undefined ? undefined : inventory.vms.get(uuid);
    if (!vm) throw new CsbsError("not_found", `server do not exist: ${req.params.instance_id}`);
    return { status: 200, json: { instance: { ...instanceView(vm), id: req.params.instance_id } } };
  });
}

function protectableType(type: string): void {
  if (type !== SERVER_TYPE) throw new CsbsError("not_found", `Protectable type ${type} could not be found; only ${SERVER_TYPE} is.`);
}

function instanceView(vm: VmInstance): Record<string, unknown> {
  return { id: dashed(vm.uuid), type: SERVER_TYPE, name: vm.name, extra_info: null, dependent_resources: [] };
}
