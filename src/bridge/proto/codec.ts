import type * as grpc from "@grpc/grpc-js";
import type { INamespace, Type } from "protobufjs/light.js";
import { DESCRIPTOR } from "./tfplugin6.descriptor.js";

/** The services the bridge serves: Terraform's provider protocol and go-plugin's controller and stdio. */
export type ServiceName = "tfplugin6.Provider" | "plugin.GRPCController" | "plugin.GRPCStdio";

/** One RPC of a service, read from the descriptor without loading protobufjs. */
export interface RpcMethod {
  name: string;
  /** `/tfplugin6.Provider/GetProviderSchema`: what grpc-js routes on. */
  path: string;
  /** Fully qualified message names, `tfplugin6.Empty`. */
  requestType: string;
  responseType: string;
  responseStream: boolean;
}

/** Encodes and decodes the protocol's messages, as plain objects shaped like `schema-proto.ts` describes. */
export interface Codec {
  decode(type: string, bytes: Uint8Array): Record<string, unknown>;
  encode(type: string, message: object): Buffer;
}

/** The part of protobufjs's JSON descriptor format that is read here. */
interface DescriptorNode {
  nested?: Record<string, DescriptorNode>;
  fields?: object;
  values?: object;
  methods?: Record<string, { requestType: string; responseType: string; responseStream?: boolean }>;
}

function lookup(path: readonly string[]): DescriptorNode {
  let node: DescriptorNode | undefined = DESCRIPTOR;
  for (const part of path) node = node?.nested?.[part];
  if (!node) throw new Error(`the protocol descriptor has no ${path.join(".")}`);
  return node;
}

/** The RPCs of a service, in declaration order. Plain data: no protobuf code runs. */
export function methodsOf(service: ServiceName): RpcMethod[] {
  const parts = service.split(".");
  const pkg = parts.slice(0, -1).join(".");
  const qualify = (type: string) => (type.includes(".") ? type : `${pkg}.${type}`);
  return Object.entries(lookup(parts).methods ?? {}).map(([name, m]) => ({
    name,
    path: `/${service}/${name}`,
    requestType: qualify(m.requestType),
    responseType: qualify(m.responseType),
    responseStream: m.responseStream === true,
  }));
}

let codec: Promise<Codec> | undefined;

/**
 * The message codec, built on first use from the precompiled descriptor with protobufjs's light build (no .proto
 * parser). Conversions match what @grpc/proto-loader did with `longs: Number, enums: Number, defaults: true,
 * oneofs: true`: int64 fields come as numbers, enums as numbers, unset fields as their defaults.
 */
export function loadCodec(): Promise<Codec> {
  return (codec ??= import("protobufjs/light.js").then(({ default: protobuf }) => {
    // protobufjs's typings require fields its own toJSON leaves out (a method's `comment`).
    const root = protobuf.Root.fromJSON(DESCRIPTOR as INamespace);
    const types = new Map<string, Type>();
    const typeOf = (name: string) => {
      let t = types.get(name);
      if (!t) types.set(name, (t = root.lookupType(name)));
      return t;
    };
    return {
      decode: (type, bytes) => typeOf(type).toObject(typeOf(type).decode(bytes), { longs: Number, enums: Number, defaults: true, oneofs: true }),
      encode: (type, message) => {
        const t = typeOf(type);
        const bytes = t.encode(t.fromObject(message)).finish();
        return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      },
    };
  }));
}

/** Bytes through unchanged; grpc-js hands a server's handlers Buffers and sends the Buffers they answer. */
const raw = (bytes: unknown): Buffer => bytes as Buffer;

/**
 * A grpc-js definition of one service. Without a codec its messages stay bytes (the server decodes them itself,
 * once the codec has loaded after the handshake); with one, requests and responses are plain objects (clients).
 */
export function serviceDefinition(service: ServiceName, codec?: Codec): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of methodsOf(service)) {
    def[m.name] = {
      path: m.path,
      requestStream: false,
      responseStream: m.responseStream,
      originalName: m.name,
      requestSerialize: codec ? (v: unknown) => codec.encode(m.requestType, v as object) : raw,
      requestDeserialize: codec ? (b: Buffer) => codec.decode(m.requestType, b) : raw,
      responseSerialize: codec ? (v: unknown) => codec.encode(m.responseType, v as object) : raw,
      responseDeserialize: codec ? (b: Buffer) => codec.decode(m.responseType, b) : raw,
    };
  }
  return def;
}
