import { z } from "zod";
import { AddressError, formatModulePath, parseInstanceAddress, type InstanceAddress, type ResourceMode } from "./address.js";
import { canonicalJson, Ordered } from "./canonical-json.js";
import { State, StateError, type CheckResult, type InstanceObject, type JsonObject, type JsonValue, type PathStep, type ResourceState } from "./state.js";

/**
 * Terraform state format version 4: the JSON of `terraform.tfstate`. `decodeStateV4` reads what Terraform
 * (0.12 through 1.11+) writes; `encodeStateV4` writes what Terraform reads, byte for byte in its layout.
 */

// Values come from JSON.parse, so they are JSON by construction; State checks them again on the way in.
const json = z.unknown();

const pathStep = z.discriminatedUnion("type", [
  z.object({ type: z.literal("get_attr"), value: z.string() }),
  z.object({ type: z.literal("index"), value: json }),
]);

const instanceV4 = z.object({
  index_key: z.union([z.number().int(), z.string()]).nullish(),
  status: z.enum(["", "tainted"]).optional(),
  deposed: z.string().regex(/^[0-9a-f]{8}$/, "a deposed key is 8 hex digits").optional(),
  schema_version: z.number().int().nonnegative(),
  // An object of anything: z.looseObject passes the keys through without visiting each (a third of the decode
  // time of a 10,000-instance state with z.record).
  attributes: z.looseObject({}).optional(),
  attributes_flat: z.record(z.string(), z.string()).optional(),
  sensitive_attributes: z.array(z.array(pathStep)).nullish(),
  identity_schema_version: z.number().int().nonnegative().optional(),
  identity: json.optional(),
  private: z.string().base64().optional(),
  dependencies: z.array(z.string()).nullish(),
  create_before_destroy: z.boolean().optional(),
});

const resourceV4 = z.object({
  module: z.string().optional(),
  mode: z.enum(["managed", "data"]),
  type: z.string().min(1),
  name: z.string().min(1),
  each: z.enum(["list", "map"]).optional(),
  provider: z.string().min(1),
  instances: z.array(instanceV4),
});

const checkStatus = z.enum(["pass", "fail", "error", "unknown"]);
const checkResultV4 = z.object({
  object_kind: z.enum(["resource", "output", "check", "var"]),
  config_addr: z.string(),
  status: checkStatus,
  objects: z
    .array(z.object({ object_addr: z.string(), status: checkStatus, failure_messages: z.array(z.string()).optional() }))
    .nullish(),
});

const stateV4 = z.object({
  version: z.literal(4),
  terraform_version: z.string(),
  serial: z.number().int().nonnegative(),
  lineage: z.string(),
  outputs: z.record(z.string(), z.object({ value: json, type: json, sensitive: z.boolean().optional() })).nullish(),
  resources: z.array(resourceV4).nullish(),
  check_results: z.array(checkResultV4).nullish(),
});

type InstanceV4 = z.infer<typeof instanceV4>;
type StateV4 = z.infer<typeof stateV4>;

/**
 * Parses state file text. `file` names the source in errors. Throws `StateError` with the file and the JSON path
 * of the first problem (e.g. `terraform.tfstate: resources[2].instances[0].schema_version: expected number`).
 */
