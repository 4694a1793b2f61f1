import type { SourceRange } from "../source.js";

/**
 * A JSON document parsed with the source range of every value and property name, the raw material of the
 * Terraform JSON syntax (`*.tf.json`). Object properties keep their order and duplicates (JSON allows repeated
 * names and HCL's JSON syntax gives them meaning: `"resource": [{...}, {...}]` and repeated keys both merge).
 */
export type JsonNode = JsonNull | JsonBool | JsonNumber | JsonString | JsonArray | JsonObject;

export interface JsonNull {
  type: "null";
  range: SourceRange;
}
export interface JsonBool {
  type: "bool";
  value: boolean;
  range: SourceRange;
}
export interface JsonNumber {
  type: "number";
  value: number;
  /** The number as written, so large integers keep their digits. */
  text: string;
  range: SourceRange;
}
export interface JsonString {
  type: "string";
  value: string;
  /** Range of the quoted string including its quotes. */
  range: SourceRange;
  /**
   * True when the raw text between the quotes contains no escape sequence, so offsets into `value` map 1:1 onto
   * source columns (`range.start` + 1). Parsers of the string's content use it to give exact ranges.
   */
  verbatim: boolean;
}
export interface JsonArray {
  type: "array";
  items: JsonNode[];
  range: SourceRange;
}
export interface JsonProperty {
  name: JsonString;
  value: JsonNode;
}
export interface JsonObject {
  type: "object";
  properties: JsonProperty[];
  range: SourceRange;
}
