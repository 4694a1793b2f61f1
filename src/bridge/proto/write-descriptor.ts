/** Regenerates `tfplugin6.descriptor.ts` after an edit of the protocol text in `tfplugin6.ts`. */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileDescriptor, descriptorModule } from "./compile.js";

writeFileSync(fileURLToPath(new URL("./tfplugin6.descriptor.ts", import.meta.url)), descriptorModule(compileDescriptor()));
