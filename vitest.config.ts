import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "providers/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**", "test/bench/**", "test/install/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most e2e files wait on child processes (Terraform, PostgreSQL, Swift, the engine): two files at a time keep
    // both cores busy. Vitest's default here would be one (cores - 1).
    maxWorkers: 2,
  },
});
