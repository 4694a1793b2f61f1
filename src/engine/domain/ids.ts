import { randomUUID } from "node:crypto";

/** A ZStack-style uuid: 32 lowercase hex characters, no dashes. */
export function newZStackUuid(): string {
  return randomUUID().replaceAll("-", "");
}

/** An OpenStack-style uuid: the canonical dashed form. */
export function newOpenStackId(): string {
  return randomUUID();
}

const ZSTACK_UUID = /^[0-9a-f]{32}$/;

export function isZStackUuid(s: string): boolean {
  return ZSTACK_UUID.test(s);
}
