/** For the default branch of an exhaustive switch: a new union member becomes a compile error there. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
