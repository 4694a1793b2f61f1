import { crc32 } from "node:zlib";
import { formatInstanceAddress, parseInstanceAddress } from "./address.js";
import { StateError, type InstanceObject, type JsonValue, type OutputValue, type State } from "./state.js";
import { parseInstanceObject } from "./v4.js";

/**
 * The state journal's line format (pure: encode, decode, apply). One JSON object per line:
 *
 *   {"seq":12,"lineage":"…","base_serial":7,"op":"set","addr":"x.y[0]","provider":"…","object":{…},"crc":"1c291ca3"}
 *
 * `seq` increases by one per change for the life of a state (it continues across folds); `base_serial` is the
 * serial of the state file the change applies on top of; `crc` is CRC-32 (hex) of the line's JSON without the
 * `crc` member, so a torn or damaged line is told apart from a good one even when it happens to parse.
 */

/** A change recorded in the journal. `addr` is an instance address string (`module.a.x.y["k"]`). */
export type JournalChange =
  | { op: "set"; addr: string; provider: string; deposed?: string; object: InstanceObject }
  | { op: "remove"; addr: string; deposed?: string }
  | { op: "set_output"; name: string; output: OutputValue }
  | { op: "remove_output"; name: string }
  | { op: "pending_create"; addr: string; id: string; provider?: string; at: string }
  | { op: "pending_clear"; addr: string };

export interface JournalEntry {
  seq: number;
  lineage: string;
  baseSerial: number;
  change: JournalChange;
}

/**
 * A create that was about to be sent to a provider with a client-chosen id, and whose outcome is not yet in the
 * state. See local-backend.ts for the contract.
 */
export interface PendingCreate {
  address: string;
  id: string;
  provider?: string;
  /** When it was recorded (ISO 8601). */
  recordedAt: string;
  seq: number;
}

const CRC_TAIL = /,"crc":"([0-9a-f]{8})"\}$/;

/** One journal line, newline included. */
export function encodeJournalLine(e: JournalEntry): string {
  const body = JSON.stringify({ seq: e.seq, lineage: e.lineage, base_serial: e.baseSerial, ...changeJson(e.change) });
  const crc = crc32(body).toString(16).padStart(8, "0");
  return `${body.slice(0, -1)},"crc":"${crc}"}\n`;
}

function changeJson(c: JournalChange): Record<string, unknown> {
  switch (c.op) {
    case "set":
      return { op: c.op, addr: c.addr, provider: c.provider, deposed: c.deposed, object: objectJson(c.object) };
    case "remove":
      return { op: c.op, addr: c.addr, deposed: c.deposed };
    case "set_output":
      return { op: c.op, name: c.name, output: c.output };
    case "remove_output":
      return { op: c.op, name: c.name };
    case "pending_create":
      return { op: c.op, addr: c.addr, id: c.id, provider: c.provider, at: c.at };
    case "pending_clear":
      return { op: c.op, addr: c.addr };
    default:
      return assertNever(c);
  }
}

/** The v4 instance-object JSON (same field names as in the state file). */
function objectJson(o: InstanceObject): Record<string, unknown> {
  return {
    status: o.status,
    schema_version: o.schemaVersion,
    attributes: o.attributes,
    sensitive_attributes: o.sensitiveAttributes,
    identity_schema_version: o.identitySchemaVersion,
    identity: o.identity,
    private: o.private,
    dependencies: o.dependencies,
    create_before_destroy: o.createBeforeDestroy,
  };
}

export interface DecodedJournal {
  entries: JournalEntry[];
  /** Bytes at the end that were not a complete, intact line (a write torn by a crash); they are ignored. */
  tornBytes: number;
}

/**
 * Parses journal text. The last line may be torn (no newline, bad JSON or bad CRC): it is ignored and counted
 * in `tornBytes`, since it was never acknowledged. A damaged line followed by intact ones is not a torn append:
 * that throws `StateError` naming the file and line, because acknowledged changes would be lost by skipping it.
 */
export function decodeJournal(text: string, file: string): DecodedJournal {
  const entries: JournalEntry[] = [];
  const lines = text.split("\n");
  // After the final "\n" comes "" for a clean file, or an unterminated (torn) fragment.
  const last = lines.pop() ?? "";
  let tornBytes = Buffer.byteLength(last);
  let badLine: { index: number; why: string; bytes: number } | undefined;
  lines.forEach((line, i) => {
    if (badLine) {
      if (line.trim() !== "" && decodeLine(line, file, i + 1).entry) {
        throw new StateError(
          `${file}:${badLine.index + 1}: journal line is damaged (${badLine.why}) but intact lines follow it; ` +
            "this is not a torn append, so replaying would silently drop acknowledged changes. Inspect the file.",
        );
      }
      badLine.bytes += Buffer.byteLength(line) + 1;
      return;
    }
    const r = decodeLine(line, file, i + 1);
    if (r.entry) entries.push(r.entry);
    else badLine = { index: i, why: r.why, bytes: Buffer.byteLength(line) + 1 };
  });
  if (badLine) tornBytes += badLine.bytes;
  return { entries, tornBytes };
}