export function decodeStateV4(text: string, file = "terraform.tfstate"): State {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StateError(`${file}: not valid JSON: ${(e as Error).message}`);
  }
  const version = typeof raw === "object" && raw !== null ? (raw as { version?: unknown }).version : undefined;
  if (typeof version === "number" && version !== 4) {
    throw new StateError(
      `${file}: state format version ${version} is not supported (backplan reads version 4, written by Terraform 0.12 and later)`,
    );
  }
  const sv = isPlainStateV4(raw) ? raw : checkedStateV4(raw, file);
  const state = new State({ lineage: sv.lineage, serial: sv.serial, terraformVersion: sv.terraform_version });
  for (const [name, o] of Object.entries(sv.outputs ?? {})) {
    located(`${file}: outputs.${name}`, () =>
      state.setOutput(name, { value: o.value as JsonValue, type: o.type as JsonValue, sensitive: o.sensitive ?? false }),
    );
  }
  const resources = sv.resources ?? [];
  for (let ri = 0; ri < resources.length; ri++) {
    const r = resources[ri]!;
    // Messages only: built when something is wrong, not once per resource and instance of a large state.
    const where = () => `${file}: resources[${ri}]`;
    let module: InstanceAddress["module"] = [];
    if (r.module) {
      try {
        module = parseInstanceAddress(`${r.module}.x.y`).module;
      } catch (e) {
        throw new StateError(`${where()}.module: ${(e as AddressError).message}`);
      }
    }
    const seen = r.instances.length > 1 ? new Set<string>() : undefined;
    for (let ii = 0; ii < r.instances.length; ii++) {
      const inst = r.instances[ii]!;
      const key = inst.index_key ?? undefined;
      const addr: InstanceAddress = key === undefined ? { module, mode: r.mode as ResourceMode, type: r.type, name: r.name } : { module, mode: r.mode as ResourceMode, type: r.type, name: r.name, key };
      if (seen) {
        const dup = `${String(key)}/${inst.deposed ?? ""}`;
        if (seen.has(dup)) {
          throw new StateError(`${where()}.instances[${ii}]: instance ${JSON.stringify(key ?? null)}${inst.deposed ? ` deposed ${inst.deposed}` : ""} appears more than once`);
        }
        seen.add(dup);
      }
      try {
        state.adoptInstance(addr, decodeInstanceObject(inst), inst.deposed ? { provider: r.provider, deposed: inst.deposed } : { provider: r.provider });
      } catch (e) {
        if (e instanceof StateError) throw new StateError(`${where()}.instances[${ii}]: ${e.message}`);
        throw e;
      }
    }
    if (r.each) state.setEachMode({ module, mode: r.mode, type: r.type, name: r.name }, r.each);
  }
  if (sv.check_results) {
    state.setCheckResults(
      sv.check_results.map((c) => ({
        objectKind: c.object_kind,
        configAddr: c.config_addr,
        status: c.status,
        objects: (c.objects ?? []).map((o) => ({
          objectAddr: o.object_addr,
          status: o.status,
          ...(o.failure_messages ? { failureMessages: o.failure_messages } : {}),
        })),
      })),
    );
  }
  return state;
}

/** The state through the zod schema: its copy of the document, or a `StateError` naming the first problem. */
function checkedStateV4(raw: unknown, file: string): StateV4 {
  const parsed = stateV4.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? formatPath(issue.path) : "";
    throw new StateError(`${file}: invalid state: ${where ? `${where}: ` : ""}${issue?.message ?? "unknown error"}`);
  }
  return parsed.data;
}

/**
 * Whether a parsed document is, as it is, what `stateV4` accepts, with nothing its parse would change (no
 * keys it would strip where the decoder copies whole objects). Then the decoder reads it in place: the zod parse
 * copied every resource and instance object of the document, a third of decoding a 100,000-instance state and
 * 100 MB of garbage. Strict where unsure (an unusual `private` string, extra keys in a path step): false sends
 * the document through the zod schema, which accepts or names the problem as before.
 */
function isPlainStateV4(raw: unknown): raw is StateV4 {
  if (!isRecord(raw)) return false;
  if (raw["version"] !== 4 || typeof raw["terraform_version"] !== "string" || !isCount(raw["serial"]) || typeof raw["lineage"] !== "string") return false;
  const outputs = raw["outputs"];
  if (outputs != null) {
    if (!isRecord(outputs)) return false;
    for (const k in outputs) {
      const o = outputs[k];
      if (!isRecord(o) || !("value" in o) || !("type" in o) || !optional(o["sensitive"], "boolean")) return false;
    }
  }
  const resources = raw["resources"];
  if (resources != null) {
    if (!Array.isArray(resources)) return false;
    for (const r of resources) if (!isPlainResource(r)) return false;
  }
  const checks = raw["check_results"];
  if (checks != null) {
    if (!Array.isArray(checks)) return false;
    for (const c of checks) if (!isPlainCheckResult(c)) return false;
  }
  return true;
}

