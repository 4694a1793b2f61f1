import { z } from "zod";
import { asObject, bool, list, num, str, type JsonObject } from "../http/json.js";

/** A checkpoint item (one resource's backup within a checkpoint), as resources and data sources expose it. */
export const checkpointItemSchema = z.object({
  id: z.string(),
  checkpoint_id: z.string().nullable(),
  name: z.string().nullable(),
  resource_id: z.string().nullable(),
  resource_type: z.string().nullable(),
  resource_name: z.string().nullable(),
  status: z.string().nullable(),
  created_at: z.string().nullable(),
  updated_at: z.string().nullable(),
  size_mb: z.number().nullable(),
  progress: z.number().nullable(),
  incremental: z.boolean().nullable(),
  fail_reason: z.string().nullable(),
});
export type CheckpointItem = z.infer<typeof checkpointItemSchema>;

/** A checkpoint item from its wire form (`extend_info` flattened into the fields users look at). */
export function itemOf(i: JsonObject): CheckpointItem {
  const ext = asObject(i["extend_info"]) ?? {};
  return {
    id: str(i, "id") ?? "",
    checkpoint_id: str(i, "checkpoint_id"),
    name: str(i, "name"),
    resource_id: str(i, "resource_id"),
    resource_type: str(i, "resource_type") ?? str(ext, "resource_type"),
    resource_name: str(ext, "resource_name"),
    status: str(i, "status"),
    created_at: str(i, "created_at"),
    updated_at: str(i, "updated_at"),
    size_mb: num(ext, "size"),
    progress: num(ext, "progress"),
    incremental: bool(ext, "incremental"),
    fail_reason: str(ext, "fail_reason"),
  };
}

/** One volume's copy inside a backup (`extend_info.volume_backups[]`), named as OTC's `csbs_backup_v1` names it. */
export const volumeBackupSchema = z.object({
  id: z.string().nullable(),
  name: z.string().nullable(),
  status: z.string().nullable(),
  bootable: z.boolean().nullable(),
  incremental: z.boolean().nullable(),
  source_volume_id: z.string().nullable(),
  source_volume_name: z.string().nullable(),
  source_volume_size: z.number().nullable(),
  size: z.number().nullable(),
  space_saving_ratio: z.number().nullable(),
  average_speed: z.number().nullable(),
  snapshot_id: z.string().nullable(),
  image_type: z.string().nullable(),
});
export type VolumeBackup = z.infer<typeof volumeBackupSchema>;

/** The server as it was when backed up (`backup_data`), named as OTC's `csbs_backup_v1` names it. */
export const vmMetadataSchema = z.object({
  name: z.string().nullable(),
  eip: z.string().nullable(),
  cloud_service_type: z.string().nullable(),
  ram: z.number().nullable(),
  vcpus: z.number().nullable(),
  private_ip: z.string().nullable(),
  disk: z.number().nullable(),
  image_type: z.string().nullable(),
});
export type VmMetadata = z.infer<typeof vmMetadataSchema>;

/** The volume copies of a backup, from its wire form. Numbers may arrive as floats or strings (OTC #1357). */
export function volumeBackupsOf(i: JsonObject): VolumeBackup[] {
  const ext = asObject(i["extend_info"]) ?? {};
  return list(ext, "volume_backups").map((v) => ({
    id: str(v, "id"),
    name: str(v, "name"),
    status: str(v, "status"),
    bootable: bool(v, "bootable"),
    incremental: bool(v, "incremental"),
    source_volume_id: str(v, "source_volume_id"),
    source_volume_name: str(v, "source_volume_name"),
    source_volume_size: num(v, "source_volume_size"),
    size: num(v, "size"),
    space_saving_ratio: num(v, "space_saving_ratio"),
    average_speed: num(v, "average_speed"),
    snapshot_id: str(v, "snapshot_id"),
    image_type: str(v, "image_type"),
  }));
}

/** The server's metadata of a backup (`backup_data`; the name from `extend_info.resource_name`), or [] when absent. */
export function vmMetadataOf(i: JsonObject): VmMetadata[] {
  const data = asObject(i["backup_data"]);
  if (!data) return [];
  const ext = asObject(i["extend_info"]) ?? {};
  return [
    {
      name: str(data, "name") ?? str(ext, "resource_name"),
      eip: str(data, "eip"),
      cloud_service_type: str(data, "cloudservicetype"),
      ram: num(data, "ram"),
      vcpus: num(data, "vcpus"),
      private_ip: str(data, "private_ip"),
      disk: num(data, "disk"),
      image_type: str(data, "imagetype"),
    },
  ];
}
