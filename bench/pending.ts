/**
 * 4. Pending at scale, in a process of its own so that its peak memory is its own:
 * `node pending.js <count> <tracked|inline>`. Prints one JSON line.
 *
 * `count` refunds are submitted and answered "in progress" (QFPay settles each after three
 * enquiries), as before a restart; then a fresh process (a second layer on the same simulator)
 * resumes them all:
 *
 * - `tracked`: `PollScheduler.track(handles)` under `PollScheduler.layer()`, its transport
 *   held to QFPay's documented limits (`RateLimit.documented`: 100 requests/s, 400/min);
 * - `inline`: each polls on its own (`pollUntilSettled` in a fiber each, no scheduler, no rate
 *   limit): what a backend did before the scheduler.
 *
 * Everything on the testing package's `VirtualClock`: the rate limiter's waits take no real
 * time. The simulator's request log is the witness: enquiries, ids per enquiry, the busiest
 * second and minute.
 */
import { Handle, PollPolicy, PollScheduler, pollUntilSettled, RateLimit, Submit } from "@effect-qfpay/core"
import * as Behaviour from "@effect-qfpay/testing/Behaviour"
import * as QFPayTest from "@effect-qfpay/testing/QFPayTest"
import * as Simulator from "@effect-qfpay/testing/Simulator"
import * as VirtualClock from "@effect-qfpay/testing/VirtualClock"
import { Effect, Either, Fiber, Stream } from "effect"
import { writeFileSync } from "node:fs"
import * as inspector from "node:inspector"

const count = Number(process.argv[2] ?? 100_000)
const mode = process.argv[3] ?? "tracked"
const gc = (globalThis as { gc?: () => void }).gc

// Resumed at start-up: a long deadline (the rate limit alone makes a round of 100 000 take
// 2.5 minutes), the default schedule otherwise.
const policy = PollPolicy.make({ deadline: "1 hour" })

