// Generated from tfplugin6.ts by `npx tsx src/bridge/proto/write-descriptor.ts`; do not edit.
// descriptor.test.ts fails when it no longer matches the protocol text.

export const DESCRIPTOR = {
  "nested": {
    "tfplugin6": {
      "nested": {
        "DynamicValue": {
          "fields": {
            "msgpack": {
              "type": "bytes",
              "id": 1
            },
            "json": {
              "type": "bytes",
              "id": 2
            }
          }
        },
        "Diagnostic": {
          "fields": {
            "severity": {
              "type": "Severity",
              "id": 1
            },
            "summary": {
              "type": "string",
              "id": 2
            },
            "detail": {
              "type": "string",
              "id": 3
            },
            "attribute": {
              "type": "AttributePath",
              "id": 4
            }
          },
          "nested": {
            "Severity": {
              "values": {
                "INVALID": 0,
                "ERROR": 1,
                "WARNING": 2
              }
            }
          }
        },
        "AttributePath": {
          "fields": {
            "steps": {
              "rule": "repeated",
              "type": "Step",
              "id": 1
            }
          },
          "nested": {
            "Step": {
              "oneofs": {
                "selector": {
                  "oneof": [
                    "attribute_name",
                    "element_key_string",
                    "element_key_int"
                  ]
                }
              },
              "fields": {
                "attribute_name": {
                  "type": "string",
                  "id": 1
                },
                "element_key_string": {
                  "type": "string",
                  "id": 2
                },
                "element_key_int": {
                  "type": "int64",
                  "id": 3
                }
              }
            }
          }
        },
        "RawState": {
          "fields": {
            "json": {
              "type": "bytes",
              "id": 1
            },
            "flatmap": {
              "keyType": "string",
              "type": "string",
              "id": 2
            }
          }
        },
        "StringKind": {
          "values": {
            "PLAIN": 0,
            "MARKDOWN": 1
          }
        },
        "Schema": {
          "fields": {
            "version": {
              "type": "int64",
              "id": 1
            },
            "block": {
              "type": "Block",
              "id": 2
            }
          },
          "nested": {
            "Block": {
              "fields": {
                "version": {
                  "type": "int64",
                  "id": 1
                },
                "attributes": {
                  "rule": "repeated",
                  "type": "Attribute",
                  "id": 2
                },
                "block_types": {
                  "rule": "repeated",
                  "type": "NestedBlock",
                  "id": 3
                },
                "description": {
                  "type": "string",
                  "id": 4
                },
                "description_kind": {
                  "type": "StringKind",
                  "id": 5
                },
                "deprecated": {
                  "type": "bool",
                  "id": 6
                }
              }
            },
            "Attribute": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "type": {
                  "type": "bytes",
                  "id": 2
                },
                "description": {
                  "type": "string",
                  "id": 3
                },
                "required": {
                  "type": "bool",
                  "id": 4
                },
                "optional": {
                  "type": "bool",
                  "id": 5
                },
                "computed": {
                  "type": "bool",
                  "id": 6
                },
                "sensitive": {
                  "type": "bool",
                  "id": 7
                },
                "description_kind": {
                  "type": "StringKind",
                  "id": 8
                },
                "deprecated": {
                  "type": "bool",
                  "id": 9
                }
              }
            },
            "NestedBlock": {
              "fields": {
                "type_name": {
                  "type": "string",
                  "id": 1
                },
                "block": {
                  "type": "Block",
                  "id": 2
                },
                "nesting": {
                  "type": "NestingMode",
                  "id": 3
                },
                "min_items": {
                  "type": "int64",
                  "id": 4
                },
                "max_items": {
                  "type": "int64",
                  "id": 5
                }
              },
              "nested": {
                "NestingMode": {
                  "values": {
                    "INVALID": 0,
                    "SINGLE": 1,
                    "LIST": 2,
                    "SET": 3,
                    "MAP": 4,
                    "GROUP": 5
                  }
                }
              }
            }
          }
        },
        "ServerCapabilities": {
          "fields": {
            "plan_destroy": {
              "type": "bool",
              "id": 1
            },
            "get_provider_schema_optional": {
              "type": "bool",
              "id": 2
            },
            "move_resource_state": {
              "type": "bool",
              "id": 3
            }
          }
        },
        "ClientCapabilities": {
          "fields": {
            "deferral_allowed": {
              "type": "bool",
              "id": 1
            },
            "write_only_attributes_allowed": {
              "type": "bool",
              "id": 2
            }
          }
        },
        "Empty": {
          "fields": {}
        },
        "GetMetadataResponse": {
          "fields": {
            "server_capabilities": {
              "type": "ServerCapabilities",
              "id": 1
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            },
            "data_sources": {
              "rule": "repeated",
              "type": "Named",
              "id": 3
            },
            "resources": {
              "rule": "repeated",
              "type": "Named",
              "id": 4
            },
            "functions": {
              "rule": "repeated",
              "type": "FunctionName",
              "id": 5
            }
          },
          "nested": {
            "Named": {
              "fields": {
                "type_name": {
                  "type": "string",
                  "id": 1
                }
              }
            },
            "FunctionName": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                }
              }
            }
          }
        },
        "GetProviderSchemaResponse": {
          "fields": {
            "provider": {
              "type": "Schema",
              "id": 1
            },
            "resource_schemas": {
              "keyType": "string",
              "type": "Schema",
              "id": 2
            },
            "data_source_schemas": {
              "keyType": "string",
              "type": "Schema",
              "id": 3
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 4
            },
            "provider_meta": {
              "type": "Schema",
              "id": 5
            },
            "server_capabilities": {
              "type": "ServerCapabilities",
              "id": 6
            }
          }
        },
        "ConfigRequest": {
          "fields": {
            "config": {
              "type": "DynamicValue",
              "id": 1
            }
          }
        },
        "DiagnosticsAt2": {
          "fields": {
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            }
          }
        },
        "DiagnosticsAt1": {
          "fields": {
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 1
            }
          }
        },
        "TypedConfigRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "config": {
              "type": "DynamicValue",
              "id": 2
            }
          }
        },
        "UpgradeResourceStateRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "version": {
              "type": "int64",
              "id": 2
            },
            "raw_state": {
              "type": "RawState",
              "id": 3
            }
          }
        },
        "UpgradeResourceStateResponse": {
          "fields": {
            "upgraded_state": {
              "type": "DynamicValue",
              "id": 1
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            }
          }
        },
        "ConfigureProviderRequest": {
          "fields": {
            "terraform_version": {
              "type": "string",
              "id": 1
            },
            "config": {
              "type": "DynamicValue",
              "id": 2
            }
          }
        },
        "ReadResourceRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "current_state": {
              "type": "DynamicValue",
              "id": 2
            },
            "private": {
              "type": "bytes",
              "id": 3
            }
          }
        },
        "ReadResourceResponse": {
          "fields": {
            "new_state": {
              "type": "DynamicValue",
              "id": 1
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            },
            "private": {
              "type": "bytes",
              "id": 3
            }
          }
        },
        "PlanResourceChangeRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "prior_state": {
              "type": "DynamicValue",
              "id": 2
            },
            "proposed_new_state": {
              "type": "DynamicValue",
              "id": 3
            },
            "config": {
              "type": "DynamicValue",
              "id": 4
            },
            "prior_private": {
              "type": "bytes",
              "id": 5
            }
          }
        },
        "PlanResourceChangeResponse": {
          "fields": {
            "planned_state": {
              "type": "DynamicValue",
              "id": 1
            },
            "requires_replace": {
              "rule": "repeated",
              "type": "AttributePath",
              "id": 2
            },
            "planned_private": {
              "type": "bytes",
              "id": 3
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 4
            }
          }
        },
        "ApplyResourceChangeRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "prior_state": {
              "type": "DynamicValue",
              "id": 2
            },
            "planned_state": {
              "type": "DynamicValue",
              "id": 3
            },
            "config": {
              "type": "DynamicValue",
              "id": 4
            },
            "planned_private": {
              "type": "bytes",
              "id": 5
            }
          }
        },
        "ApplyResourceChangeResponse": {
          "fields": {
            "new_state": {
              "type": "DynamicValue",
              "id": 1
            },
            "private": {
              "type": "bytes",
              "id": 2
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 3
            }
          }
        },
        "ImportResourceStateRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "id": {
              "type": "string",
              "id": 2
            }
          }
        },
        "ImportedResource": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "state": {
              "type": "DynamicValue",
              "id": 2
            },
            "private": {
              "type": "bytes",
              "id": 3
            }
          }
        },
        "ImportResourceStateResponse": {
          "fields": {
            "imported_resources": {
              "rule": "repeated",
              "type": "ImportedResource",
              "id": 1
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            }
          }
        },
        "MoveResourceStateRequest": {
          "fields": {
            "source_provider_address": {
              "type": "string",
              "id": 1
            },
            "source_type_name": {
              "type": "string",
              "id": 2
            },
            "source_schema_version": {
              "type": "int64",
              "id": 3
            },
            "source_state": {
              "type": "RawState",
              "id": 4
            },
            "target_type_name": {
              "type": "string",
              "id": 5
            },
            "source_private": {
              "type": "bytes",
              "id": 6
            }
          }
        },
        "MoveResourceStateResponse": {
          "fields": {
            "target_state": {
              "type": "DynamicValue",
              "id": 1
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            },
            "target_private": {
              "type": "bytes",
              "id": 3
            }
          }
        },
        "ReadDataSourceRequest": {
          "fields": {
            "type_name": {
              "type": "string",
              "id": 1
            },
            "config": {
              "type": "DynamicValue",
              "id": 2
            }
          }
        },
        "ReadDataSourceResponse": {
          "fields": {
            "state": {
              "type": "DynamicValue",
              "id": 1
            },
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            }
          }
        },
        "GetFunctionsResponse": {
          "fields": {
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            }
          }
        },
        "GetResourceIdentitySchemasResponse": {
          "fields": {
            "diagnostics": {
              "rule": "repeated",
              "type": "Diagnostic",
              "id": 2
            }
          }
        },
        "CallFunctionResponse": {
          "fields": {
            "result": {
              "type": "DynamicValue",
              "id": 1
            }
          }
        },
        "StopProviderResponse": {
          "fields": {
            "Error": {
              "type": "string",
              "id": 1
            }
          }
        },
        "Provider": {
          "methods": {
            "GetMetadata": {
              "requestType": "Empty",
              "responseType": "GetMetadataResponse"
            },
            "GetProviderSchema": {
              "requestType": "Empty",
              "responseType": "GetProviderSchemaResponse"
            },
            "ValidateProviderConfig": {
              "requestType": "ConfigRequest",
              "responseType": "DiagnosticsAt2"
            },
            "ValidateResourceConfig": {
              "requestType": "TypedConfigRequest",
              "responseType": "DiagnosticsAt1"
            },
            "ValidateDataResourceConfig": {
              "requestType": "TypedConfigRequest",
              "responseType": "DiagnosticsAt1"
            },
            "UpgradeResourceState": {
              "requestType": "UpgradeResourceStateRequest",
              "responseType": "UpgradeResourceStateResponse"
            },
            "GetResourceIdentitySchemas": {
              "requestType": "Empty",
              "responseType": "GetResourceIdentitySchemasResponse"
            },
            "UpgradeResourceIdentity": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt2"
            },
            "ConfigureProvider": {
              "requestType": "ConfigureProviderRequest",
              "responseType": "DiagnosticsAt1"
            },
            "ReadResource": {
              "requestType": "ReadResourceRequest",
              "responseType": "ReadResourceResponse"
            },
            "PlanResourceChange": {
              "requestType": "PlanResourceChangeRequest",
              "responseType": "PlanResourceChangeResponse"
            },
            "ApplyResourceChange": {
              "requestType": "ApplyResourceChangeRequest",
              "responseType": "ApplyResourceChangeResponse"
            },
            "ImportResourceState": {
              "requestType": "ImportResourceStateRequest",
              "responseType": "ImportResourceStateResponse"
            },
            "MoveResourceState": {
              "requestType": "MoveResourceStateRequest",
              "responseType": "MoveResourceStateResponse"
            },
            "ReadDataSource": {
              "requestType": "ReadDataSourceRequest",
              "responseType": "ReadDataSourceResponse"
            },
            "GenerateResourceConfig": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt2"
            },
            "ValidateEphemeralResourceConfig": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt1"
            },
            "OpenEphemeralResource": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt1"
            },
            "RenewEphemeralResource": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt1"
            },
            "CloseEphemeralResource": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt1"
            },
            "ValidateListResourceConfig": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt1"
            },
            "GetFunctions": {
              "requestType": "Empty",
              "responseType": "GetFunctionsResponse"
            },
            "CallFunction": {
              "requestType": "Empty",
              "responseType": "CallFunctionResponse"
            },
            "ValidateActionConfig": {
              "requestType": "Empty",
              "responseType": "DiagnosticsAt1"
            },
            "StopProvider": {
              "requestType": "Empty",
              "responseType": "StopProviderResponse"
            }
          }
        }
      }
    },
    "plugin": {
      "nested": {
        "Empty": {
          "fields": {}
        },
        "StdioData": {
          "fields": {
            "channel": {
              "type": "Channel",
              "id": 1
            },
            "data": {
              "type": "bytes",
              "id": 2
            }
          },
          "nested": {
            "Channel": {
              "values": {
                "INVALID": 0,
                "STDOUT": 1,
                "STDERR": 2
              }
            }
          }
        },
        "GRPCController": {
          "methods": {
            "Shutdown": {
              "requestType": "Empty",
              "responseType": "Empty"
            }
          }
        },
        "GRPCStdio": {
          "methods": {
            "StreamStdio": {
              "requestType": "Empty",
              "responseType": "StdioData",
              "responseStream": true
            }
          }
        }
      }
    }
  }
};