function isPlainResource(r: unknown): boolean {
  if (!isRecord(r)) return false;
  const mode = r["mode"];
  if (mode !== "managed" && mode !== "data") return false;
  if (!isNonEmpty(r["type"]) || !isNonEmpty(r["name"]) || !isNonEmpty(r["provider"]) || !optional(r["module"], "string")) return false;
  const each = r["each"];
  if (each !== undefined && each !== "list" && each !== "map") return false;
  const instances = r["instances"];
  if (!Array.isArray(instances)) return false;
  for (const i of instances) if (!isPlainInstance(i)) return false;
  return true;
}

// A strict subset of what zod's base64 check accepts (whole quads, padding only at the end).
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isPlainInstance(i: unknown): boolean {
  if (!isRecord(i)) return false;
  const key = i["index_key"];
  if (key != null && typeof key !== "string" && !Number.isSafeInteger(key)) return false;
  const status = i["status"];
  if (status !== undefined && status !== "" && status !== "tainted") return false;
  const deposed = i["deposed"];
  if (deposed !== undefined && (typeof deposed !== "string" || !/^[0-9a-f]{8}$/.test(deposed))) return false;
  if (!isCount(i["schema_version"])) return false;
  const attributes = i["attributes"];
  if (attributes !== undefined && !isRecord(attributes)) return false;
  const flat = i["attributes_flat"];
  if (flat !== undefined) {
    if (!isRecord(flat)) return false;
    for (const k in flat) if (typeof flat[k] !== "string") return false;
  }
  const sensitive = i["sensitive_attributes"];
  if (sensitive != null) {
    if (!Array.isArray(sensitive)) return false;
    for (const path of sensitive) {
      if (!Array.isArray(path)) return false;
      for (const step of path) if (!isPlainPathStep(step)) return false;
    }
  }
  const isv = i["identity_schema_version"];
  if (isv !== undefined && !isCount(isv)) return false;
  const priv = i["private"];
  if (priv !== undefined && (typeof priv !== "string" || !BASE64.test(priv))) return false;
  const deps = i["dependencies"];
  if (deps != null) {
    if (!Array.isArray(deps)) return false;
    for (const d of deps) if (typeof d !== "string") return false;
  }
  return optional(i["create_before_destroy"], "boolean");
}

/** `{type, value}` and nothing else (zod would strip other keys from the copy the state keeps). */
function isPlainPathStep(step: unknown): boolean {
  if (!isRecord(step) || !("value" in step) || Object.keys(step).length !== 2) return false;
  return step["type"] === "index" || (step["type"] === "get_attr" && typeof step["value"] === "string");
}

const CHECK_STATUS = new Set(["pass", "fail", "error", "unknown"]);
const CHECK_KIND = new Set(["resource", "output", "check", "var"]);

