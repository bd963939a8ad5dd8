import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const root = path.dirname(fileURLToPath(import.meta.url))
const src = path.join(root, "packages")

export default defineConfig({
  resolve: {
    // Tests run against the sources, so a test never passes against a stale build.
    alias: [
      { find: /^@effect-qfpay\/(core|http|testing|durable)$/, replacement: `${src}/$1/src/index.ts` },
      { find: /^@effect-qfpay\/(core|http|testing|durable)\/(.+)$/, replacement: `${src}/$1/src/$2.ts` }
    ]
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "threads",
    sequence: { concurrent: false }
  }
})
