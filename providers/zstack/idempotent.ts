import { ApiError, ConnectionError } from "../http/errors.js";

/**
 * Creates an object whose id the client chose (`resourceUuid`), so that running the create again — after a
 * crash, a lost reply, or a retry — returns the object the first run made instead of a duplicate or an error.
 * `find` looks the id up; `create` performs the call. A create that fails because the id already exists (or
 * whose reply was lost) resolves to the object found afterwards.
 */
export async function createOnce<T>(find: () => Promise<T | null>, create: () => Promise<T>): Promise<T> {
  const existing = await find();
  if (existing !== null) return existing;
  try {
    return await create();
  } catch (e) {
    if (e instanceof ApiError || e instanceof ConnectionError) {
      const made = await find().catch(() => null);
      if (made !== null) return made;
    }
    throw e;
  }
}
