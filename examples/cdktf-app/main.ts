import { App } from "cdktf";
import { BackupStack } from "./stack.js";

// `cdktf synth` (or `npx tsx main.ts`) writes cdktf.out/manifest.json and cdktf.out/stacks/backup/cdk.tf.json.
const app = new App({ outdir: process.env["CDKTF_OUTDIR"] ?? "cdktf.out" });
new BackupStack(app, "backup", {
  endpoint: process.env["BACKPLAN_ENDPOINT"] ?? "http://127.0.0.1:8080",
  protectedVms: ["web-1", "db-1"],
});
app.synth();
