/**
 * IP network functions: `cidrhost`, `cidrnetmask`, `cidrsubnet`, `cidrsubnets`, for IPv4 and IPv6 prefixes.
 * Addresses are handled as BigInts so IPv6 arithmetic is exact.
 */
import { listOf, NUMBER, STRING, type Type } from "../types.js";
import { FunctionError, type FunctionDef, type Param } from "./signature.js";

const p = (name: string, type: Type): Param => ({ name, type });

interface Prefix {
  /** The network address (host bits cleared). */
  network: bigint;
  /** Prefix length. */
  length: number;
  /** 32 for IPv4, 128 for IPv6. */
  bits: number;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) return undefined;
  return parts.reduce((acc, x) => (acc << 8n) | BigInt(Number(x)), 0n);
}

function parseV6(s: string): bigint | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0 || (halves.length === 2 && missing < 1)) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function parsePrefix(s: string, argIndex: number): Prefix {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const bad = () => new FunctionError(`invalid CIDR expression: ${JSON.stringify(s)} is not an address with a prefix length, like "10.0.0.0/16"`, argIndex);
  if (!m) throw bad();
  const v4 = parseV4(m[1]!);
  const addr = v4 ?? parseV6(m[1]!);
  if (addr === undefined) throw bad();
  const bits = v4 !== undefined ? 32 : 128;
  const length = Number(m[2]);
  if (length > bits) throw bad();
  const hostBits = BigInt(bits - length);
  return { network: (addr >> hostBits) << hostBits, length, bits };
}

function formatAddress(addr: bigint, bits: number): string {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 255n)).join(".");
  const groups = Array.from({ length: 8 }, (_, i) => Number((addr >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups becomes "::" (the first such run on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

function wholeNumber(n: number, argIndex: number, what: string): bigint {
  if (!Number.isInteger(n)) throw new FunctionError(`${what} must be a whole number`, argIndex);
  return BigInt(n);
}

function subnet(prefix: Prefix, newbits: number, netnum: bigint, argIndex: number): Prefix {
  const length = prefix.length + newbits;
  if (newbits < 0) throw new FunctionError("must extend the prefix length by at least zero bits", argIndex);
  if (length > prefix.bits) {
    throw new FunctionError(`insufficient address space to extend prefix of ${prefix.length} by ${newbits}`, argIndex);
  }
  const max = 1n << BigInt(newbits);
  if (netnum < 0n || netnum >= max) throw new FunctionError(`prefix extension of ${newbits} does not accommodate a subnet numbered ${netnum}`, argIndex + 1);
  return { network: prefix.network | (netnum << BigInt(prefix.bits - length)), length, bits: prefix.bits };
}

const show = (pfx: Prefix): string => `${formatAddress(pfx.network, pfx.bits)}/${pfx.length}`;

export const networkFunctions: Record<string, FunctionDef> = {
  cidrhost: {
    params: [p("prefix", STRING), p("hostnum", NUMBER)],
    returns: STRING,
    impl: ([pre, num]) => {
      const pfx = parsePrefix(pre as string, 0);
      const size = 1n << BigInt(pfx.bits - pfx.length);
      let host = wholeNumber(num as number, 1, "hostnum");
      if (host < 0n) host += size;
      if (host < 0n || host >= size) throw new FunctionError(`prefix of ${pfx.length} does not accommodate a host numbered ${num as number}`, 1);
      return formatAddress(pfx.network | host, pfx.bits);
    },
  },
  cidrnetmask: {
    params: [p("prefix", STRING)],
    returns: STRING,
    impl: ([pre]) => {
      const pfx = parsePrefix(pre as string, 0);
      if (pfx.bits !== 32) throw new FunctionError("only IPv4 networks have a netmask", 0);
      const mask = ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - pfx.length)) - 1n);
      return formatAddress(mask, 32);
    },
  },
  cidrsubnet: {
    params: [p("prefix", STRING), p("newbits", NUMBER), p("netnum", NUMBER)],
    returns: STRING,
    impl: ([pre, newbits, netnum]) =>
      show(subnet(parsePrefix(pre as string, 0), Number(wholeNumber(newbits as number, 1, "newbits")), wholeNumber(netnum as number, 2, "netnum"), 1)),
  },
  cidrsubnets: {
    params: [p("prefix", STRING)],
    variadic: p("newbits", NUMBER),
    returns: listOf(STRING),
    impl: ([pre, ...newbits]) => {
      const base = parsePrefix(pre as string, 0);
      const end = base.network + (1n << BigInt(base.bits - base.length));
      let next = base.network;
      return newbits.map((nb, i) => {
        const bits = Number(wholeNumber(nb as number, i + 1, "newbits"));
        const length = base.length + bits;
        if (bits < 1 || length > base.bits) throw new FunctionError(`would extend prefix to ${length} bits, which is too long for this address space`, i + 1);
        const size = 1n << BigInt(base.bits - length);
        const start = ((next + size - 1n) / size) * size; // the next boundary this size of block may start on
        if (start + size > end) throw new FunctionError(`not enough remaining address space for a subnet with a prefix of ${length} bits after ${formatAddress(next, base.bits)}`, i + 1);
        next = start + size;
        return `${formatAddress(start, base.bits)}/${length}`;
      });
    },
  },
};
