/**
 * Durable operations survive kill -9: the crash harness, short (pnpm test) or long (pnpm crash:
 * CRASH_INTENTS=500 CRASH_KILLS=50).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Harness from "./crash/harness.js"

const intents = Number(process.env.CRASH_INTENTS ?? 20)
const kills = Number(process.env.CRASH_KILLS ?? 5)
const seed = Number(process.env.CRASH_SEED ?? 7)

describe("durable operations under kill -9", () => {
  it(`${intents} intents, ${kills} kills: each refunded or cancelled exactly once, all settled`, async () => {
    const summary = await Harness.run({ intents, kills, seed })
    console.log(Harness.line(summary))
    expect(summary.problems).toEqual([])
    expect([summary.doubles, summary.lost, summary.wrongAmounts, summary.notSettled]).toEqual([0, 0, 0, 0])
  }, 30 * 60_000)
})
