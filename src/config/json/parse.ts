/**
 * A JSON parser that keeps the source range of every value (JSON.parse does not), for the Terraform JSON
 * syntax. Strict RFC 8259 JSON; the first syntax error ends parsing with one diagnostic naming the place and
 * what was expected.
 */
import type { Diagnostic } from "../diagnostics.js";
import { LineIndex } from "../hcl/position.js";
import type { JsonArray, JsonNode, JsonObject, JsonProperty, JsonString } from "./value.js";

export interface JsonParseResult {
  value?: JsonNode;
  lines: LineIndex;
  diagnostics: Diagnostic[];
}

const MAX_DEPTH = 200;

class JsonSyntaxError extends Error {
  constructor(
    readonly at: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseJson(src: string, filename: string): JsonParseResult {
  const lines = new LineIndex(filename, src);
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;

  const ws = (): void => {
    for (;;) {
      const c = src.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const describe = (at: number): string => (at >= src.length ? "the end of the file" : JSON.stringify(src[at]));
  const fail = (expected: string): never => {
    throw new JsonSyntaxError(i, `Expected ${expected}, but found ${describe(i)}.`);
  };

  let depth = 0;
  const value = (): JsonNode => {
    ws();
    const s = i;
    const c = src.charCodeAt(i);
    if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) throw new JsonSyntaxError(i, `JSON values may nest at most ${MAX_DEPTH} levels deep: expected a flatter document.`);
      const v = c === 123 ? object() : array();
      depth--;
      return v;
    }
    if (c === 34) return string();
    if (c === 45 || (c >= 48 && c <= 57)) {
      const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
      m.lastIndex = i;
      const r = m.exec(src);
      if (!r || r[0] === "-") fail("a number");
      i += r![0].length;
      return { type: "number", value: Number(r![0]), text: r![0], range: lines.range(s, i) };
    }
    if (src.startsWith("true", i)) {
      i += 4;
      return { type: "bool", value: true, range: lines.range(s, i) };
    }
    if (src.startsWith("false", i)) {
      i += 5;
      return { type: "bool", value: false, range: lines.range(s, i) };
    }
    if (src.startsWith("null", i)) {
      i += 4;
      return { type: "null", range: lines.range(s, i) };
    }
    return fail("a JSON value (object, array, string, number, true, false or null)");
  };

  const string = (): JsonString => {
    const s = i;
    i++;
    let out = "";
    let chunk = i;
    let verbatim = true;
    for (;;) {
      if (i >= src.length) throw new JsonSyntaxError(s, 'This string has no closing quote: expected `"` before the end of the file.');
      const c = src.charCodeAt(i);
      if (c === 34) break;
      if (c < 32) throw new JsonSyntaxError(i, "Control characters (such as a newline) must be escaped inside JSON strings: expected `\\n`, `\\t`... or a closing quote.");
      if (c === 92) {
        verbatim = false;
        out += src.slice(chunk, i);
        const e = src[i + 1];
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
          i += 6;
        } else {
          throw new JsonSyntaxError(i, 'Invalid escape sequence in a JSON string: expected one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX.');
        }
        chunk = i;
        continue;
      }
      i++;
    }
    out += src.slice(chunk, i);
    i++;
    return { type: "string", value: out, range: lines.range(s, i), verbatim };
  };

  const array = (): JsonArray => {
    const s = i;
    i++;
    const items: JsonNode[] = [];
    ws();
    if (src.charCodeAt(i) === 93) {
      i++;
      return { type: "array", items, range: lines.range(s, i) };
    }
    for (;;) {
      items.push(value());
      ws();
      const c = src.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 93) {
        i++;
        return { type: "array", items, range: lines.range(s, i) };
      }
      fail('"," or "]" after an array element');
    }
  };

  const object = (): JsonObject => {
    const s = i;
    i++;
    const properties: JsonProperty[] = [];
    ws();
    if (src.charCodeAt(i) === 125) {
      i++;
      return { type: "object", properties, range: lines.range(s, i) };
    }
    for (;;) {
      ws();
      if (src.charCodeAt(i) !== 34) fail("a quoted property name");
      const name = string();
      ws();
      if (src.charCodeAt(i) !== 58) fail(`":" after the property name ${JSON.stringify(name.value)}`);
      i++;
      properties.push({ name, value: value() });
      ws();
      const c = src.charCodeAt(i);
      if (c === 44) {
        i++;
        continue;
      }
      if (c === 125) {
        i++;
        return { type: "object", properties, range: lines.range(s, i) };
      }
      fail('"," or "}" after an object property');
    }
  };

  try {
    const v = value();
    ws();
    if (i < src.length) fail("the end of the JSON document");
    return { value: v, lines, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const at = Math.min(e.at, src.length);
    return {
      lines,
      diagnostics: [
        {
          severity: "error",
          summary: "Invalid JSON",
          detail: e.message,
          subject: lines.range(at, Math.min(at + 1, src.length)),
        },
      ],
    };
  }
}
