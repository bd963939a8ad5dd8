/**
 * 4. Polling at scale, in a process of its own so that its peak memory is its own:
 * `node pollers.js <count> <pollers|floor|testclock>`. Prints one JSON line. Section 4 compares
 * the scheduler's memory per record with these: a fiber per pending operation.
 *
 * - `pollers`: that many concurrent `pollUntilSettled` fibers on the in-memory layer, on a
 *   virtual clock, each settling after three enquiries.
 * - `floor`: that many bare fibers sleeping on the same clock: what Effect itself costs.
 * - `testclock`: that many bare fibers sleeping twice under Effect's `TestClock`: what waking
 *   them one by one costs, per sleeper.
 */
import { type Handle, PollPolicy, pollUntilSettled, Submit } from "@effect-qfpay/core"
import * as Behaviour from "@effect-qfpay/testing/Behaviour"
import * as QFPayTest from "@effect-qfpay/testing/QFPayTest"
import * as Simulator from "@effect-qfpay/testing/Simulator"
import * as VirtualClock from "@effect-qfpay/testing/VirtualClock"
import { Effect, Fiber, TestClock, TestContext } from "effect"

const count = Number(process.argv[2] ?? 10_000)
const mode = process.argv[3] ?? "pollers"
const gc = (globalThis as { gc?: () => void }).gc

let liveAtPeak = Number.NaN
const probe = (before: number) =>
  Effect.sleep("2500 millis").pipe(
    Effect.zipRight(Effect.sync(() => {
      // Every fiber is asleep before its first enquiry (at 3 s or later).
      gc?.()
      liveAtPeak = (process.memoryUsage().heapUsed - before) / count
    }))
  )

if (mode === "testclock") {
  const started = performance.now()
  await Effect.runPromise(
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: count }),
          () => Effect.zipRight(Effect.sleep("3 seconds"), Effect.sleep("2 seconds")),
          {
            concurrency: "unbounded",
            discard: true
          }
        )
      )
      yield* TestClock.adjust("3 seconds")
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
    }).pipe(Effect.provide(TestContext.TestContext))
  )
  console.log(JSON.stringify({ mode, count, millisPerWake: (performance.now() - started) / (2 * count) }))
  process.exit(0)
}

const program = Effect.gen(function*() {
  const sim = yield* Simulator.Simulator
  yield* sim.setBehaviour(Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })))
  const handles: Array<Handle.Handle> = []
  if (mode !== "floor") {
    const payments = yield* Effect.forEach(
      Array.from({ length: count }),
      () => Effect.orDie(sim.createPayment({ txamt: 100 }))
    )
    // Refunds QFPay holds "in progress": submitted once (each answered 1145) before polling.
    for (const [i, p] of payments.entries()) {
      const handle: Handle.RefundHandle = {
        _tag: "RefundHandle",
        syssn: p.syssn as Handle.RefundHandle["syssn"],
        out_trade_no: `POLL${i}` as Handle.RefundHandle["out_trade_no"],
        txamt: p.txamt as Handle.RefundHandle["txamt"],
        txdtm: p.txdtm as Handle.RefundHandle["txdtm"]
      }
      yield* Effect.orDie(Submit.submit("refund", handle))
      handles.push(handle)
    }
  }
  gc?.()
  const before = process.memoryUsage().heapUsed
  const policy = PollPolicy.make()
  const started = performance.now()
  let settled = 0
  const work = mode !== "floor"
    ? Effect.forEach(handles, (h) => Effect.tap(pollUntilSettled(h, policy), () => void settled++), {
      concurrency: "unbounded",
      discard: true
    })
    : Effect.forEach(Array.from({ length: count }), () => Effect.sleep("4 seconds"), {
      concurrency: "unbounded",
      discard: true
    })
  yield* VirtualClock.settle(
    Effect.all([Effect.orDie(work), probe(before)], { concurrency: "unbounded", discard: true })
  )
  return { settled, settleMillis: performance.now() - started }
})

const result = await Effect.runPromise(program.pipe(Effect.provide(QFPayTest.layer)))
console.log(JSON.stringify({
  mode,
  count,
  settled: result.settled,
  settleMillis: result.settleMillis,
  liveBytesPerFiberAtPeak: liveAtPeak,
  maxRssBytes: process.resourceUsage().maxRSS * 1024
}))
