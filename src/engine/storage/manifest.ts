import { z } from "zod";
import { StorageError } from "./errors.js";

export const MANIFEST_FORMAT = "backplan-volume-manifest/1";

/**
 * One volume's bytes at one moment, as a list of chunks. Entry `i` covers bytes `[i*chunkSize, min((i+1)*
 * chunkSize, volumeSize))`; `null` is a hole (all zeros, not stored). Manifests are self-contained: an
 * incremental backup copies its parent's entries for clean chunks, so deleting a parent never breaks a child.
 */
export interface VolumeManifest {
  format: typeof MANIFEST_FORMAT;
  backupId: string;
  volumeSize: number;
  chunkSize: number;
  parentId: string | null;
  mode: "full" | "incremental";
  /** Bytes this backup added to the chunk store (deduplicated chunks and reused parent chunks count 0). */
  storedSize: number;
  createdAt: number;
  chunks: (string | null)[];
}

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  backupId: z.string().min(1),
  volumeSize: z.number().int().nonnegative(),
  chunkSize: z.number().int().positive(),
  parentId: z.string().nullable(),
  mode: z.enum(["full", "incremental"]),
  storedSize: z.number().int().nonnegative(),
  createdAt: z.number().int(),
  chunks: z.array(z.string().regex(/^[0-9a-f]{64}$/).nullable()),
});

/** How many chunks cover a volume of `size` bytes. */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize);
}

/** Length in bytes of chunk `index` of a volume of `size` bytes. */
export function chunkLength(index: number, size: number, chunkSize: number): number {
  return Math.min(chunkSize, size - index * chunkSize);
}

export function encodeManifest(m: VolumeManifest): string {
  return `${JSON.stringify(m)}\n`;
}

/**
 * Parses and checks a manifest read from `where` (a path, for the error). Throws `corrupt_metadata` naming the
 * file and the offending field when it is not a well-formed manifest or its chunk list does not fit its size.
 */
export function decodeManifest(text: string, where: string): VolumeManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StorageError("corrupt_metadata", `${where}: manifest is not JSON (${(e as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StorageError("corrupt_metadata", `${where}: manifest field "${issue.path.join(".")}": ${issue.message}`);
  }
  const m = parsed.data as VolumeManifest;
  const want = chunkCount(m.volumeSize, m.chunkSize);
  if (m.chunks.length !== want) {
    throw new StorageError("corrupt_metadata", `${where}: manifest lists ${m.chunks.length} chunks, a ${m.volumeSize}-byte volume needs ${want}`);
  }
  return m;
}
