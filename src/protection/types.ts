import type { Json } from "../plan/plan.js";
import type { ProviderRegistry } from "../plan/providers.js";
import type { ProtectionFact } from "../sdk/protection.js";
import type { SdkObject } from "../sdk/value.js";

/** What the protection model needs to know of resource types, found through the providers' hooks. */
export interface ProtectionTypes {
  /** The facts of an object of `type`, or undefined when the type protects nothing. */
  facts(type: string, attrs: Json): ProtectionFact[] | undefined;
  /** The object's id (its inventory id attribute), or null when unknown. */
  idOf(type: string, attrs: Json): string | null;
}

/** ProtectionTypes over every provider of a registry (types are unique across providers). */
export function protectionTypes(registry: ProviderRegistry): ProtectionTypes {
  const find = (type: string) => {
    for (const p of registry.all()) {
      const r = p.resources.get(type);
      if (r) return r;
    }
    return undefined;
  };
  return {
    facts(type, attrs) {
      const r = find(type);
      if (!r?.protection || attrs === null || typeof attrs !== "object" || Array.isArray(attrs)) return undefined;
      return r.protection.facts(attrs as SdkObject);
    },
    idOf(type, attrs) {
      const key = find(type)?.inventory?.idAttribute ?? "id";
      const v = attrs !== null && typeof attrs === "object" && !Array.isArray(attrs) ? attrs[key] : undefined;
      return typeof v === "string" && v !== "" ? v : null;
    },
  };
}
