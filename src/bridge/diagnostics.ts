/** tfplugin6 diagnostics and attribute paths, as grpc-js takes them. */

export interface ProtoStep {
  attribute_name?: string;
  element_key_string?: string;
  element_key_int?: number;
}

export interface ProtoDiagnostic {
  severity: 1 | 2;
  summary: string;
  detail: string;
  attribute?: { steps: ProtoStep[] };
}

/** An attribute path (`["scheduled_operation", 0, "name"]`) as AttributePath steps. */
export function attributePath(path: readonly (string | number)[]): { steps: ProtoStep[] } {
  return { steps: path.map((p) => (typeof p === "number" ? { element_key_int: p } : { attribute_name: p })) };
}

export function errorDiagnostic(summary: string, detail: string, path?: readonly (string | number)[]): ProtoDiagnostic {
  return { severity: 1, summary, detail, ...(path && path.length ? { attribute: attributePath(path) } : {}) };
}

/** The message of anything thrown, for a diagnostic's detail. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
