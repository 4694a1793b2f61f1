/** The engine's only source of time, so tests can drive expiry and scheduling deterministically. */
export interface Clock {
  now(): number; // epoch milliseconds
}

export const systemClock: Clock = { now: () => Date.now() };
