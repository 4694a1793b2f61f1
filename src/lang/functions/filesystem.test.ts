import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";
import type { Scope } from "../evaluate.js";
import { functionContext } from "./context.js";
import { markSensitive } from "../value.js";

let dir: string;
let scope: Scope;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "backplan-lang-"));
  mkdirSync(path.join(dir, "templates"));
  writeFileSync(path.join(dir, "motd.txt"), "hello\n");
  writeFileSync(path.join(dir, "binary.bin"), Buffer.from([0xff, 0xfe, 0x00]));
  writeFileSync(
    path.join(dir, "templates", "policy.tftpl"),
    "name=${name}\n%{ for v in volumes ~}\n- ${v}\n%{ endfor ~}\nmotd=${trimspace(file(\"motd.txt\"))}\n",
  );
  writeFileSync(path.join(dir, "templates", "value.tftpl"), "${jsonencode(items)}");
  writeFileSync(path.join(dir, "templates", "bad.tftpl"), "${nope}");
  writeFileSync(path.join(dir, "templates", "nested.tftpl"), `\${templatefile("templates/value.tftpl", {items = []})}`);
  mkdirSync(path.join(dir, "scripts", "lib"), { recursive: true });
  writeFileSync(path.join(dir, "scripts", "a.sh"), "echo a\n");
  writeFileSync(path.join(dir, "scripts", "b.py"), "print(1)\n");
  writeFileSync(path.join(dir, "scripts", "lib", "c.sh"), "echo c\n");
  scope = { functions: functionContext({ baseDir: dir }), variables: { var: { secret: markSensitive("pw") } } };
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function value(src: string): Shown {
  const r = evalHcl(src, scope);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src, scope);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("filesystem functions (relative to the caller's base directory)", () => {
  it("file reads a file as text", () => {
    expect(value(`file("motd.txt")`)).toBe("hello\n");
  });
  it("filebase64 reads any bytes", () => {
    expect(value(`filebase64("binary.bin")`)).toBe("//4A");
  });
  it("fileexists tells whether a file is there", () => {
    expect(value(`[fileexists("motd.txt"), fileexists("nope.txt")]`)).toEqual([true, false]);
  });
  it("fileexists on a directory is an error", () => {
    expect(error(`fileexists("templates")`)).toMatch(/is not a regular file/);
  });
  it("abspath resolves against the base directory", () => {
    expect(value(`abspath("templates/../motd.txt")`)).toBe(path.join(dir, "motd.txt"));
  });
  it.each<[string, string, Shown]>([
    ["basename", `basename("/a/b/file.tf")`, "file.tf"],
    ["basename of a directory path with a trailing slash", `basename("/a/b/")`, "b"],
    ["dirname", `dirname("/a/b/file.tf")`, "/a/b"],
    ["dirname of a bare name", `dirname("file.tf")`, "."],
    ["pathexpand leaves a path without ~ alone", `pathexpand("/etc/x")`, "/etc/x"],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it("pathexpand replaces a leading ~ with the home directory", () => {
    expect(value(`pathexpand("~/x")`)).toBe(path.join(process.env["HOME"] ?? "", "x"));
  });
  it("file of a missing file names it", () => {
    expect(error(`file("nope.txt")`)).toMatch(/Invalid value for "path" parameter in call to file\(\): no file exists at "nope.txt"/);
  });
  it("file of binary content points to filebase64", () => {
    expect(error(`file("binary.bin")`)).toMatch(/not valid UTF-8; use the filebase64 function/);
  });
});

describe("file hashes and fileset", () => {
  it.each<[string, string, Shown]>([
    ["filemd5", `filemd5("motd.txt")`, "b1946ac92492d2347c6235b4d2611184"],
    ["filesha1", `filesha1("motd.txt")`, "f572d396fae9206628714fb2ce00f72e94f2258f"],
    ["filesha256", `filesha256("motd.txt")`, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"],
    ["filebase64sha256", `filebase64sha256("motd.txt")`, "WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM="],
    ["fileset with * stays in one directory", `fileset("scripts", "*.sh")`, ["a.sh"]],
    ["fileset with ** descends", `fileset("scripts", "**/*.sh")`, ["a.sh", "lib/c.sh"]],
    ["fileset with alternatives", `fileset("scripts", "*.{sh,py}")`, ["a.sh", "b.py"]],
    ["fileset of a missing directory is empty", `fileset("nope", "*")`, []],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });
  it("a hash of a missing file names it", () => {
    expect(error(`filesha256("nope")`)).toMatch(/no file exists at "nope"/);
  });
});

describe("templatestring", () => {
  it("renders a template held in a string", () => {
    // The template text is escaped ($${, %%{) so the call site passes it through unrendered, as text read
    // from elsewhere would be.
    expect(value(`templatestring("Hello, $\${name}!%%{ if admin } (admin)%%{ endif }", { name = "ops", admin = true })`)).toBe("Hello, ops! (admin)");
  });
});

describe("templatefile", () => {
  it("renders interpolations and directives with the given variables", () => {
    expect(value(`templatefile("templates/policy.tftpl", { name = "web", volumes = ["v1", "v2"] })`)).toBe(
      "name=web\n- v1\n- v2\nmotd=hello\n",
    );
  });
  it("a template that is a single interpolation yields its string", () => {
    expect(value(`templatefile("templates/value.tftpl", { items = [1, 2] })`)).toBe("[1,2]");
  });
  it("sensitive variables make the result sensitive", () => {
    expect(value(`templatefile("templates/value.tftpl", { items = [var.secret] })`)).toEqual({ $sensitive: '["pw"]' });
  });
  it("an undefined template variable is an error naming the template file and place", () => {
    const e = error(`templatefile("templates/bad.tftpl", {})`);
    expect(e).toMatch(/Call to function "templatefile" failed: .*bad\.tftpl:1,3: Unknown variable; There is no variable named "nope"/);
  });
  it("templatefile cannot call itself recursively", () => {
    expect(error(`templatefile("templates/nested.tftpl", {})`)).toMatch(/cannot recursively call templatefile/);
  });
  it("the variables must be an object", () => {
    expect(error(`templatefile("templates/value.tftpl", "x")`)).toMatch(/vars must be a map or an object/);
  });
});
