import { Query, query, submit } from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Stream } from "effect"
import { requests, scenario, sim } from "./support/scenario.js"

describe("query and submit", () => {
  it.effect("query finds payments and refunds; stream walks every page", () =>
    scenario(Effect.gen(function*() {
      const s = yield* sim
      const payments = yield* Effect.forEach(Array.from({ length: 250 }), () => s.createPayment({ txamt: 100 }))
      const one = yield* query({ syssn: payments[0].syssn })
      expect(one.rows).toHaveLength(1)
      const rows = yield* Stream.runCollect(Query.stream({ syssn: payments.map((p) => p.syssn) }))
      expect(Chunk.size(rows)).toBe(250)
      expect((yield* requests("query")).slice(1).map((e) => e.params.page)).toEqual(["1", "2", "3"])
    })))

  it.effect("submit sends once and returns the classified answer", () =>
    scenario(Effect.gen(function*() {
      const p = yield* (yield* sim).createPayment({ txamt: 100 })
      const answer = yield* submit("refund", { syssn: p.syssn, txamt: 200 })
      expect([answer.code, answer.class]).toEqual(["1272", "refund-limit"])
      const ok = yield* submit("refund", { syssn: p.syssn, txamt: 100 })
      expect(ok.class).toBe("success")
      expect(ok.response?.txamt).toBe(100)
    })))
})
