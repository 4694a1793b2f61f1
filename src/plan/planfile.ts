import { gunzipSync, gzipSync } from "node:zlib";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../state/atomic-write.js";
import type { Plan } from "./plan.js";
import { checkPlan } from "./planfile-schema.js";

const MAGIC = "backplan-plan";

interface PlanFileEnvelope {
  format: typeof MAGIC;
  version: 1;
  plan: Plan;
}

/** Saves a plan (gzip-compressed JSON) atomically: a reader sees the old file or the whole new one. */
export async function writePlanFile(path: string, plan: Plan): Promise<void> {
  const envelope: PlanFileEnvelope = { format: MAGIC, version: 1, plan };
  await writeFileAtomic(path, gzipSync(JSON.stringify(envelope)));
}

/** A file given as a saved plan that is not one this backplan can read: a user error, shown as a diagnostic. */
export class PlanFileError extends Error {
  override readonly name = "PlanFileError";
}

/** Reads a saved plan; throws a PlanFileError naming the file when it is not a backplan plan or is damaged. */
export async function readPlanFile(path: string): Promise<Plan> {
  const bytes = await readFile(path);
  let envelope: Partial<PlanFileEnvelope>;
  try {
    envelope = JSON.parse(gunzipSync(bytes).toString("utf8")) as Partial<PlanFileEnvelope>;
  } catch {
    throw new PlanFileError(`${path} is not a backplan plan file (or it is damaged)`);
  }
  if (envelope.format !== MAGIC || envelope.version !== 1 || !envelope.plan) {
    throw new PlanFileError(`${path} is not a backplan plan file of a version this backplan reads`);
  }
  const checked = checkPlan(envelope.plan);
  if ("problem" in checked) throw new PlanFileError(`${path} holds a damaged plan: ${checked.problem}`);
  return checked.plan;
}
