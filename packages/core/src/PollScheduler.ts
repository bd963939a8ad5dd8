/**
 * How operations in progress are polled. By default each one polls on its own (in the fiber
 * that waits for it), which suits a handful. A backend with many operations in progress, or one
 * that resumes thousands at start-up, provides `PollScheduler.layer()`: a heap of small records
 * and a few fibers (a loop and `concurrency` enquiry slots), operations due within a short window
 * enquired together (up to 100 ids a request, QFPay's `page_size` limit), each still following
 * its own poll policy, deadline and `StillPending`. A slot takes the next batch when it is free,
 * so a slow enquiry holds up its own operations only. Enquiries go through the `Transport`, so
 * through its rate limiter.
 *
 * ```ts
 * const program = Effect.forEach(handles, (h) => pollUntilSettled(h), { concurrency: "unbounded" })
 * program.pipe(Effect.provide(PollScheduler.layer()), Effect.provide(QFPay))
 * // or, with no fiber per operation:
 * PollScheduler.track(handles) // Stream<Settlement>
 * ```
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type { Handle } from "./Handle.js"
import * as Decide from "./internal/decide.js"
import { settingsFor } from "./internal/policy.js"
import { run } from "./internal/run.js"
import * as Scheduler from "./internal/scheduler.js"
import { OperationObserver } from "./OperationObserver.js"
import type { PollPolicy } from "./PollPolicy.js"
import { PollProgress } from "./PollProgress.js"
import { QFPayConfig } from "./QFPayConfig.js"
import type { OperationError } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type { Transport } from "./Transport.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** Whether operations are polled together by one scheduler (`layer`) or each on its own. */
  readonly batched: boolean
}

/**
 * @since 0.2.0
 * @category constants
 */
export const inline: Service = { batched: false }

/**
 * @since 0.2.0
 * @category tags
 */
export class PollScheduler extends Context.Reference<PollScheduler>()("@effect-qfpay/core/PollScheduler", {
  defaultValue: (): Service => inline
}) {}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Operations due within this window of each other are enquired together. Default 1 second. */
  readonly window?: Duration.DurationInput | undefined
  /** Ids per enquiry, at most 100 (QFPay's `page_size`). Default 100. */
  readonly maxBatch?: number | undefined
  /** Enquiries in flight at once. Default 4. */
  readonly concurrency?: number | undefined
}

/**
 * A batching scheduler for the life of the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}) =>
  Effect.map(
    Scheduler.make({
      window: Duration.decode(options.window ?? "1 second"),
      maxBatch: Math.max(1, Math.min(100, Math.floor(options.maxBatch ?? 100))),
      concurrency: Math.max(1, Math.floor(options.concurrency ?? 4))
    }),
    (scheduler): Service => Scheduler.register({ batched: true }, scheduler)
  )

/**
 * Provides a batching scheduler to everything that polls under it: `refund`, `reverse`,
 * `close`, `cancel`, `undo`, `reconcile` and `pollUntilSettled`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never, never, QFPayConfig | Transport> =>
  Layer.scopedContext(Effect.map(make(options), (service) => Context.make(PollScheduler, service)))

/**
 * How one tracked operation ended.
 *
 * @since 0.2.0
 * @category models
 */
export interface Settlement {
  readonly handle: Handle
  readonly result: Either.Either<Receipt, OperationError>
}

/**
 * Polls many operations in progress (handles saved from `StillPending`, say, at start-up) and
 * emits each one's end as it comes. Under a batching scheduler no fiber is made per operation;
 * otherwise each polls on its own.
 *
 * @example
 * ```ts
 * import { Handle, PollScheduler } from "@effect-qfpay/core"
 * import { Effect, Either, Stream } from "effect"
 *
 * // At start-up: every handle a backend saved from StillPending, polled in batches of 100.
 * const saved: ReadonlyArray<Handle.Handle> = []
 * const resumed = PollScheduler.track(saved).pipe(
 *   Stream.runForEach((s) => Effect.log(Handle.describe(s.handle), Either.isRight(s.result) ? "settled" : "failed")),
 *   Effect.provide(PollScheduler.layer())
 * )
 * ```
 *
 * @since 0.2.0
 * @category polling
 */
export const track = (
  handles: Iterable<Handle>,
  policy?: PollPolicy
): Stream.Stream<Settlement, never, QFPayConfig | Transport> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const service = yield* PollScheduler
    const scheduler = Scheduler.schedulerOf(service)
    const list = [...handles]
    if (scheduler === undefined) {
      return Stream.fromIterable(list).pipe(
        Stream.mapEffect(
          (handle) =>
            Effect.map(Effect.either(run(handle, "poll", undefined, policy)), (result) => ({ handle, result })),
          { concurrency: "unbounded", unordered: true }
        )
      )
    }
    const config = yield* QFPayConfig
    const poll = policy ?? config.poll
    const settings = settingsFor(config, poll)
    const hooks = { observer: yield* OperationObserver, progress: yield* PollProgress }
    const queue = yield* Queue.unbounded<Settlement>()
    yield* Effect.addFinalizer(() => Queue.shutdown(queue))
    const now = yield* Clock.currentTimeMillis
    yield* scheduler.addAll(
      list.map((handle) => Decide.start(settings, handle, "poll", now)),
      poll,
      hooks,
      (result, handle) => queue.unsafeOffer({ handle, result }),
      yield* FiberRef.get(FiberRef.currentMetricLabels)
    )
    return Stream.take(Stream.fromQueue(queue), list.length)
  }))
