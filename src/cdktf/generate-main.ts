/** `npm run build` runs this (with tsx) before tsc: regenerates src/cdktf/generated from the providers' schemas. */
import { builtinProviders } from "../../providers/index.js";
import { writeGenerated } from "./generate.js";

for (const path of writeGenerated(builtinProviders())) process.stdout.write(`cdktf: wrote ${path}\n`);
