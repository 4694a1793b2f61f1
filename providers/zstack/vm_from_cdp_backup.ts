import { z } from "zod";
import { computed, defineResource, optional, optionalComputed, required } from "../../src/sdk/index.js";
import { deadlineOf, type Deadline } from "../http/deadline.js";
import type { ZStackClient } from "./client.js";
import { createOnce } from "./idempotent.js";
import { readManyByUuid } from "./read-many.js";
import { GONE_VM_STATES, nicsOf, vmNicSchema, vmVolumeSchema, volumesOf } from "./vm_view.js";
import { defined, inventoryOf, isNotFound, newZStackUuid, num, str, type Inventory } from "./wire.js";

const schema = z.object({
  uuid: z.string().nullable(),
  cdp_task_uuid: z.string().length(32),
  group_id: z.number().int().min(1),
  name: z.string().min(1).max(255),
  description: z.string().max(2048).nullable(),
  instance_offering_uuid: z.string().min(1),
  l3_network_uuids: z.array(z.string().min(1)).min(1),
  default_l3_network_uuid: z.string().nullable(),
  type: z.enum(["UserVm", "ApplianceVm"]).nullable(),
  zone_uuid: z.string().nullable(),
  cluster_uuid: z.string().nullable(),
  host_uuid: z.string().nullable(),
  primary_storage_uuid_for_root_volume: z.string().nullable(),
  primary_storage_uuid_for_data_volume: z.string().nullable(),
  recover_bandwidth: z.number().int().min(1).nullable(),
  state: z.string().nullable(),
  root_volume_uuid: z.string().nullable(),
  cpu_num: z.number().nullable(),
  memory_size: z.number().nullable(),
  platform: z.string().nullable(),
  hypervisor_type: z.string().nullable(),
  vm_nics: z.array(vmNicSchema).nullable(),
  all_volumes: z.array(vmVolumeSchema).nullable(),
});
type VmFromCdp = z.infer<typeof schema>;

const ACTION = "/cdp-backups/actions";

/** Arguments the API does not echo keep their configured values; the rest is read from the VM inventory. */
function fromInventory(vm: Inventory, prior: VmFromCdp): VmFromCdp {
  const nics = nicsOf(vm);
  return {
    ...prior,
    // Known from the VM itself when the prior state does not say (an adopted or half-recorded create).
    l3_network_uuids: prior.l3_network_uuids ?? nics.map((n) => n.l3_network_uuid).filter((u): u is string => u !== null),
    uuid: str(vm, "uuid"),
    name: str(vm, "name") ?? prior.name,
    description: str(vm, "description") || prior.description,
    instance_offering_uuid: str(vm, "instanceOfferingUuid") ?? prior.instance_offering_uuid,
    default_l3_network_uuid: str(vm, "defaultL3NetworkUuid") ?? prior.default_l3_network_uuid,
    zone_uuid: str(vm, "zoneUuid") ?? prior.zone_uuid,
    cluster_uuid: str(vm, "clusterUuid") ?? prior.cluster_uuid,
    host_uuid: str(vm, "hostUuid") ?? prior.host_uuid,
    state: str(vm, "state"),
    root_volume_uuid: str(vm, "rootVolumeUuid"),
    cpu_num: num(vm, "cpuNum"),
    memory_size: num(vm, "memorySize"),
    platform: str(vm, "platform"),
    hypervisor_type: str(vm, "hypervisorType"),
    vm_nics: nics,
    all_volumes: volumesOf(vm),
  };
}

async function find(client: ZStackClient, d: Deadline, uuid: string, prior: VmFromCdp): Promise<VmFromCdp | null> {
  const [vm] = await client.query(d, "/vm-instances", [`uuid=${uuid}`]);
  if (!vm || GONE_VM_STATES.has(str(vm, "state") ?? "")) return null;
  return fromInventory(vm, prior);
}

