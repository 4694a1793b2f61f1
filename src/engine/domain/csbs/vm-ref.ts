import { isZStackUuid } from "../ids.js";

const DASHED = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;

/**
 * The engine VM uuid (32 lowercase hex) a CSBS resource id names: either that uuid itself or its dashed
 * 8-4-4-4-12 form, in any letter case. Returns undefined for anything else.
 */
export function vmUuidOf(resourceId: string): string | undefined {
  const lower = resourceId.toLowerCase();
  if (isZStackUuid(lower)) return lower;
  const m = DASHED.exec(lower);
  return m ? m.slice(1).join("") : undefined;
}

/** The dashed OpenStack form of a 32-hex uuid. */
export function dashed(uuid32: string): string {
  return `${uuid32.slice(0, 8)}-${uuid32.slice(8, 12)}-${uuid32.slice(12, 16)}-${uuid32.slice(16, 20)}-${uuid32.slice(20)}`;
}
