/**
 * Resource instance addresses as the state needs them: `zstack_cdp_task.web`, `x.y[0]`, `data.x.y`,
 * `module.a["k"].module.b[1].x.y["k"]`. Deliberately minimal and pure; src/addrs is the full address model.
 */

export type IndexKey = number | string;
export type ResourceMode = "managed" | "data";

export interface ModuleStep {
  readonly name: string;
  readonly key?: IndexKey;
}

/** A resource (all of its instances) in one module instance. */
export interface ResourceAddress {
  /** Module instance path from the root; empty for the root module. */
  readonly module: readonly ModuleStep[];
  readonly mode: ResourceMode;
  readonly type: string;
  readonly name: string;
}

/** One instance of a resource: `key` is the count index or for_each key, absent for a single instance. */
export interface InstanceAddress extends ResourceAddress {
  readonly key?: IndexKey;
}

export class AddressError extends Error {
  constructor(
    readonly text: string,
    detail: string,
  ) {
    super(`invalid resource instance address ${JSON.stringify(text)}: ${detail}`);
    this.name = "AddressError";
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** Parses an instance address; throws `AddressError` saying where and why the text is not one. */
export function parseInstanceAddress(text: string): InstanceAddress {
  const p = new Parser(text);
  const module: ModuleStep[] = [];
  while (p.peekWord() === "module") {
    p.word("module");
    p.expect(".");
    const name = p.ident("module name");
    const key = p.optionalKey();
    module.push(key === undefined ? { name } : { name, key });
    p.expect(".");
  }
  let mode: ResourceMode = "managed";
  if (p.peekWord() === "data" && p.rest().startsWith("data.")) {
    p.word("data");
    p.expect(".");
    mode = "data";
  }
  const type = p.ident("resource type");
  p.expect(".");
  const name = p.ident("resource name");
  const key = p.optionalKey();
  p.end();
  return key === undefined ? { module, mode, type, name } : { module, mode, type, name, key };
}

/** Parses an address that must name a whole resource (no instance key on the resource itself). */
export function parseResourceAddress(text: string): ResourceAddress {
  const a = parseInstanceAddress(text);
  if (a.key !== undefined) throw new AddressError(text, "expected a resource address without an instance key");
  return { module: a.module, mode: a.mode, type: a.type, name: a.name };
}

/** Formats a module instance path: `module.a["k"].module.b`, or "" for the root module. */
export function formatModulePath(module: readonly ModuleStep[]): string {
  return module.map((m) => `module.${m.name}${formatKey(m.key)}`).join(".");
}

export function formatResourceAddress(a: ResourceAddress): string {
  const mod = formatModulePath(a.module);
  const res = `${a.mode === "data" ? "data." : ""}${a.type}.${a.name}`;
  return mod === "" ? res : `${mod}.${res}`;
}

export function formatInstanceAddress(a: InstanceAddress): string {
  return formatResourceAddress(a) + formatKey(a.key);
}

/** `[0]`, `["k"]` (HCL string escapes), or "" for no key. */
export function formatKey(key: IndexKey | undefined): string {
  if (key === undefined) return "";
  if (typeof key === "number") return `[${key}]`;
  return `[${quoteHcl(key)}]`;
}

function quoteHcl(s: string): string {
  // Function replacements: in a replacement string "$$" would mean a single "$".
  return JSON.stringify(s)
    .replaceAll("${", () => "$${")
    .replaceAll("%{", () => "%%{");
}

/** Accepts either form and returns the parsed address. */
export function toInstanceAddress(addr: string | InstanceAddress): InstanceAddress {
  return typeof addr === "string" ? parseInstanceAddress(addr) : addr;
}

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  rest(): string {
    return this.text.slice(this.pos);
  }

  peekWord(): string | undefined {
    return IDENT.exec(this.rest())?.[0];
  }

  word(w: string): void {
    if (this.peekWord() !== w) this.fail(`expected "${w}"`);
    this.pos += w.length;
  }

  ident(what: string): string {
    const m = IDENT.exec(this.rest());
    if (!m) this.fail(`expected a ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  expect(c: string): void {
    if (!this.rest().startsWith(c)) this.fail(`expected "${c}"`);
    this.pos += c.length;
  }

  optionalKey(): IndexKey | undefined {
    if (!this.rest().startsWith("[")) return undefined;
    this.pos++;
    let key: IndexKey;
    const rest = this.rest();
    const num = /^(0|[1-9][0-9]*)/.exec(rest);
    if (num) {
      key = Number(num[0]);
      if (!Number.isSafeInteger(key)) this.fail("index is too large");
      this.pos += num[0].length;
    } else if (rest.startsWith('"')) {
      key = this.quoted();
    } else {
      this.fail("expected a number or a quoted string in [ ]");
    }
    this.expect("]");
    return key;
  }

  private quoted(): string {
    // HCL quoted string: JSON escapes plus $${ and %%{ for literal ${ and %{.
    let i = this.pos + 1;
    let raw = "";
    while (i < this.text.length && this.text[i] !== '"') {
      if (this.text[i] === "\\") {
        raw += this.text.slice(i, i + 2);
        i += 2;
      } else {
        raw += this.text[i];
        i++;
      }
    }
    if (i >= this.text.length) this.fail("unterminated string key");
    let value: string;
    try {
      value = JSON.parse(`"${raw}"`) as string;
    } catch {
      this.fail("invalid escape in string key");
    }
    this.pos = i + 1;
    return value.replaceAll("$${", () => "${").replaceAll("%%{", () => "%{");
  }

  end(): void {
    if (this.pos !== this.text.length) this.fail(`unexpected "${this.rest()}"`);
  }

  fail(detail: string): never {
    throw new AddressError(this.text, `${detail} at offset ${this.pos}`);
  }
}
