import { invalidArgument } from "./errors.js";
import type { Inventory, VmInstance } from "./inventory.js";

/** One volume to rebuild: its kind, virtual size, and how to write its bytes into a fresh file. */
export interface VolumeImage {
  type: "Root" | "Data";
  size: number;
  restoreInto(destPath: string): Promise<void>;
}

/** Where and how the new VM runs; unset fields fall back to the source VM's settings. */
export interface RestoreTarget {
  name: string;
  description?: string;
  instanceOfferingUuid?: string;
  l3NetworkUuids?: string[];
  defaultL3NetworkUuid?: string;
  resourceUuid?: string;
  state?: "Running" | "Stopped";
}

export interface SourceVmSettings {
  instanceOfferingUuid?: string;
  l3NetworkUuids?: string[];
  defaultL3NetworkUuid?: string;
}

/**
 * Creates a new VM whose volumes hold exactly the bytes of `images` (root first). The VM record appears only once
 * every volume is written, so a failed restore leaves nothing behind.
 */
export async function createVmFromImages(
  inventory: Inventory,
  target: RestoreTarget,
  images: readonly VolumeImage[],
  source: SourceVmSettings,
  signal?: AbortSignal,
): Promise<VmInstance> {
  if (images.length === 0 || images[0]!.type !== "Root") throw invalidArgument("groupUuid", "the backup holds no root volume to create a VM from");
  const offering = target.instanceOfferingUuid ?? existing(source.instanceOfferingUuid, (u) => inventory.instanceOfferings.has(u));
  if (!offering) throw invalidArgument("instanceOfferingUuid", "instanceOfferingUuid is required: the source VM's offering no longer exists");
  const l3s = target.l3NetworkUuids?.length ? target.l3NetworkUuids : (source.l3NetworkUuids ?? []).filter((u) => inventory.l3Networks.has(u));
  if (l3s.length === 0) throw invalidArgument("l3NetworkUuids", "l3NetworkUuids is required: the source VM's networks no longer exist");
  if (target.defaultL3NetworkUuid && !l3s.includes(target.defaultL3NetworkUuid)) {
    throw invalidArgument("defaultL3NetworkUuid", `defaultL3NetworkUuid ${target.defaultL3NetworkUuid} is not one of l3NetworkUuids`);
  }
  const defaultL3 = target.defaultL3NetworkUuid ?? (source.defaultL3NetworkUuid && l3s.includes(source.defaultL3NetworkUuid) ? source.defaultL3NetworkUuid : l3s[0]);
  return inventory.createVm({
    name: target.name,
    ...(target.description !== undefined ? { description: target.description } : {}),
    instanceOfferingUuid: offering,
    l3NetworkUuids: l3s,
    ...(defaultL3 ? { defaultL3NetworkUuid: defaultL3 } : {}),
    ...(target.resourceUuid ? { uuid: target.resourceUuid } : {}),
    state: target.state ?? "Running",
    volumes: images.map((img) => ({ size: img.size, type: img.type })),
    // Checked after each volume: once the engine stops, no VM record may appear for a half-done restore.
    populate: async (volume, i) => {
      signal?.throwIfAborted();
      await images[i]!.restoreInto(volume.installPath);
      signal?.throwIfAborted();
    },
  });
}

function existing(uuid: string | undefined, has: (u: string) => boolean): string | undefined {
  return uuid && has(uuid) ? uuid : undefined;
}
