/**
 * The subset of Terraform's plugin protocol 6 (`tfplugin6`) that backplan serves, written for this project from
 * Terraform's published protocol documentation (docs/plugin-protocol). Field numbers and service/method names
 * are the wire contract; message names only need to be unique here. Request messages of RPCs backplan does not
 * implement are declared empty (protobuf skips the fields it does not know) and their responses are empty too,
 * so newer protocol minors get an empty answer instead of UNIMPLEMENTED.
 *
 * This text is the source of truth; the provider executable never parses it. `tfplugin6.descriptor.ts` holds
 * what it compiles to (regenerate with `npx tsx src/bridge/proto/write-descriptor.ts` after an edit; a test
 * fails while the two disagree).
 */
export const TFPLUGIN6_PROTO = `
syntax = "proto3";
package tfplugin6;

message DynamicValue {
  bytes msgpack = 1;
  bytes json = 2;
}

message Diagnostic {
  enum Severity { INVALID = 0; ERROR = 1; WARNING = 2; }
  Severity severity = 1;
  string summary = 2;
  string detail = 3;
  AttributePath attribute = 4;
}

message AttributePath {
  message Step {
    oneof selector {
      string attribute_name = 1;
      string element_key_string = 2;
      int64 element_key_int = 3;
    }
  }
  repeated Step steps = 1;
}

message RawState {
  bytes json = 1;
  map<string, string> flatmap = 2;
}

enum StringKind { PLAIN = 0; MARKDOWN = 1; }

message Schema {
  message Block {
    int64 version = 1;
    repeated Attribute attributes = 2;
    repeated NestedBlock block_types = 3;
    string description = 4;
    StringKind description_kind = 5;
    bool deprecated = 6;
  }
  message Attribute {
    string name = 1;
    bytes type = 2;
    string description = 3;
    bool required = 4;
    bool optional = 5;
    bool computed = 6;
    bool sensitive = 7;
    StringKind description_kind = 8;
    bool deprecated = 9;
  }
  message NestedBlock {
    enum NestingMode { INVALID = 0; SINGLE = 1; LIST = 2; SET = 3; MAP = 4; GROUP = 5; }
    string type_name = 1;
    Block block = 2;
    NestingMode nesting = 3;
    int64 min_items = 4;
    int64 max_items = 5;
  }
  int64 version = 1;
  Block block = 2;
}

message ServerCapabilities {
  bool plan_destroy = 1;
  bool get_provider_schema_optional = 2;
  bool move_resource_state = 3;
}

message ClientCapabilities {
  bool deferral_allowed = 1;
  bool write_only_attributes_allowed = 2;
}

message Empty {}

message GetMetadataResponse {
  message Named { string type_name = 1; }
  message FunctionName { string name = 1; }
  ServerCapabilities server_capabilities = 1;
  repeated Diagnostic diagnostics = 2;
  repeated Named data_sources = 3;
  repeated Named resources = 4;
  repeated FunctionName functions = 5;
}

message GetProviderSchemaResponse {
  Schema provider = 1;
  map<string, Schema> resource_schemas = 2;
  map<string, Schema> data_source_schemas = 3;
  repeated Diagnostic diagnostics = 4;
  Schema provider_meta = 5;
  ServerCapabilities server_capabilities = 6;
}

message ConfigRequest {
  DynamicValue config = 1;
}

message DiagnosticsAt2 { repeated Diagnostic diagnostics = 2; }
message DiagnosticsAt1 { repeated Diagnostic diagnostics = 1; }

message TypedConfigRequest {
  string type_name = 1;
  DynamicValue config = 2;
}

message UpgradeResourceStateRequest {
  string type_name = 1;
  int64 version = 2;
  RawState raw_state = 3;
}
message UpgradeResourceStateResponse {
  DynamicValue upgraded_state = 1;
  repeated Diagnostic diagnostics = 2;
}

message ConfigureProviderRequest {
  string terraform_version = 1;
  DynamicValue config = 2;
}

message ReadResourceRequest {
  string type_name = 1;
  DynamicValue current_state = 2;
  bytes private = 3;
}
message ReadResourceResponse {
  DynamicValue new_state = 1;
  repeated Diagnostic diagnostics = 2;
  bytes private = 3;
}

message PlanResourceChangeRequest {
  string type_name = 1;
  DynamicValue prior_state = 2;
  DynamicValue proposed_new_state = 3;
  DynamicValue config = 4;
  bytes prior_private = 5;
}
message PlanResourceChangeResponse {
  DynamicValue planned_state = 1;
  repeated AttributePath requires_replace = 2;
  bytes planned_private = 3;
  repeated Diagnostic diagnostics = 4;
}

message ApplyResourceChangeRequest {
  string type_name = 1;
  DynamicValue prior_state = 2;
  DynamicValue planned_state = 3;
  DynamicValue config = 4;
  bytes planned_private = 5;
}
message ApplyResourceChangeResponse {
  DynamicValue new_state = 1;
  bytes private = 2;
  repeated Diagnostic diagnostics = 3;
}

message ImportResourceStateRequest {
  string type_name = 1;
  string id = 2;
}
message ImportedResource {
  string type_name = 1;
  DynamicValue state = 2;
  bytes private = 3;
}
message ImportResourceStateResponse {
  repeated ImportedResource imported_resources = 1;
  repeated Diagnostic diagnostics = 2;
}

message MoveResourceStateRequest {
  string source_provider_address = 1;
  string source_type_name = 2;
  int64 source_schema_version = 3;
  RawState source_state = 4;
  string target_type_name = 5;
  bytes source_private = 6;
}
message MoveResourceStateResponse {
  DynamicValue target_state = 1;
  repeated Diagnostic diagnostics = 2;
  bytes target_private = 3;
}

message ReadDataSourceRequest {
  string type_name = 1;
  DynamicValue config = 2;
}
message ReadDataSourceResponse {
  DynamicValue state = 1;
  repeated Diagnostic diagnostics = 2;
}

message GetFunctionsResponse {
  repeated Diagnostic diagnostics = 2;
}

message GetResourceIdentitySchemasResponse {
  repeated Diagnostic diagnostics = 2;
}

message CallFunctionResponse {
  DynamicValue result = 1;
}

message StopProviderResponse {
  string Error = 1;
}

service Provider {
  rpc GetMetadata(Empty) returns (GetMetadataResponse);
  rpc GetProviderSchema(Empty) returns (GetProviderSchemaResponse);
  rpc ValidateProviderConfig(ConfigRequest) returns (DiagnosticsAt2);
  rpc ValidateResourceConfig(TypedConfigRequest) returns (DiagnosticsAt1);
  rpc ValidateDataResourceConfig(TypedConfigRequest) returns (DiagnosticsAt1);
  rpc UpgradeResourceState(UpgradeResourceStateRequest) returns (UpgradeResourceStateResponse);
  rpc GetResourceIdentitySchemas(Empty) returns (GetResourceIdentitySchemasResponse);
  rpc UpgradeResourceIdentity(Empty) returns (DiagnosticsAt2);
  rpc ConfigureProvider(ConfigureProviderRequest) returns (DiagnosticsAt1);
  rpc ReadResource(ReadResourceRequest) returns (ReadResourceResponse);
  rpc PlanResourceChange(PlanResourceChangeRequest) returns (PlanResourceChangeResponse);
  rpc ApplyResourceChange(ApplyResourceChangeRequest) returns (ApplyResourceChangeResponse);
  rpc ImportResourceState(ImportResourceStateRequest) returns (ImportResourceStateResponse);
  rpc MoveResourceState(MoveResourceStateRequest) returns (MoveResourceStateResponse);
  rpc ReadDataSource(ReadDataSourceRequest) returns (ReadDataSourceResponse);
  rpc GenerateResourceConfig(Empty) returns (DiagnosticsAt2);
  rpc ValidateEphemeralResourceConfig(Empty) returns (DiagnosticsAt1);
  rpc OpenEphemeralResource(Empty) returns (DiagnosticsAt1);
  rpc RenewEphemeralResource(Empty) returns (DiagnosticsAt1);
  rpc CloseEphemeralResource(Empty) returns (DiagnosticsAt1);
  rpc ValidateListResourceConfig(Empty) returns (DiagnosticsAt1);
  rpc GetFunctions(Empty) returns (GetFunctionsResponse);
  rpc CallFunction(Empty) returns (CallFunctionResponse);
  rpc ValidateActionConfig(Empty) returns (DiagnosticsAt1);
  rpc StopProvider(Empty) returns (StopProviderResponse);
}
`;

/**
 * go-plugin's own services: the controller Terraform calls to shut a plugin down, and the stdio stream it
 * opens to forward the plugin's output.
 */
export const GO_PLUGIN_PROTO = `
syntax = "proto3";
package plugin;

message Empty {}
message StdioData {
  enum Channel { INVALID = 0; STDOUT = 1; STDERR = 2; }
  Channel channel = 1;
  bytes data = 2;
}

service GRPCController {
  rpc Shutdown(Empty) returns (Empty);
}

service GRPCStdio {
  rpc StreamStdio(Empty) returns (stream StdioData);
}
`;
