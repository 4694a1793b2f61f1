import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "providers/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**", "test/bench/**", "test/install/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
