/**
 * Line numbers of the values in a JSON text, by path (`controls[0].max_rpo`), so that errors in a hand-written
 * JSON file can name their line. Assumes the text already parsed with JSON.parse; on anything unexpected it stops
 * and the paths it did not reach have no line.
 */
export function jsonLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) {
      if (text[i] === "\n") line++;
      i++;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    out.set(path, line);
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        const key = str();
        ws();
        i++; // ':'
        value(path === "" ? key : `${path}.${key}`);
        ws();
        if (text[i++] !== ",") return;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i++] !== ",") return;
      }
    } else if (c === '"') str();
    else while (i < text.length && /[^\s,\]}]/.test(text[i]!)) i++;
  };
  try {
    value("");
  } catch {
    // A malformed tail leaves the rest without lines; JSON.parse reports the syntax error itself.
  }
  return out;
}