export const vmFromCdpBackup = defineResource<ZStackClient, typeof schema>({
  type: "zstack_vm_from_cdp_backup",
  description:
    "A new VM rebuilt from a CDP recovery point (CreateVmFromCdpBackup): the protected VM's volumes as of `group_id`. Every argument forces a new VM; destroying the resource deletes the VM.",
  schema,
  attributes: {
    uuid: computed({ stable: true, description: "UUID of the new VM (chosen by the client and sent as `resourceUuid`)." }),
    cdp_task_uuid: required({ forceNew: true, description: "UUID of the CDP task holding the recovery point." }),
    group_id: required({ forceNew: true, description: "Recovery point id (`group_id` from `zstack_cdp_recovery_points`)." }),
    name: required({ forceNew: true, description: "Name of the new VM." }),
    description: optional({ forceNew: true, description: "Description of the new VM." }),
    instance_offering_uuid: required({ forceNew: true, description: "Instance offering (CPU/memory) of the new VM." }),
    l3_network_uuids: required({ forceNew: true, description: "L3 networks to attach NICs to." }),
    default_l3_network_uuid: optionalComputed({ forceNew: true, description: "The default network; the first of `l3_network_uuids` when unset." }),
    type: optional({ forceNew: true, description: "`UserVm` (default) or `ApplianceVm`." }),
    zone_uuid: optionalComputed({ forceNew: true, description: "Zone to place the VM in." }),
    cluster_uuid: optionalComputed({ forceNew: true, description: "Cluster to place the VM in." }),
    host_uuid: optionalComputed({ forceNew: true, description: "Host to place the VM on." }),
    primary_storage_uuid_for_root_volume: optional({ forceNew: true, description: "Primary storage for the root volume." }),
    primary_storage_uuid_for_data_volume: optional({ forceNew: true, description: "Primary storage for the data volumes." }),
    recover_bandwidth: optional({ forceNew: true, description: "Restore rate limit, bytes/s." }),
    state: computed({ description: "VM state (Running, Stopped...)." }),
    root_volume_uuid: computed({ stable: true, description: "UUID of the new VM's root volume." }),
    cpu_num: computed({ stable: true, description: "Number of vCPUs." }),
    memory_size: computed({ stable: true, description: "Memory, bytes." }),
    platform: computed({ stable: true, description: "Guest platform (Linux, Windows...)." }),
    hypervisor_type: computed({ stable: true, description: "Hypervisor type (KVM)." }),
    vm_nics: computed({ description: "NICs: uuid, l3_network_uuid, ip, mac, netmask, gateway." }),
    all_volumes: computed({ description: "Volumes: uuid, type (Root/Data), size (bytes), device_id." }),
  },
  clientId: "uuid",
  newClientId: newZStackUuid,
  timeouts: { create: "60m", delete: "20m", read: "5m" },

  async read(ctx, state) {
    return state.uuid ? find(ctx.client, deadlineOf(ctx), state.uuid, state) : null;
  },

  async readMany(ctx, states) {
    return readManyByUuid(ctx.client, deadlineOf(ctx), "/vm-instances", states, (vm, s) =>
      GONE_VM_STATES.has(str(vm, "state") ?? "") ? null : fromInventory(vm, s),
    );
  },

  async create(ctx, planned) {
    const d = deadlineOf(ctx);
    const uuid = planned.uuid ?? newZStackUuid();
    const withId = { ...planned, uuid };
    return createOnce(
      () => find(ctx.client, d, uuid, withId),
      async () => {
        const reply = await ctx.client.call(d, {
          method: "PUT",
          path: ACTION,
          body: {
            createVmFromCdpBackup: defined({
              name: planned.name,
              description: planned.description,
              groupId: planned.group_id,
              cdpTaskUuid: planned.cdp_task_uuid,
              instanceOfferingUuid: planned.instance_offering_uuid,
              l3NetworkUuids: planned.l3_network_uuids,
              defaultL3NetworkUuid: planned.default_l3_network_uuid ?? planned.l3_network_uuids[0],
              type: planned.type,
              zoneUuid: planned.zone_uuid,
              clusterUuid: planned.cluster_uuid,
              hostUuid: planned.host_uuid,
              primaryStorageUuidForRootVolume: planned.primary_storage_uuid_for_root_volume,
              primaryStorageUuidForDataVolume: planned.primary_storage_uuid_for_data_volume,
              recoverBandwidth: planned.recover_bandwidth,
              resourceUuid: uuid,
            }),
          },
          idempotent: true,
        });
        return fromInventory(inventoryOf(reply, "PUT", ctx.client.fullPath(ACTION)), withId);
      },
    );
  },

  async delete(ctx, state) {
    if (!state.uuid) return;
    const d = deadlineOf(ctx);
    try {
      await ctx.client.call(d, { method: "DELETE", path: `/vm-instances/${state.uuid}`, query: { deleteMode: "Permissive" } });
      // ZStack's default deletion policy keeps a destroyed VM (recoverable) until it is expunged; a destroyed
      // resource should not keep holding its volumes, so expunge it now.
      await ctx.client.call(d, { method: "PUT", path: `/vm-instances/${state.uuid}/actions`, body: { expungeVmInstance: {} } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
});
