import { Endpoint } from "@effect-qfpay/core"
import { HttpTransport, RateLimit } from "@effect-qfpay/http"
import { QFPayTest } from "@effect-qfpay/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"

// Within every window of `millis`, at most `limit` of the (sorted) times.
const maxInWindow = (times: ReadonlyArray<number>, millis: number): number => {
  let max = 0
  let start = 0
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= millis) start++
    max = Math.max(max, end - start + 1)
  }
  return max
}

describe("RateLimit", () => {
  it.effect("holds a burst of 500 to 100 per second and 400 per minute, in any window", () =>
    Effect.gen(function*() {
      const limit = RateLimit.make()
      const times: Array<number> = []
      yield* QFPayTest.settleWithTestClock(
        Effect.forEach(
          Array.from({ length: 500 }),
          () => limit(Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.sync(() => times.push(now)))),
          { concurrency: "unbounded" }
        )
      )
      times.sort((a, b) => a - b)
      expect(times).toHaveLength(500)
      expect(maxInWindow(times, 1000)).toBe(100)
      expect(maxInWindow(times, 60_000)).toBe(400)
      // As fast as the limits allow: 100 at once, then a hundred a second, then the minute.
      expect(times[99]).toBe(0)
      expect(times[100]).toBe(1000)
      expect(times[399]).toBe(3000)
      expect(times[400]).toBe(60_000)
      expect(times[499]).toBe(60_000)
    }))

  it.effect("is shared by every request of one transport layer, submits and enquiries alike", () =>
    Effect.gen(function*() {
      const times: Array<number> = []
      const client = HttpClient.make((request) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          times.push(now)
          return Effect.succeed(
            HttpClientResponse.fromWeb(request, new Response(`{"respcd":"0000","data":[]}`, { status: 200 }))
          )
        })
      )
      const transport = HttpTransport.fromClient(client, {
        baseUrl: "http://qfpay.invalid",
        rateLimiter: RateLimit.make([{ limit: 2, window: "1 second" }])
      })
      yield* QFPayTest.settleWithTestClock(
        Effect.forEach(
          [Endpoint.refund, Endpoint.query, Endpoint.query, Endpoint.reversal, Endpoint.close],
          (endpoint) => transport.send({ endpoint, params: {}, headers: {} }),
          { concurrency: "unbounded" }
        )
      )
      expect(times).toEqual([0, 0, 1000, 1000, 2000])
    }))

  it.effect("can be turned off", () =>
    Effect.gen(function*() {
      const limit = RateLimit.unlimited
      const times: Array<number> = []
      yield* Effect.forEach(Array.from({ length: 300 }), () =>
        limit(Effect.map(Clock.currentTimeMillis, (t) => times.push(t))))
      expect(new Set(times)).toEqual(new Set([0]))
    }))
})
