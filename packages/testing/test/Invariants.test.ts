/**
 * The six invariants of SIMULATOR.md, hundreds of runs each, through the real core programs on
 * the in-memory layer (see `Invariants` for what each checks).
 */
import { Invariants } from "@effect-qfpay/testing"
import { describe, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"

// INVARIANT_RUNS raises the count for a longer hunt (the CI default keeps the suite fast).
const RUNS = Number(process.env.INVARIANT_RUNS ?? 500)

describe("invariants", () => {
  for (const [name, property] of Object.entries(Invariants.all)) {
    it(name, async () => {
      await fc.assert(property(), { numRuns: RUNS })
    })
  }
})
