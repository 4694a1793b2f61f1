import { z } from "zod";
import { asObject, bool, num, str, type JsonObject } from "../http/json.js";

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
