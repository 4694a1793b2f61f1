import { crc32 } from "node:zlib";
import { assertNever } from "./errors.js";

/**
 * The CDP journal's on-disk record framing. Every record is
 *   magic u32 | payload length u32 | crc32(payload) u32 | payload
 * (little-endian), and a payload starts with its type byte:
 *   1 write: u16 uuid length | uuid (utf8) | f64 offset | data
 *   2 point: f64 groupId | f64 timestamp (epoch ms)
 * A reader stops at the first frame whose magic, length or crc is wrong: that is the torn tail of a crash.
 */
export const RECORD_MAGIC = 0x31504443; // "CDP1"
export const HEADER_BYTES = 12;
/** Largest payload accepted when reading; a length above it is treated as garbage, not allocated. */
export const MAX_PAYLOAD = 256 * 1024 * 1024;

export type JournalRecord =
  | { type: "write"; volumeUuid: string; offset: number; data: Buffer }
  | { type: "point"; groupId: number; timestamp: number };

export function encodeRecord(r: JournalRecord): Buffer {
  let payload: Buffer;
  switch (r.type) {
    case "write": {
      const uuid = Buffer.from(r.volumeUuid, "utf8");
      payload = Buffer.allocUnsafe(1 + 2 + uuid.length + 8 + r.data.length);
      payload[0] = 1;
      payload.writeUInt16LE(uuid.length, 1);
      uuid.copy(payload, 3);
      payload.writeDoubleLE(r.offset, 3 + uuid.length);
      r.data.copy(payload, 11 + uuid.length);
      break;
    }
    case "point":
      payload = Buffer.allocUnsafe(17);
      payload[0] = 2;
      payload.writeDoubleLE(r.groupId, 1);
      payload.writeDoubleLE(r.timestamp, 9);
      break;
    default:
      return assertNever(r);
  }
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(RECORD_MAGIC, 0);
  header.writeUInt32LE(payload.length, 4);
  header.writeUInt32LE(crc32(payload), 8);
  return Buffer.concat([header, payload]);
}

export interface DecodedRecord {
  record: JournalRecord;
  /** Offset of the frame's first byte in the buffer. */
  start: number;
  /** Offset just past the frame. */
  end: number;
}

export interface DecodeResult {
  records: DecodedRecord[];
  /** Offset just past the last valid frame: where a torn tail starts (or the buffer's length). */
  validEnd: number;
  /** Why decoding stopped before the buffer's end, if it did. */
  stoppedBecause?: string;
}

/** Decodes frames from `buf` until its end or the first invalid frame. Pure; never throws on bad input. */
export function decodeRecords(buf: Buffer): DecodeResult {
  const records: DecodedRecord[] = [];
  let pos = 0;
  const stop = (why: string): DecodeResult => ({ records, validEnd: pos, stoppedBecause: `${why} at byte ${pos}` });
  while (pos < buf.length) {
    if (buf.length - pos < HEADER_BYTES) return stop("truncated header");
    if (buf.readUInt32LE(pos) !== RECORD_MAGIC) return stop("bad magic");
    const len = buf.readUInt32LE(pos + 4);
    if (len > MAX_PAYLOAD || len < 1) return stop("implausible length");
    if (buf.length - pos - HEADER_BYTES < len) return stop("truncated payload");
    const payload = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + len);
    if (crc32(payload) !== buf.readUInt32LE(pos + 8)) return stop("crc mismatch");
    const record = parsePayload(payload);
    if (!record) return stop("unknown record type");
    records.push({ record, start: pos, end: pos + HEADER_BYTES + len });
    pos += HEADER_BYTES + len;
  }
  return { records, validEnd: pos };
}

function parsePayload(p: Buffer): JournalRecord | undefined {
  switch (p[0]) {
    case 1: {
      if (p.length < 11) return undefined;
      const n = p.readUInt16LE(1);
      if (p.length < 11 + n) return undefined;
      return { type: "write", volumeUuid: p.toString("utf8", 3, 3 + n), offset: p.readDoubleLE(3 + n), data: p.subarray(11 + n) };
    }
    case 2:
      if (p.length !== 17) return undefined;
      return { type: "point", groupId: p.readDoubleLE(1), timestamp: p.readDoubleLE(9) };
    default:
      return undefined;
  }
}
