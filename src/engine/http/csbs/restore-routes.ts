import { z } from "zod";
import { invalidParameter } from "../../domain/csbs/errors.js";
import { SERVER_TYPE } from "../../domain/csbs/policies.js";
import type { NewServerOptions, NewServerRestore, RestoreInput } from "../../domain/csbs/restores.js";
import type { CsbsServices } from "../../domain/csbs/services.js";
import type { AddV1 } from "./handler.js";
import { intParam, queryParams } from "./query.js";
import { createRestoreBody, restoreInPlaceParameters, restoreServerOptions } from "./schemas.js";
import { parse, readBody } from "./validate.js";
import { restoreView } from "./views.js";

/**
 * Restores: `POST /restores` in CSBS's form (a backup onto an existing server's disks) or Karbor's (new servers
 * from a checkpoint); `GET /restores[/{id}]` as Karbor lists and shows them. A restore answers `in_progress` at
 * once; its status becomes `success` or `fail` (with `resources_reason`) when the bytes are written.
 */
export function registerRestoreRoutes(add: AddV1, s: CsbsServices): void {
  add("POST", "/restores", "shared", async (req, auth) => {
    const { restore } = await readBody(req, createRestoreBody);
    const parameters = restore.parameters ?? {};
    const input: RestoreInput = {
      providerId: restore.provider_id,
      checkpointId: restore.checkpoint_id,
      restoreTarget: restore.restore_target ?? null,
      parameters,
      plan: "checkpoint_item_id" in parameters ? inPlace(parameters) : newServers(parameters),
    };
    return { status: 200, json: { restore: restoreView(s.restores.create(auth.project!.uuid, input)) } };
  });

  add("GET", "/restores", "karbor", (req, auth) => {
    const q = queryParams(req.query, ["status", "limit", "marker", "sort", "sort_key", "sort_dir", "all_tenants"]);
    const limit = intParam(q, "limit", 1000, 1, 1000);
    let list = s.restores.list(auth.project!.uuid).filter((r) => !q.has("status") || r.status === q.get("status"));
    list = list.sort((a, b) => b.createdAt - a.createdAt || a.uuid.localeCompare(b.uuid));
    const marker = q.get("marker");
    if (marker !== undefined) list = list.slice(list.findIndex((r) => r.uuid === marker) + 1);
    return { status: 200, json: { restores: list.slice(0, limit).map(restoreView), restores_links: [] } };
  });

  add("GET", "/restores/:restore_id", "karbor", (req, auth) => ({ status: 200, json: { restore: restoreView(s.restores.get(auth.project!.uuid, req.params.restore_id!)) } }));
}

/** Parses `parameters` where it sits in the body, so a problem names its whole path (`restore.parameters.power_on`). */
function parseParameters<S extends z.ZodType>(schema: S, parameters: unknown): z.output<S> {
  const wrapped = z.object({ restore: z.object({ parameters: schema }) });
  const { restore } = parse(wrapped, { restore: { parameters } }) as { restore: { parameters: z.output<S> } };
  return restore.parameters;
}

function inPlace(parameters: Record<string, unknown>): RestoreInput["plan"] {
  const p = parseParameters(restoreInPlaceParameters, parameters);
  return {
    kind: "in_place",
    itemId: p.checkpoint_item_id,
    powerOn: p.power_on,
    serverId: p.targets.server_id,
    volumes: p.targets.volumes.map((v) => ({ backupId: v.backup_id, volumeId: v.volume_id })),
  };
}

/** Karbor keys parameters by `<type>` (all resources of it) or `<type>#<resource id>` (one). */
function newServers(parameters: Record<string, unknown>): NewServerRestore {
  const servers = new Map<string, NewServerOptions>();
  let defaults: NewServerOptions = {};
  for (const [key, value] of Object.entries(parameters)) {
    const [type, id] = key.split("#", 2) as [string, string | undefined];
    const field = `restore.parameters["${key}"]`;
    if (type !== SERVER_TYPE) throw invalidParameter(field, `${field}: only ${SERVER_TYPE} resources can be restored`);
    const o = parseParameters(z.object({ [key]: restoreServerOptions }), { [key]: value ?? {} })[key]!;
    const opts: NewServerOptions = {
      ...(o.restore_name !== undefined ? { name: o.restore_name } : {}),
      ...(o.restore_description !== undefined ? { description: o.restore_description } : {}),
      ...(o.instance_offering_uuid !== undefined ? { instanceOfferingUuid: o.instance_offering_uuid } : {}),
      ...(o.l3_network_uuids !== undefined ? { l3NetworkUuids: o.l3_network_uuids } : {}),
    };
    if (id === undefined || id === "") defaults = opts;
    else servers.set(id, opts);
  }
  return { kind: "new_server", servers, defaults };
}