const program = Effect.gen(function*() {
  const sim = yield* Simulator.make({
    behaviour: Behaviour.always(Behaviour.pending({ afterEnquiries: 3 })),
    // The witness needs the resume's requests only (3 000 for 100 000 tracked, three per refund
    // inline): a longer log is memory the measurement would count against the scheduler.
    limits: { requestLog: mode === "inline" ? count * 3 + 1000 : 10_000 }
  })
  // Before the restart: every refund submitted once, answered "in progress" (1145).
  const submitted = QFPayTest.layerFrom(sim)
  const handles: Array<Handle.Handle> = []
  yield* Effect.gen(function*() {
    for (let i = 0; i < count; i++) {
      const p = yield* Effect.orDie(sim.createPayment({ txamt: 100 }))
      const sent = yield* Effect.orDie(Submit.submit("refund", { syssn: p.syssn, txamt: 100 }))
      if (sent.code !== "1145") throw new Error(`a refund answered ${sent.code}`)
      handles.push(Handle.fromRefund(sent.prepared.request))
    }
  }).pipe(Effect.provide(submitted))
  gc?.()
  const rssBefore = process.memoryUsage().rss
  const maxRssBeforeBytes = process.resourceUsage().maxRSS * 1024
  const heapBefore = process.memoryUsage().heapUsed
  const from = yield* sim.requestCount
  const startedAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
  const started = performance.now()
  let settled = 0
  let failed = 0
  // With --expose-gc: a forced collection every 30 s of virtual time, and the live heap then.
  let maxLive = 0
  const sampler = Effect.forever(
    Effect.zipRight(
      Effect.sleep("30 seconds"),
      Effect.sync(() => {
        if (gc === undefined) return
        gc()
        maxLive = Math.max(maxLive, process.memoryUsage().heapUsed)
      })
    )
  )
  const sampling = process.env.PENDING_SAMPLE === "1" ? yield* Effect.fork(sampler) : undefined
  if (process.env.PENDING_DEBUG === "1") {
    yield* Effect.fork(Effect.forever(Effect.zipRight(
      Effect.sleep("5 seconds"),
      Effect.clockWith((clock) =>
        Effect.sync(() =>
          console.error(
            `t=${(clock.unsafeCurrentTimeMillis() - startedAt) / 1000}s real=${
              (performance.now() - started).toFixed(0)
            }ms heap=${(process.memoryUsage().heapUsed / 1e6).toFixed(0)}MB rss=${
              (process.memoryUsage().rss / 1e6).toFixed(0)
            }MB settled=${settled}`
          )
        )
      )
    )))
  }
  const profiling = process.env.PENDING_HEAP_PROFILE
  const session = profiling === undefined ? undefined : new inspector.Session()
  if (session !== undefined) {
    session.connect()
    yield* Effect.promise(() =>
      new Promise<void>((resolve) =>
        session.post("HeapProfiler.startSampling", {
          samplingInterval: 8192,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: false
        }, () => resolve())
      )
    )
  }
  if (mode === "tracked") {
    const resumed = QFPayTest.layerFrom(sim, { rateLimit: RateLimit.documented })
    yield* Stream.runForEach(
      PollScheduler.track(handles, policy),
      (s) => Effect.sync(() => (Either.isRight(s.result) ? settled++ : failed++))
    ).pipe(Effect.provide(PollScheduler.layer()), Effect.provide(resumed))
  } else {
    yield* Effect.forEach(
      handles,
      (h) =>
        Effect.match(pollUntilSettled(h, policy), {
          onFailure: () => void failed++,
          onSuccess: () => void settled++
        }),
      { concurrency: "unbounded", discard: true }
    ).pipe(Effect.provide(QFPayTest.layerFrom(sim)))
  }
  const realMillis = performance.now() - started
  // The peak of the work measured, before this script's own accounting below (the simulator's
  // views of 200 000 transactions, the request log) adds its share.
  const maxRssResumedBytes = process.resourceUsage().maxRSS * 1024
  gc?.()
  if (sampling !== undefined) yield* Fiber.interrupt(sampling)
  if (session !== undefined) {
    yield* Effect.promise(() =>
      new Promise<void>((resolve) =>
        session.post("HeapProfiler.stopSampling", (_, result) => {
          writeFileSync(profiling!, JSON.stringify(result.profile))
          resolve()
        })
      )
    )
  }
  const virtualMillis = (yield* Effect.clockWith((clock) => clock.currentTimeMillis)) - startedAt
  const log = (yield* sim.requestLog).filter((e) => e.index >= from)
  const total = (yield* sim.requestCount) - from
  const queries = log.filter((e) => e.operation === "query")
  const ids = queries.map((q) => (q.params.out_trade_no ?? q.params.syssn ?? "").split(",").length)
  const times = log.map((e) => e.at)
  const transactions = yield* sim.transactions
  return {
    settled,
    failed,
    refundsSettledAtQFPay: transactions.filter((t) => t.kind === "refund" && t.respcd === "0000").length,
    requests: total,
    logComplete: log.length === total,
    enquiries: queries.length,
    idsPerEnquiry: ids.length === 0 ? 0 : ids.reduce((a, b) => a + b, 0) / ids.length,
    maxIdsPerEnquiry: Math.max(0, ...ids),
    // Enquiries that asked for fewer than 100 ids: how many, and the first few (virtual seconds
    // from the resume).
    partialEnquiries: ids.filter((n) => n < 100).length,
    firstPartial: queries.flatMap((q, i) => ids[i]! < 100 ? [{ ids: ids[i]!, at: (q.at - startedAt) / 1000 }] : [])
      .slice(0, 5),
    busiestSecond: Simulator.mostInWindow(times, 1000),
    busiestMinute: Simulator.mostInWindow(times, 60_000),
    virtualMillis,
    realMillis,
    rssBeforeBytes: rssBefore,
    maxRssBeforeBytes,
    heapBeforeBytes: heapBefore,
    maxLiveHeapBytes: maxLive,
    maxRssResumedBytes
  }
})

const result = await Effect.runPromise(VirtualClock.settle(program))
console.log(JSON.stringify({ mode, count, ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 }))
