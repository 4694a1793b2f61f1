import protobuf from "protobufjs";
import { GO_PLUGIN_PROTO, TFPLUGIN6_PROTO } from "./tfplugin6.js";

/**
 * The protobuf JSON descriptor of `tfplugin6.ts`'s two protocol texts, as protobufjs's `Root.toJSON` writes it
 * (field names kept in snake_case). `tfplugin6.descriptor.ts` holds this output, so the provider executable
 * loads a ready descriptor instead of running the .proto parser at every launch.
 */
export function compileDescriptor(): protobuf.INamespace {
  const root = protobuf.parse(TFPLUGIN6_PROTO, { keepCase: true }).root;
  protobuf.parse(GO_PLUGIN_PROTO, root, { keepCase: true });
  return root.toJSON();
}

/** The source of `tfplugin6.descriptor.ts` for a descriptor. */
export function descriptorModule(descriptor: protobuf.INamespace): string {
  return `// Generated from tfplugin6.ts by \`npx tsx src/bridge/proto/write-descriptor.ts\`; do not edit.
// descriptor.test.ts fails when it no longer matches the protocol text.

export const DESCRIPTOR = ${JSON.stringify(descriptor, null, 2)};
`;
}
