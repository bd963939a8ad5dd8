import { Endpoint, type Transport } from "@effect-qfpay/core"
import { HttpTransport, NodeTransport, RateLimit } from "@effect-qfpay/http"
import { QFPayTest, Simulator } from "@effect-qfpay/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { MockAgent } from "undici"

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
      expect(Simulator.mostInWindow(times, 1000)).toBe(100)
      expect(Simulator.mostInWindow(times, 60_000)).toBe(400)
      // As fast as the limits allow: 100 at once, then a hundred a second, then the minute.
      expect(times[99]).toBe(0)
      expect(times[100]).toBe(1000)
      expect(times[399]).toBe(3000)
      expect(times[400]).toBe(60_000)
      expect(times[499]).toBe(60_000)
    }))

  // Each transport over a stand-in for the network that notes the (test) time of each request.
  const limited = () => RateLimit.make([{ limit: 2, window: "1 second" }])
  const stubs: Record<string, (clock: Clock.Clock, times: Array<number>) => Transport.Service> = {
    NodeTransport: (clock, times) => {
      const agent = new MockAgent()
      agent.disableNetConnect()
      agent.get("http://qfpay.invalid").intercept({ path: () => true, method: () => true }).reply(() => {
        times.push(clock.unsafeCurrentTimeMillis())
        return { statusCode: 200, data: `{"respcd":"0000","data":[]}` }
      }).persist()
      return NodeTransport.make({ baseUrl: "http://qfpay.invalid", dispatcher: agent, rateLimiter: limited() })
    },
    HttpTransport: (_, times) =>
      HttpTransport.fromClient(
        HttpClient.make((request) =>
          Effect.flatMap(Clock.currentTimeMillis, (now) => {
            times.push(now)
            return Effect.succeed(
              HttpClientResponse.fromWeb(request, new Response(`{"respcd":"0000","data":[]}`, { status: 200 }))
            )
          })
        ),
        { baseUrl: "http://qfpay.invalid", rateLimiter: limited() }
      )
  }

  for (const [name, stub] of Object.entries(stubs)) {
    it.effect(`${name}: is shared by every request of one transport layer, submits and enquiries alike`, () =>
      Effect.gen(function*() {
        const times: Array<number> = []
        const transport = stub(yield* Effect.clock, times)
        yield* QFPayTest.settleWithTestClock(
          Effect.forEach(
            [Endpoint.refund, Endpoint.query, Endpoint.query, Endpoint.reversal, Endpoint.close],
            (endpoint) => transport.send({ endpoint, params: {}, headers: {} }),
            { concurrency: "unbounded" }
          )
        )
        expect(times).toEqual([0, 0, 1000, 1000, 2000])
      }))
  }

  it.effect("can be turned off", () =>
    Effect.gen(function*() {
      const limit = RateLimit.unlimited
      const times: Array<number> = []
      yield* Effect.forEach(Array.from({ length: 300 }), () =>
        limit(Effect.map(Clock.currentTimeMillis, (t) => times.push(t))))
      expect(new Set(times)).toEqual(new Set([0]))
    }))
})
