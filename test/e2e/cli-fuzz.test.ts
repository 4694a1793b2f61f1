import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/cli.js";

/**
 * Fuzzing the CLI's inputs (fast-check, fixed seeds, bounded runs): configuration files in HCL and JSON, flags
 * and arguments, -var values, state files given to `state push`, and plan files given to `show` and `apply`.
 * The CLI's `main` runs in this process. Every run must end within a bound with exit code 0, 1 or 2 (plan's
 * -detailed-exitcode), never throw, never print a stack trace; a refused configuration names its file and line.
 */

const BOUND_MS = 10_000;
const STACK = /\n\s+at .+:\d+:\d+\)?\n/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `backplan ARGS` in-process, capturing what it writes; rejects past the bound (a hang). */
async function run(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  let timer: NodeJS.Timeout | undefined;
  try {
    const bound = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`backplan ${args.join(" ")} ran past ${BOUND_MS} ms`)), BOUND_MS)));
    const code = await Promise.race([main(args), bound]);
    return { code, stdout, stderr };
  } catch (e) {
    throw new Error(`backplan ${JSON.stringify(args)} threw (a user must never see this): ${e instanceof Error ? e.stack : String(e)}\nstderr: ${stderr}`);
  } finally {
    clearTimeout(timer);
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

function expectDiagnostic(r: Run, args: string[], allowed: number[] = [0, 1]): void {
  const what = `backplan ${JSON.stringify(args)}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;
  expect(allowed, what).toContain(r.code);
  expect(STACK.test(r.stdout) || STACK.test(r.stderr), what).toBe(false);
  if (r.code === 1) expect(r.stderr.trim().length, what).toBeGreaterThan(0);
}

const VALID_HCL = `variable "name" {
  type    = string
  default = "a"
}

variable "n" {
  type    = number
  default = 2
}

locals {
  names = [for i in range(var.n) : "\${var.name}-\${i}"]
}

resource "terraform_data" "r" {
  count = var.n
  input = { name = local.names[count.index], tags = { k = "v" } }
}

output "ids" {
  value = terraform_data.r[*].id
}
`;

const VALID_JSON = JSON.stringify(
  {
    variable: { name: { type: "string", default: "a" } },
    resource: { terraform_data: { r: { count: 2, input: "${var.name}-x" } } },
    output: { o: { value: "${terraform_data.r[0].id}" } },
  },
  null,
  2,
);

/** Fragments that matter to HCL's lexer and parser, inserted at random places. */
const HCL_TOKENS = ["{", "}", "[", "]", "(", ")", '"', "${", "%{", "}", "=", "==", ":", "?", ",", ".", "*", "\n", "#", "//", "/*", "*/", "<<EOF\n", "EOF\n", "\\", "\u0000", "\ufeff", "é", "𝄞", "resource", "variable", "count", "for_each", "dynamic", "lifecycle", "null", "true", "-1e999", "0x", "..."];

/** A source text damaged by a few random edits: insertions of tokens or arbitrary text, deletions, duplicates. */
function damaged(valid: string): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.tuple(fc.constant("insert" as const), fc.nat(), fc.oneof(fc.constantFrom(...HCL_TOKENS), fc.string({ maxLength: 12 }))),
    fc.tuple(fc.constant("delete" as const), fc.nat(), fc.integer({ min: 1, max: 40 })),
    fc.tuple(fc.constant("repeat" as const), fc.nat(), fc.integer({ min: 1, max: 60 })),
    fc.tuple(fc.constant("truncate" as const), fc.nat(), fc.constant(0)),
  );
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let s = valid;
    for (const [kind, at, arg] of edits) {
      const i = at % (s.length + 1);
      if (kind === "insert") s = s.slice(0, i) + String(arg) + s.slice(i);
      else if (kind === "delete") s = s.slice(0, i) + s.slice(i + Number(arg));
      else if (kind === "repeat") s = s.slice(0, i) + s.slice(i, i + Number(arg)) + s.slice(i);
      else s = s.slice(0, i);
    }
    return s;
  });
}

/** A diagnostic about a configuration file names it with a line (`main.tf line 3` or `main.tf:3`). */
function namesFileAndLine(stderr: string, file: string): boolean {
  return new RegExp(`${file.replace(".", "\\.")}(:| line )\\d+`).test(stderr);
}

describe("fuzzing the CLI's inputs (in-process main, fixed seeds, bounded)", () => {
  let root: string;
  let base: string;
  let planFile: string;
  let stateFile: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "backplan-cli-fuzz-"));
    base = join(root, "base");
    mkdirSync(base);
    writeFileSync(join(base, "main.tf"), VALID_HCL);
    const applied = await run(["apply", "-auto-approve", "-no-color", `-chdir=${base}`]);
    expect(applied.code, applied.stderr).toBe(0);
    planFile = join(root, "valid.plan");
    const planned = await run(["plan", "-no-color", `-chdir=${base}`, "-var=n=3", `-out=${planFile}`]);
    expect(planned.code, planned.stderr).toBe(0);
    stateFile = join(base, "terraform.tfstate");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  let serial = 0;
  const freshDir = (files: Record<string, string | Buffer>): string => {
    const d = join(root, `case-${serial++}`);
    mkdirSync(d);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(d, name), text);
    return d;
  };

  it("damaged HCL configurations: validate and fmt end with a diagnostic naming main.tf and a line", async () => {
    await fc.assert(
      fc.asyncProperty(damaged(VALID_HCL), async (text) => {
        const dir = freshDir({ "main.tf": text });
        for (const args of [["validate", "-no-color", dir], ["fmt", "-check", "-no-color", join(dir, "main.tf")]]) {
          const r = await run(args);
          // fmt exits 2 on a syntax error, 3 when -check finds changes (Terraform's codes).
          expectDiagnostic(r, args, args[0] === "fmt" ? [0, 2, 3] : [0, 1]);
          if (r.code === 1 || r.code === 2) expect(namesFileAndLine(r.stderr, "main.tf"), `${text}\n---\n${r.stderr}`).toBe(true);
        }
      }),
      { seed: 1501, numRuns: 150 },
    );
  });

  it("damaged and arbitrary JSON configurations: validate ends with a diagnostic naming main.tf.json and a line", async () => {
    const arbitraryDoc = fc
      .record({
        variable: fc.option(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })), { nil: undefined }),
        resource: fc.option(fc.jsonValue({ maxDepth: 4 }), { nil: undefined }),
        locals: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
        output: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
        terraform: fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
      })
      .map((d) => JSON.stringify(d));
    await fc.assert(
      fc.asyncProperty(fc.oneof(damaged(VALID_JSON), arbitraryDoc, fc.json()), async (text) => {
        const dir = freshDir({ "main.tf.json": text });
        const args = ["validate", "-no-color", dir];
        const r = await run(args);
        expectDiagnostic(r, args);
        if (r.code === 1) expect(namesFileAndLine(r.stderr, "main.tf.json"), `${text}\n---\n${r.stderr}`).toBe(true);
      }),
      { seed: 1502, numRuns: 150 },
    );
  });

  it("flags and arguments: any mix of known and unknown flags, values and positionals ends with a diagnostic", async () => {
    const commands = [["validate"], ["plan"], ["plan", "-refresh=false"], ["show"], ["output"], ["state", "list"], ["state", "show"], ["state", "rm", "-dry-run"], ["graph"], ["providers"], ["version"], ["workspace", "list"], ["fmt", "-check"], ["force-unlock", "-force"], ["refresh"], ["import"]];
    const flagNames = ["-var", "-var-file", "-target", "-replace", "-parallelism", "-lock-timeout", "-lock", "-out", "-state", "-json", "-no-color", "-input", "-refresh", "-detailed-exitcode", "-destroy", "-compact-warnings", "-generate-config-out", "-chdir", "--", "-", "-x", "--help-me", "-var=", "-target=", "-parallelism=", ""];
    const values = fc.oneof(
      fc.constantFrom("", "-1", "0", "99999999999999999999", "abc", "1s", "nope.tfvars", "terraform_data.r[", "terraform_data.r[0", 'terraform_data.r["x"]', "module..x", "x=", "=", "n=notanumber", "name", "../../../etc/passwd", "/dev/null", "\u0000", "é𝄞"),
      fc.string({ maxLength: 10 }),
    );
    const arg = fc.oneof(
      fc.tuple(fc.constantFrom(...flagNames), values).map(([f, v]) => (f.endsWith("=") || f === "" || f === "--" || f === "-" ? `${f}${v}` : `${f}=${v}`)),
      fc.constantFrom(...flagNames),
      values,
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commands), fc.array(arg, { maxLength: 5 }), async (command, rest) => {
        // Every run works on its own copy, so a flag that writes (state rm, -out) changes no later run.
        const dir = freshDir({ "main.tf": VALID_HCL, "terraform.tfstate": readFileSync(stateFile) });
        // -input=false: a missing variable would otherwise wait for an answer on stdin.
        const args = [...command, `-chdir=${dir}`, "-input=false", ...rest.filter((a) => !a.startsWith("-chdir"))];
        expectDiagnostic(await run(args), args, [0, 1, 2, 3]);
      }),
      { seed: 1503, numRuns: 120 },
    );
  });

  it("-var values of every type: a value that does not convert is a diagnostic naming the variable", async () => {
    const typed = `variable "s" {
  type    = string
  default = "x"
}
variable "n" {
  type    = number
  default = 1
}
variable "b" {
  type    = bool
  default = true
}
variable "l" {
  type    = list(string)
  default = []
}
variable "m" {
  type    = map(number)
  default = {}
}
variable "o" {
  type    = object({ a = string, b = optional(list(number)) })
  default = { a = "x" }
}
resource "terraform_data" "r" {
  input = [var.s, var.n, var.b, var.l, var.m, var.o]
}
`;
    const dir = freshDir({ "main.tf": typed });
    const hclish = fc.oneof(
      fc.constantFrom("", "1", "-1.5e3", "1e999", "true", "null", "[", "]", "[1,", '["a", 2]', "{", '{a="x"}', '{a="x", b=[1,"z"]}', '{ a = "x" c = 1 }', "${", "%{ if }", "<<EOF\nx\nEOF", "tolist(1)", "var.s", '"quoted', "\u0000"),
      fc.json(),
      fc.string({ maxLength: 16 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("s", "n", "b", "l", "m", "o", "undeclared"), hclish, async (name, value) => {
        const args = ["plan", "-no-color", "-refresh=false", "-input=false", `-chdir=${dir}`, `-var=${name}=${value}`];
        const r = await run(args);
        expectDiagnostic(r, args);
        if (r.code === 1) expect(r.stderr, JSON.stringify(value)).toMatch(new RegExp(`"${name}"|var\\.${name}\\b`));
      }),
      { seed: 1504, numRuns: 120 },
    );
  });

  it("state files given to state push: damaged or arbitrary JSON is refused with a diagnostic naming the file", async () => {
    const valid = readFileSync(stateFile, "utf8");
    const shaped = fc
      .record({
        version: fc.oneof(fc.constant(4), fc.jsonValue({ maxDepth: 1 })),
        terraform_version: fc.oneof(fc.constant("1.11.4"), fc.jsonValue({ maxDepth: 1 })),
        serial: fc.oneof(fc.nat(), fc.jsonValue({ maxDepth: 1 })),
        lineage: fc.oneof(fc.uuid(), fc.jsonValue({ maxDepth: 1 })),
        outputs: fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 3 })),
        resources: fc.oneof(
          fc.constant(JSON.parse(valid).resources as unknown),
          fc.array(fc.record({ mode: fc.jsonValue({ maxDepth: 1 }), type: fc.jsonValue({ maxDepth: 1 }), name: fc.jsonValue({ maxDepth: 1 }), provider: fc.jsonValue({ maxDepth: 1 }), instances: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: [] }), { maxLength: 3 }),
          fc.jsonValue({ maxDepth: 3 }),
        ),
      }, { requiredKeys: [] })
      .map((s) => JSON.stringify(s));
    await fc.assert(
      fc.asyncProperty(fc.oneof(damaged(valid), shaped, fc.json()), fc.boolean(), async (text, force) => {
        const dir = freshDir({ "main.tf": VALID_HCL, "pushed.tfstate": text });
        const args = ["state", "push", `-chdir=${dir}`, ...(force ? ["-force"] : []), join(dir, "pushed.tfstate")];
        const r = await run(args);
        expectDiagnostic(r, args);
        if (r.code === 1) expect(r.stderr).toContain("pushed.tfstate");
        if (r.code === 0) {
          // What was accepted must read back: list and plan work on it (or refuse it with a diagnostic).
          for (const next of [["state", "list", `-chdir=${dir}`], ["plan", "-refresh=false", "-input=false", "-no-color", `-chdir=${dir}`]]) expectDiagnostic(await run(next), next);
        }
      }),
      { seed: 1505, numRuns: 120 },
    );
  });

  it("plan files given to show and apply: damaged bytes or a damaged plan inside a valid envelope are refused with a diagnostic naming the file", async () => {
    const validBytes = readFileSync(planFile);
    const envelope = JSON.parse(gunzipSync(validBytes).toString("utf8")) as { plan: Record<string, unknown> };
    const keys = Object.keys(envelope.plan);
    const damagedBytes = fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.boolean()).map(([at, bytes, truncate]) => {
      const i = at % validBytes.length;
      const b = Buffer.from(validBytes);
      if (truncate) return b.subarray(0, i);
      b.set(bytes.subarray(0, b.length - i), i);
      return b;
    });
    const damagedPlan = fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 }), fc.boolean()).map(([key, value, drop]) => {
      const plan: Record<string, unknown> = { ...envelope.plan };
      if (drop) delete plan[key];
      else plan[key] = value;
      return gzipSync(JSON.stringify({ ...envelope, plan }));
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(damagedBytes, damagedPlan), async (bytes) => {
        const dir = freshDir({ "main.tf": VALID_HCL, "terraform.tfstate": readFileSync(stateFile), "x.plan": bytes });
        for (const args of [["show", "-no-color", `-chdir=${dir}`, join(dir, "x.plan")], ["show", "-json", `-chdir=${dir}`, join(dir, "x.plan")], ["apply", "-no-color", `-chdir=${dir}`, join(dir, "x.plan")]]) {
          const r = await run(args);
          expectDiagnostic(r, args);
          if (r.code === 1) expect(r.stderr, r.stderr).toMatch(/x\.plan|plan/);
        }
      }),
      { seed: 1506, numRuns: 100 },
    );
  });
});
