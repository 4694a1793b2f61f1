import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";

/**
 * `required_version` as Terraform 1.11 judges it: each configuration is given to the real `terraform validate`
 * (offline: these configurations need no provider) and to backplan's loader, and both must refuse or accept it
 * with the same error summary at the same file and line.
 */

const TERRAFORM = process.env["BACKPLAN_TERRAFORM"] ?? "/usr/local/bin/terraform";
const root = mkdtempSync(join(tmpdir(), "backplan-required-version-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Verdict {
  errors: string[];
}

function terraformValidate(dir: string, command = "validate"): Promise<Verdict> {
  if (!existsSync(TERRAFORM)) throw new Error(`this test needs Terraform 1.11 at ${TERRAFORM} (or BACKPLAN_TERRAFORM)`);
  return new Promise((done) => {
    execFile(TERRAFORM, [command, "-no-color"], { cwd: dir, env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1" } }, (_err, stdout, stderr) => {
      const text = stdout + stderr;
      const errors: string[] = [];
      // "Error: SUMMARY" followed by "  on FILE line N, in terraform:"
      const re = /Error: ([^\n]+)\n\n\s+on ([^ ]+) line (\d+)/g;
      for (let m = re.exec(text); m; m = re.exec(text)) errors.push(`${m[1]} @ ${m[2]}:${m[3]}`);
      if (errors.length === 0 && !/Success!|has been successfully initialized/.test(text)) errors.push(`unparsed: ${text}`);
      done({ errors: errors.sort() });
    });
  });
}

function backplanLoad(dir: string): Verdict {
  const r = loadConfig(dir, { displayBase: dir });
  const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.summary} @ ${d.subject?.filename}:${d.subject?.start.line}`);
  return { errors: errors.sort() };
}

let n = 0;
function dirWith(files: Record<string, string>): string {
  const dir = join(root, String(n++));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const tf = (constraint: string) => `terraform {\n  required_version = ${JSON.stringify(constraint)}\n}\n`;

describe("required_version: backplan refuses exactly what Terraform 1.11.4 refuses", () => {
  const constraints = [
    "< 1.0",
    ">= 1.5",
    "~> 1.11",
    "~> 1.10.0",
    "~> 1.11.0",
    "= 1.11",
    "1.11.4",
    "v1.11.4",
    "!= 1.11.4",
    ">1.11.3, <1.12",
    ">= 1.12",
    "~>1",
    "1.x",
    "",
    ">= 1.11.0-beta1",
    ">=1.11.4,",
  ];
  it.each(constraints)("%j", async (c) => {
    const dir = dirWith({ "main.tf": tf(c) });
    const [want, got] = [await terraformValidate(dir), backplanLoad(dir)];
    expect(got).toEqual(want);
  }, 60_000);

  it("every terraform block's constraint, in JSON syntax and in child modules", async () => {
    const dir = dirWith({
      "main.tf": `${tf("< 1.0")}module "a" {\n  source = "./m"\n}\n`,
      "b.tf.json": JSON.stringify({ terraform: { required_version: ">= 3" } }),
      "m/main.tf": tf("~> 1.9.0"),
    });
    // validate wants the module installed; init reports the same errors while installing it.
    const want = await terraformValidate(dir, "init");
    expect(want.errors).toHaveLength(3);
    expect(backplanLoad(dir)).toEqual(want);
    const mod = loadConfig(dir, { displayBase: dir }).diagnostics.find((d) => d.subject?.filename === join("m", "main.tf"));
    expect(mod?.detail).toMatch(/^Module module\.a \(from \.\/m\) does not support Terraform version 1\.11\.4\./);
  }, 60_000);

  it("an override file's required_version replaces every other one", async () => {
    const dir = dirWith({ "main.tf": tf("< 1.0"), "b.tf": tf(">= 3.0"), "override.tf": tf(">= 1.0") });
    const want = await terraformValidate(dir);
    expect(want.errors).toEqual([]);
    expect(backplanLoad(dir)).toEqual(want);
    const failing = dirWith({ "main.tf": tf(">= 1.0"), "b.tf": tf(">= 1.1"), "x_override.tf": tf("< 1.0") });
    const refused = await terraformValidate(failing);
    expect(refused.errors).toEqual(["Unsupported Terraform Core version @ x_override.tf:2"]);
    expect(backplanLoad(failing)).toEqual(refused);
  }, 60_000);
});