function isPlainCheckResult(c: unknown): boolean {
  if (!isRecord(c) || !CHECK_KIND.has(c["object_kind"] as string) || typeof c["config_addr"] !== "string" || !CHECK_STATUS.has(c["status"] as string)) return false;
  const objects = c["objects"];
  if (objects == null) return true;
  if (!Array.isArray(objects)) return false;
  for (const o of objects) {
    if (!isRecord(o) || typeof o["object_addr"] !== "string" || !CHECK_STATUS.has(o["status"] as string)) return false;
    const messages = o["failure_messages"];
    if (messages !== undefined && (!Array.isArray(messages) || messages.some((m) => typeof m !== "string"))) return false;
  }
  return true;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A whole number ≥ 0 (zod's `z.number().int().nonnegative()`, kept to safe integers). */
function isCount(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isNonEmpty(v: unknown): boolean {
  return typeof v === "string" && v.length > 0;
}

function optional(v: unknown, type: "string" | "boolean"): boolean {
  return v === undefined || typeof v === type;
}

/** @internal For tests: the quick check beside the schema it must never be more lenient than. */
export const v4Checks = { isPlain: isPlainStateV4, schemaAccepts: (raw: unknown): boolean => stateV4.safeParse(raw).success };

/** The instance object of a v4 `instances[]` entry (shared with the journal, which stores the same shape). */
export function decodeInstanceObject(inst: InstanceV4): InstanceObject {
  const obj: InstanceObject = {
    schemaVersion: inst.schema_version,
    // attributes_flat is the pre-0.12 flatmap form; Terraform upgrades it through the provider. We keep the
    // strings as they are so nothing is lost on rewrite.
    attributes: (inst.attributes ?? (inst.attributes_flat as JsonObject | undefined) ?? {}) as JsonObject,
    // Empty lists (almost every instance's) share one frozen array: nothing changes a stored object in place.
    sensitiveAttributes: (inst.sensitive_attributes?.length ? inst.sensitive_attributes : NO_PATHS) as PathStep[][],
    dependencies: inst.dependencies?.length ? inst.dependencies : (NO_DEPENDENCIES as string[]),
  };
  if (inst.identity_schema_version !== undefined) obj.identitySchemaVersion = inst.identity_schema_version;
  if (inst.identity !== undefined) obj.identity = inst.identity as JsonValue;
  if (inst.private) obj.private = inst.private;
  if (inst.status === "tainted") obj.status = "tainted";
  if (inst.create_before_destroy) obj.createBeforeDestroy = true;
  return obj;
}

const NO_PATHS: readonly PathStep[][] = Object.freeze([]);
const NO_DEPENDENCIES: readonly string[] = Object.freeze([]);

/** Validates and decodes one v4 instance object from untrusted JSON (the journal's `object` field). */
export function parseInstanceObject(raw: unknown, where: string): InstanceObject {
  const parsed = instanceV4.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StateError(`${where}: ${issue ? formatPath(issue.path) + ": " : ""}${issue?.message ?? "invalid"}`);
  }
  return decodeInstanceObject(parsed.data);
}

/**
 * The v4 JSON layout of one instance object, keys in Terraform's order. `key` and `deposed` are the instance
 * key and deposed key when writing a state file; the journal leaves them out.
 */
export function instanceObjectV4(obj: InstanceObject, key?: number | string, deposed?: string): Ordered {
  return new Ordered([
    ["index_key", key],
    ["status", obj.status],
    ["deposed", deposed],
    ["schema_version", obj.schemaVersion],
    ["attributes", obj.attributes],
    ["sensitive_attributes", obj.sensitiveAttributes.map((p) => p.map((s) => new Ordered([["type", s.type], ["value", s.value]])))],
    ["identity_schema_version", obj.identitySchemaVersion || undefined],
    ["identity", obj.identity],
    ["private", obj.private || undefined],
    ["dependencies", obj.dependencies.length > 0 ? obj.dependencies : undefined],
    ["create_before_destroy", obj.createBeforeDestroy || undefined],
  ]);
}

/** Serialises `state` as Terraform 1.x writes a v4 state file, trailing newline included. */
export function encodeStateV4(state: State): string {
  return canonicalJson(documentV4(state, state.resourcesView().map(resourceObjectV4))) + "\n";
}

/**
 * Writes the same bytes as `encodeStateV4`, but keeps each resource's encoded text and re-encodes only resources
 * changed since the last call (by `State.resourceRevisions`). The state session folds through one of these: a
 * fold of a 100,000-resource state after a few thousand changes then encodes those, not the 100 MB again (the
 * encoder, its HTML escaping and the string-to-bytes copy were most of an apply's CPU). Holds the encoded bytes
 * of every resource (about the size of the state file) for as long as it lives.
 */
export class CachedV4Encoder {
  private cache = new WeakMap<object, { rev: number; bytes: Buffer }>();

  encode(state: State): Buffer {
    const text = canonicalJson(documentV4(state, [])) + "\n";
    const at = text.indexOf(EMPTY_RESOURCES);
    // Top-level keys are the only ones indented by two spaces, and JSON strings hold no raw newline: unique.
    if (at < 0) throw new Error("internal error: no resources key in the encoded state");
    const revisions = state.resourceRevisions();
    if (revisions.length === 0) return Buffer.from(text, "utf8");
    const parts: Buffer[] = [Buffer.from(text.slice(0, at) + '\n  "resources": [\n    ', "utf8")];
    const separator = Buffer.from(",\n    ", "utf8");
    for (let i = 0; i < revisions.length; i++) {
      const r = revisions[i]!;
      let hit = this.cache.get(r.entry);
      if (!hit || hit.rev !== r.rev) {
        // Encoded alone, then indented to its place in the `resources` array.
        const json = canonicalJson(resourceObjectV4(r.view())).replace(/\n/g, "\n    ");
        hit = { rev: r.rev, bytes: Buffer.from(json, "utf8") };
        this.cache.set(r.entry, hit);
      }
      if (i > 0) parts.push(separator);
      parts.push(hit.bytes);
    }
    parts.push(Buffer.from("\n  ]" + text.slice(at + EMPTY_RESOURCES.length), "utf8"));
    return Buffer.concat(parts);
  }

  /** Forgets every encoded resource (memory back; the next `encode` writes them all again). */
  clear(): void {
    this.cache = new WeakMap();
  }
}

const EMPTY_RESOURCES = '\n  "resources": []';

function resourceObjectV4(r: Readonly<ResourceState>): Ordered {
  const instances: Ordered[] = [];
  for (const i of r.instances) {
    if (i.current) instances.push(instanceObjectV4(i.current, i.key));
    for (const [dk, obj] of Object.entries(i.deposed)) instances.push(instanceObjectV4(obj, i.key, dk));
  }
  return new Ordered([
    ["module", r.address.module.length > 0 ? formatModulePath(r.address.module) : undefined],
    ["mode", r.address.mode],
    ["type", r.address.type],
    ["name", r.address.name],
    ["each", r.each],
    ["provider", r.provider],
    ["instances", instances],
  ]);
}

function documentV4(state: State, resources: Ordered[]): Ordered {
  const outputs = Object.fromEntries(
    [...state.outputsView()].map(([name, o]) => [
      name,
      new Ordered([
        ["value", o.value],
        ["type", o.type],
        ["sensitive", o.sensitive || undefined],
      ]),
    ]),
  );
  const checks = state.checkResults();
  return new Ordered([
    ["version", 4],
    ["terraform_version", state.terraformVersion],
    ["serial", state.serial],
    ["lineage", state.lineage],
    ["outputs", outputs],
    ["resources", resources],
    ["check_results", checks && checks.length > 0 ? checks.map(encodeCheckResult) : null],
  ]);
}

function encodeCheckResult(c: CheckResult): Ordered {
  return new Ordered([
    ["object_kind", c.objectKind],
    ["config_addr", c.configAddr],
    ["status", c.status],
    [
      "objects",
      c.objects.length > 0
        ? c.objects.map((o) => new Ordered([["object_addr", o.objectAddr], ["status", o.status], ["failure_messages", o.failureMessages?.length ? o.failureMessages : undefined]]))
        : null,
    ],
  ]);
}

/** Runs `fn`, prefixing the message of a `StateError` it throws with `where`. */
function located(where: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof StateError) throw new StateError(`${where}: ${e.message}`);
    throw e;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}
