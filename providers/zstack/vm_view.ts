import { z } from "zod";
import { list, num, str, type Inventory } from "./wire.js";

/** The parts of a VmInstanceInventory that resources and data sources expose, in snake_case. */
export const vmNicSchema = z.object({
  uuid: z.string(),
  l3_network_uuid: z.string().nullable(),
  ip: z.string().nullable(),
  mac: z.string().nullable(),
  netmask: z.string().nullable(),
  gateway: z.string().nullable(),
});

export const vmVolumeSchema = z.object({
  uuid: z.string(),
  type: z.string().nullable(),
  size: z.number().nullable(),
  device_id: z.number().nullable(),
});

export type VmNic = z.infer<typeof vmNicSchema>;
export type VmVolume = z.infer<typeof vmVolumeSchema>;

/** VM states after which the VM no longer exists for a resource's purposes. */
export const GONE_VM_STATES = new Set(["Destroyed", "Expunging", "Expunged"]);

/** The NICs of a VM inventory. */
export function nicsOf(vm: Inventory): VmNic[] {
  return list(vm, "vmNics").map((n) => ({
    uuid: str(n, "uuid") ?? "",
    l3_network_uuid: str(n, "l3NetworkUuid"),
    ip: str(n, "ip"),
    mac: str(n, "mac"),
    netmask: str(n, "netmask"),
    gateway: str(n, "gateway"),
  }));
}

/** The volumes (`allVolumes`) of a VM inventory. */
export function volumesOf(vm: Inventory): VmVolume[] {
  return list(vm, "allVolumes").map((v) => ({
    uuid: str(v, "uuid") ?? "",
    type: str(v, "type"),
    size: num(v, "size"),
    device_id: num(v, "deviceId"),
  }));
}
