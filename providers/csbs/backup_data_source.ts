import { z } from "zod";
import { computed, defineDataSource, optional, optionalComputed } from "../../src/sdk/index.js";
import { deadlineOf } from "../http/deadline.js";
import { asObject, bool, list, num, str, type JsonObject } from "../http/json.js";
import { vmMetadataOf, vmMetadataSchema, volumeBackupSchema, volumeBackupsOf } from "./checkpoint_view.js";
import type { CsbsClient } from "./client.js";
import { listItems } from "./inventory.js";

const schema = z.object({
  id: z.string().nullable(),
  backup_name: z.string().nullable(),
  status: z.string().nullable(),
  resource_name: z.string().nullable(),
  backup_record_id: z.string().nullable(),
  resource_type: z.string().nullable(),
  resource_id: z.string().nullable(),
  policy_id: z.string().nullable(),
  vm_ip: z.string().nullable(),
  description: z.string().nullable(),
  created_at: z.string().nullable(),
  auto_trigger: z.boolean().nullable(),
  average_speed: z.number().nullable(),
  size: z.number().nullable(),
  tags: z.array(z.object({ key: z.string(), value: z.string() })).nullable(),
  volume_backups: z.array(volumeBackupSchema).nullable(),
  vm_metadata: z.array(vmMetadataSchema).nullable(),
});
type Found = z.infer<typeof schema>;

/**
 * The one backup the filters select, as opentelekomcloud_csbs_backup_v1's data source finds it: the API filters
 * (`GET /checkpoint_items?name=&status=&resource_id=&resource_name=&resource_type=&policy_id=&ip=&checkpoint_id=`)
 * and `id` matched here, because the API has no id filter.
 */
export const backupDataSource = defineDataSource<CsbsClient, typeof schema>({
  type: "csbs_backup",
  description:
    "One backup (checkpoint item), found by id, name, status, server, backup record, policy or the server's IP; exactly one must match. Attribute names follow opentelekomcloud_csbs_backup_v1's data source.",
  schema,
  attributes: {
    id: optionalComputed({ description: "Id of the backup." }),
    backup_name: optionalComputed({ description: "Name of the backup." }),
    status: optionalComputed({ description: "Status of the backup (`available`, `protecting`, `error`...)." }),
    resource_name: optionalComputed({ description: "Name of the backed-up server." }),
    backup_record_id: optionalComputed({ description: "Id of the backup record (checkpoint)." }),
    resource_type: optionalComputed({ description: "Type of the backed-up resource, e.g. `OS::Nova::Server`." }),
    resource_id: optionalComputed({ description: "Id of the backed-up server." }),
    policy_id: optional({ description: "Only backups made by this policy." }),
    vm_ip: optional({ description: "Only backups of the server with this IP address." }),
    description: computed({ description: "Description of the backup." }),
    created_at: computed({ description: "Creation time, as the API reports it." }),
    auto_trigger: computed({ description: "Whether a schedule took the backup." }),
    average_speed: computed({ description: "Average backup speed (MB/s)." }),
    size: computed({ description: "Size of the backup (MB)." }),
    tags: computed({ unordered: true, description: "Tags of the backup: key, value." }),
    volume_backups: computed({
      unordered: true,
      description:
        "One entry per volume: id, name, status, bootable, incremental, source_volume_id, source_volume_name, source_volume_size (GB), size (MB), space_saving_ratio, average_speed, snapshot_id, image_type.",
    }),
    vm_metadata: computed({ unordered: true, description: "The server as it was backed up: name, eip, cloud_service_type, ram (MB), vcpus, private_ip, disk (GB), image_type." }),
  },
  timeouts: { read: "5m" },
  async read(ctx, config) {
    const d = deadlineOf(ctx);
    const filters: Record<string, string> = {};
    const query: [keyof Found, string][] = [
      ["backup_name", "name"],
      ["status", "status"],
      ["resource_name", "resource_name"],
      ["backup_record_id", "checkpoint_id"],
      ["resource_type", "resource_type"],
      ["resource_id", "resource_id"],
      ["policy_id", "policy_id"],
      ["vm_ip", "ip"],
    ];
    for (const [attr, param] of query) {
      const v = config[attr];
      if (typeof v === "string") filters[param] = v;
    }
    const found = (await listItems(ctx.client, d, filters)).filter((i) => config.id === null || str(i, "id") === config.id);
    const described = Object.entries(filters)
      .map(([k, v]) => `${k}=${v}`)
      .concat(config.id !== null ? [`id=${config.id}`] : []);
    const what = described.length > 0 ? described.join(", ") : "no filters";
    if (found.length === 0) throw new Error(`csbs_backup: no backup matches ${what}`);
    if (found.length > 1) throw new Error(`csbs_backup: ${found.length} backups match ${what}; narrow the search (id, backup_name, backup_record_id...) to one`);
    return fromItem(found[0]!, config);
  },
});

function fromItem(i: JsonObject, config: Found): Found {
  const ext = asObject(i["extend_info"]) ?? {};
  return {
    id: str(i, "id"),
    backup_name: str(i, "name"),
    status: str(i, "status"),
    resource_name: str(ext, "resource_name"),
    backup_record_id: str(i, "checkpoint_id"),
    resource_type: str(i, "resource_type") ?? str(ext, "resource_type"),
    resource_id: str(i, "resource_id"),
    policy_id: config.policy_id,
    vm_ip: config.vm_ip,
    description: str(i, "description"),
    created_at: str(i, "created_at"),
    auto_trigger: bool(ext, "auto_trigger"),
    average_speed: num(ext, "average_speed"),
    size: num(ext, "size"),
    tags: list(i, "tags").map((t) => ({ key: str(t, "key") ?? "", value: str(t, "value") ?? "" })),
    volume_backups: volumeBackupsOf(i),
    vm_metadata: vmMetadataOf(i),
  };
}
