import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { createHash } from "node:crypto"
import { md5 } from "../src/internal/md5.js"
import { sha256 } from "../src/internal/sha256.js"

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

describe("pure digests", () => {
  it("agree with node:crypto at every length around the block boundaries", () => {
    for (let n = 0; n <= 200; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff)
      expect(hex(md5(bytes))).toBe(createHash("md5").update(bytes).digest("hex"))
      expect(hex(sha256(bytes))).toBe(createHash("sha256").update(bytes).digest("hex"))
    }
  })

  it("agree with node:crypto on random inputs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(hex(md5(bytes))).toBe(createHash("md5").update(bytes).digest("hex"))
        expect(hex(sha256(bytes))).toBe(createHash("sha256").update(bytes).digest("hex"))
      }),
      { numRuns: 300 }
    )
  })
})
