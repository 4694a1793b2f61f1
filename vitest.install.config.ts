import { defineConfig } from "vitest/config";

/** `npm run test:install`: the installs that build backplan from source (minutes each), kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ["test/install/**/*.test.ts"],
    testTimeout: 1_200_000,
    hookTimeout: 600_000,
    pool: "forks",
  },
});