function decodeLine(line: string, file: string, lineNo: number): { entry: JournalEntry; why?: undefined } | { entry?: undefined; why: string } {
  const m = CRC_TAIL.exec(line);
  if (!m) return { why: "no crc" };
  const body = line.slice(0, m.index) + "}";
  if (crc32(body).toString(16).padStart(8, "0") !== m[1]) return { why: "crc mismatch" };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { why: "not JSON" };
  }
  // Past the CRC the line is exactly what we wrote; a shape error here is a bug or a hand edit: say so loudly.
  const where = `${file}:${lineNo}`;
  const seq = raw.seq;
  const lineage = raw.lineage;
  const baseSerial = raw.base_serial;
  if (typeof seq !== "number" || typeof lineage !== "string" || typeof baseSerial !== "number") {
    throw new StateError(`${where}: journal line lacks seq, lineage or base_serial`);
  }
  return { entry: { seq, lineage, baseSerial, change: decodeChange(raw, where) } };
}

function decodeChange(raw: Record<string, unknown>, where: string): JournalChange {
  const str = (k: string): string => {
    const v = raw[k];
    if (typeof v !== "string") throw new StateError(`${where}: journal field "${k}" must be a string`);
    return v;
  };
  const optStr = (k: string): string | undefined => (raw[k] === undefined ? undefined : str(k));
  const addr = (): string => {
    const a = str("addr");
    try {
      return formatInstanceAddress(parseInstanceAddress(a));
    } catch (e) {
      throw new StateError(`${where}: ${(e as Error).message}`);
    }
  };
  const op = str("op");
  switch (op) {
    case "set":
      return { op, addr: addr(), provider: str("provider"), ...opt("deposed", optStr("deposed")), object: parseInstanceObject(raw.object, `${where}: object`) };
    case "remove":
      return { op, addr: addr(), ...opt("deposed", optStr("deposed")) };
    case "set_output": {
      const o = raw.output as { value?: JsonValue; type?: JsonValue; sensitive?: unknown } | undefined;
      if (!o || typeof o !== "object" || !("value" in o) || !("type" in o)) throw new StateError(`${where}: output needs value and type`);
      return { op, name: str("name"), output: { value: o.value as JsonValue, type: o.type as JsonValue, sensitive: o.sensitive === true } };
    }
    case "remove_output":
      return { op, name: str("name") };
    case "pending_create":
      return { op, addr: addr(), id: str("id"), ...opt("provider", optStr("provider")), at: str("at") };
    case "pending_clear":
      return { op, addr: addr() };
    default:
      throw new StateError(`${where}: unknown journal op ${JSON.stringify(op)}`);
  }
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: string };
}

/**
 * Applies one change to `state` and the pending-create table; the state keeps `change.object` itself, so the
 * caller must hand over an object nobody else will modify. Every change is absolute (a whole object, a
 * removal), so applying an entry twice gives the same result as once. A set or remove of an address settles
 * its pending create.
 */
export function applyJournalChange(state: State, pending: Map<string, PendingCreate>, change: JournalChange, seq: number): void {
  switch (change.op) {
    case "set":
      // Adopted, not copied: the change owns its object (decoded fresh, or copied by the session) and nobody
      // modifies it afterwards; the journal line is encoded from the same object.
      state.adoptInstance(parseInstanceAddress(change.addr), change.object, { provider: change.provider, ...(change.deposed ? { deposed: change.deposed } : {}) });
      if (!change.deposed) pending.delete(change.addr);
      return;
    case "remove":
      state.removeInstance(change.addr, change.deposed ? { deposed: change.deposed } : {});
      if (!change.deposed) pending.delete(change.addr);
      return;
    case "set_output":
      state.setOutput(change.name, change.output);
      return;
    case "remove_output":
      state.removeOutput(change.name);
      return;
    case "pending_create":
      pending.set(change.addr, { address: change.addr, id: change.id, ...(change.provider ? { provider: change.provider } : {}), recordedAt: change.at, seq });
      return;
    case "pending_clear":
      pending.delete(change.addr);
      return;
    default:
      assertNever(change);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
