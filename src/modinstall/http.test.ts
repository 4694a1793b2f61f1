import { describe, expect, it } from "vitest";
import { archiveOf, resolveRelative } from "./http.js";

describe("archive detection, as go-getter's HTTP getter decides it", () => {
  const cases: [string, string | undefined, string?][] = [
    ["https://example.com/m.zip", "zip"],
    ["https://example.com/m.tar.gz", "tar.gz"],
    ["https://example.com/m.TGZ", "tgz"],
    ["https://example.com/m.tar.xz?token=1", "tar.xz"],
    ["https://example.com/download?archive=zip&v=2", "zip", "https://example.com/download?v=2"],
    ["https://example.com/m.zip?archive=false", undefined],
    ["https://example.com/mods/cdp", undefined],
  ];
  for (const [url, format, download] of cases) {
    it(`${url} → ${format ?? "not an archive"}`, () => {
      const a = archiveOf(url);
      expect(a?.format).toBe(format);
      if (download) expect(a?.url).toBe(download);
    });
  }
  it("refuses an archive format it cannot unpack", () => expect(() => archiveOf("https://e.com/x?archive=rar")).toThrow(/not an archive format/));
  it("registry locations: relative ones resolve against the download URL, others are source addresses", () => {
    const base = "https://r.example.com/v1/modules/ns/n/s/1.0.0/download";
    expect(resolveRelative("./pkg.tgz", base)).toBe("https://r.example.com/v1/modules/ns/n/s/1.0.0/pkg.tgz");
    expect(resolveRelative("/files/pkg.tgz//sub", base)).toBe("https://r.example.com/files/pkg.tgz//sub");
    expect(resolveRelative("git::https://g.example.com/r.git?ref=v1", base)).toBe("git::https://g.example.com/r.git?ref=v1");
  });
});
