import { describe, expect, it } from "vitest";
import { loadCodec, methodsOf } from "./codec.js";
import { compileDescriptor } from "./compile.js";
import { DESCRIPTOR } from "./tfplugin6.descriptor.js";

describe("the precompiled protocol descriptor", () => {
  it("is what the protocol text in tfplugin6.ts compiles to (else run src/bridge/proto/write-descriptor.ts)", () => {
    expect(DESCRIPTOR).toEqual(compileDescriptor());
  });

  it("lists each service's RPCs with qualified message types and go-plugin's paths", () => {
    const schema = methodsOf("tfplugin6.Provider").find((m) => m.name === "GetProviderSchema");
    expect(schema).toEqual({
      name: "GetProviderSchema",
      path: "/tfplugin6.Provider/GetProviderSchema",
      requestType: "tfplugin6.Empty",
      responseType: "tfplugin6.GetProviderSchemaResponse",
      responseStream: false,
    });
    expect(methodsOf("plugin.GRPCStdio")).toMatchObject([{ path: "/plugin.GRPCStdio/StreamStdio", responseStream: true }]);
    expect(methodsOf("plugin.GRPCController").map((m) => m.name)).toEqual(["Shutdown"]);
  });
});

describe("the codec", () => {
  it("round-trips a message with int64s as numbers, enums as numbers, bytes as Buffers and unset fields defaulted", async () => {
    const codec = await loadCodec();
    const bytes = codec.encode("tfplugin6.UpgradeResourceStateRequest", { type_name: "zstack_cdp_task", version: 3, raw_state: { json: Buffer.from("{}") } });
    const back = codec.decode("tfplugin6.UpgradeResourceStateRequest", bytes);
    expect(back).toEqual({ type_name: "zstack_cdp_task", version: 3, raw_state: { json: Buffer.from("{}"), flatmap: {} } });
    const diag = codec.decode("tfplugin6.DiagnosticsAt1", codec.encode("tfplugin6.DiagnosticsAt1", { diagnostics: [{ severity: 1, summary: "s" }] }));
    expect(diag).toEqual({ diagnostics: [{ severity: 1, summary: "s", detail: "", attribute: null }] });
  });

  it("reads the selected member of a oneof under the oneof's name", async () => {
    const codec = await loadCodec();
    const path = codec.decode("tfplugin6.AttributePath", codec.encode("tfplugin6.AttributePath", { steps: [{ attribute_name: "a" }, { element_key_int: 2 }] }));
    expect(path).toMatchObject({ steps: [{ attribute_name: "a", selector: "attribute_name" }, { element_key_int: 2, selector: "element_key_int" }] });
  });
});
