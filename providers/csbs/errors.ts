import { ApiError, type ApiName } from "../http/errors.js";
import { asObject, str } from "../http/json.js";
import { parseJson, type HttpResponse } from "../http/transport.js";

/**
 * The ApiError for a failed CSBS/Keystone reply. Understands CSBS (`{error_code, error_msg}`), Karbor
 * (`{"itemNotFound": {code, message}}`) and Keystone (`{"error": {code, message, title}}`) bodies, else the text.
 */
export function apiErrorOf(api: ApiName, res: HttpResponse, method: string, path: string): ApiError {
  const body = asObject(parseJson(res.text));
  if (body) {
    const code = str(body, "error_code") ?? str(body, "code");
    const msg = str(body, "error_msg") ?? str(body, "message");
    if (code && msg !== null) return new ApiError(api, code, msg, method, path, res.status);
    for (const [fault, inner] of Object.entries(body)) {
      const o = asObject(inner);
      if (!o) continue;
      const message = str(o, "message") ?? str(o, "error_msg") ?? str(o, "description") ?? "";
      const innerCode = str(o, "error_code") ?? (typeof o["code"] === "string" ? (o["code"] as string) : null);
      return new ApiError(api, innerCode ?? `${fault === "error" ? "HTTP" : fault}.${res.status}`, message || JSON.stringify(o), method, path, res.status);
    }
  }
  return new ApiError(api, `HTTP.${res.status}`, res.text.trim().slice(0, 500) || `HTTP ${res.status}`, method, path, res.status);
}
