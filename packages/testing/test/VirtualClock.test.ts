import { Endpoint, PollPolicy, refund } from "@effect-qfpay/core"
import { Behaviour, QFPayTest, Simulator, VirtualClock } from "@effect-qfpay/testing"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Deferred, Effect, Exit, Fiber, Schedule } from "effect"

describe("VirtualClock", () => {
  it.live("takes no real time, and wakes sleepers in time order", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      const started = Date.now()
      const exit = yield* VirtualClock.run(
        Effect.all([
          Effect.sleep("3 hours").pipe(Effect.zipRight(Clock.currentTimeMillis), Effect.tap(() => order.push("c"))),
          Effect.sleep("1 second").pipe(Effect.zipRight(Clock.currentTimeMillis), Effect.tap(() => order.push("a"))),
          Effect.sleep("2 minutes").pipe(Effect.zipRight(Clock.currentTimeMillis), Effect.tap(() => order.push("b")))
        ], { concurrency: "unbounded" })
      )
      expect(exit).toEqual(Exit.succeed([3 * 3600_000, 1000, 120_000]))
      expect(order).toEqual(["a", "b", "c"])
      expect(Date.now() - started).toBeLessThan(2000)
    }))

  it.live("waits for fibers waiting on each other before moving time", () =>
    Effect.gen(function*() {
      const exit = yield* VirtualClock.run(
        Effect.gen(function*() {
          const gate = yield* Deferred.make<number>()
          const waiter = yield* Effect.fork(Effect.flatMap(Deferred.await(gate), (n) => Effect.as(Effect.sleep(n), n)))
          yield* Effect.sleep("5 seconds")
          yield* Deferred.succeed(gate, 1000)
          yield* Fiber.join(waiter)
          return yield* Clock.currentTimeMillis
        })
      )
      expect(exit).toEqual(Exit.succeed(6000))
    }))

  it.live("interrupted sleepers do not hold time back", () =>
    Effect.gen(function*() {
      const exit = yield* VirtualClock.run(
        Effect.race(Effect.as(Effect.sleep("1 hour"), "slow"), Effect.as(Effect.sleep("1 second"), "fast")).pipe(
          Effect.zipRight(Clock.currentTimeMillis)
        )
      )
      expect(exit).toEqual(Exit.succeed(1000))
    }))

  it.live("drives the programs: enquiries at exactly the scheduled times", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
      const policy = PollPolicy.fromSchedule(Schedule.spaced("2 seconds"), {
        firstDelay: "3 seconds",
        deadline: "1 minute"
      })
      const payment = yield* Effect.orDie(sim.createPayment({ txamt: 1000 }))
      const receipt = yield* VirtualClock.settle(refund({ syssn: payment.syssn, txamt: 1000 }, { poll: policy }))
      expect(receipt.enquiries).toBe(3)
      const log = yield* sim.requestLog
      expect(log.filter((e) => e.path === Endpoint.query.path).map((e) => e.at - log[0].at)).toEqual([3000, 5000, 7000])
    }).pipe(Effect.provide(QFPayTest.layer)))

  it.live("2 000 concurrent pollers all settle (pnpm bench measures 10 000)", () =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
      const payments = yield* Effect.forEach(Array.from({ length: 2_000 }), () =>
        Effect.orDie(sim.createPayment({ txamt: 100 })))
      const receipts = yield* VirtualClock.settle(
        Effect.forEach(payments, (p) =>
          refund({ syssn: p.syssn, txamt: 100 }), { concurrency: "unbounded" })
      )
      expect(receipts).toHaveLength(2_000)
      expect(receipts.every((r) => r.enquiries === 3)).toBe(true)
    }).pipe(Effect.provide(QFPayTest.layer)))
})
