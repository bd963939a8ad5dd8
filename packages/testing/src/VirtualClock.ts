/**
 * Virtual time for tests with many fibers: like `TestClock`, sleeps take no real time and time
 * jumps straight to the next wake-up, but every fiber due at the same instant wakes at once, and
 * "everything is waiting" is known in constant time (a scheduler that counts the tasks it has not
 * run yet), not by inspecting every fiber. Ten thousand pollers cost what their work costs.
 *
 * For code whose only waits are on the clock or on each other (the in-memory test layer): with
 * real I/O in flight, time would move on without it. The same goes for a promise awaited inside
 * an effect: `@effect/workflow` names executions with WebCrypto's `crypto.subtle.digest`, a
 * promise, so while it settles every fiber looks asleep and time jumps to the next wake-up. To
 * drive durable operations on virtual time, give those steps a synchronous digest (as the
 * reference backend's property test does) or run them on real time.
 *
 * ```ts
 * const exit = yield* VirtualClock.run(refund({ syssn, txamt: 500 }))
 * ```
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Scheduler from "effect/Scheduler"
import { Heap } from "./internal/heap.js"

interface Sleeper {
  readonly at: number
  readonly seq: number
  readonly wake: () => void
  cancelled: boolean
}

/**
 * A clock whose time moves only when told.
 *
 * @since 0.1.0
 * @category models
 */
export class VirtualClock implements Clock.Clock {
  /**
   * @since 0.1.0
   */
  readonly [Clock.ClockTypeId]: Clock.ClockTypeId = Clock.ClockTypeId
  private now: number
  private seq = 0
  // Wake-ups in time order, then in the order they were asked.
  private readonly heap = new Heap<Sleeper>()
  private live = 0

  constructor(start = 0) {
    this.now = start
  }

  /**
   * The virtual time, epoch milliseconds.
   *
   * @since 0.1.0
   */
  unsafeCurrentTimeMillis(): number {
    return this.now
  }

  get currentTimeMillis(): Effect.Effect<number> {
    return Effect.sync(() => this.now)
  }

  /**
   * The virtual time, epoch nanoseconds.
   *
   * @since 0.1.0
   */
  unsafeCurrentTimeNanos(): bigint {
    return BigInt(Math.round(this.now * 1_000_000))
  }

  get currentTimeNanos(): Effect.Effect<bigint> {
    return Effect.sync(() => this.unsafeCurrentTimeNanos())
  }

  /**
   * Sleeps until the virtual clock reaches now + `duration` (woken by `advanceTo`).
   *
   * @since 0.1.0
   */
  sleep(duration: Duration.Duration): Effect.Effect<void> {
    const millis = Duration.toMillis(duration)
    if (!(millis > 0)) return Effect.void
    return Effect.async<void>((resume) => {
      const sleeper: Sleeper = {
        at: this.now + millis,
        seq: this.seq++,
        wake: () => resume(Effect.void),
        cancelled: false
      }
      this.heap.push(sleeper)
      this.live++
      return Effect.sync(() => {
        if (!sleeper.cancelled) {
          sleeper.cancelled = true
          this.live--
        }
      })
    })
  }

  /** Fibers asleep right now. */
  get sleeping(): number {
    return this.live
  }

  /**
   * When the next sleeper wakes, if any.
   *
   * @since 0.1.0
   */
  nextWakeUp(): number | undefined {
    this.dropCancelled()
    return this.heap.peek()?.at
  }

  /**
   * Moves time to `at` and wakes every sleeper due by then, in order.
   *
   * @since 0.1.0
   */
  advanceTo(at: number): number {
    let woken = 0
    this.now = Math.max(this.now, at)
    for (;;) {
      this.dropCancelled()
      const top = this.heap.peek()
      if (top === undefined || top.at > this.now) break
      this.heap.pop()
      top.cancelled = true
      this.live--
      woken++
      top.wake()
    }
    return woken
  }

  /** @internal */
  private dropCancelled() {
    // Cancelled entries were already uncounted.
    while (this.heap.peek()?.cancelled === true) this.heap.pop()
  }
}

/**
 * A scheduler that counts the tasks it was given and has not run yet: zero means every fiber
 * using it is waiting (on the clock, or on another fiber) or done.
 *
 * @since 0.1.0
 * @category models
 */
export class CountingScheduler implements Scheduler.Scheduler {
  /**
   * Tasks handed to the underlying scheduler and not yet run.
   *
   * @since 0.1.0
   */
  pending = 0
  constructor(readonly underlying: Scheduler.Scheduler = Scheduler.defaultScheduler) {}
  /**
   * Counts the runtime's question and forwards it to the underlying scheduler.
   *
   * @since 0.1.0
   */
  shouldYield(fiber: Parameters<Scheduler.Scheduler["shouldYield"]>[0]): number | false {
    return this.underlying.shouldYield(fiber)
  }
  /**
   * Counts the task and hands it to the underlying scheduler.
   *
   * @since 0.1.0
   */
  scheduleTask(
    task: Scheduler.Task,
    priority: number,
    fiber?: Parameters<Scheduler.Scheduler["scheduleTask"]>[2]
  ): void {
    this.pending++
    this.underlying.scheduleTask(
      () => {
        try {
          task()
        } finally {
          this.pending--
        }
      },
      priority,
      fiber
    )
  }
}

// Lets queued tasks run: the microtasks before it, and a turn of the event loop (setImmediate,
// not setTimeout, which Node clamps to a millisecond). Tasks the scheduler put off to a timer
// show in its count, and the driver turns again.
const turn = Effect.async<void>((resume) => {
  const immediate = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(immediate))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The time the clock starts at, in epoch milliseconds. Default 0. */
  readonly start?: number | undefined
  /** Gives up (interrupting the effect) after this many wake-ups. Default 10 000 000. */
  readonly maxWakeUps?: number | undefined
}

/**
 * Runs an effect on a fresh virtual clock, moving time to each next wake-up whenever every
 * fiber of the effect is waiting, and returns its exit.
 *
 * @since 0.1.0
 * @category running
 */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: Options = {}
): Effect.Effect<Exit.Exit<A, E>, never, R> =>
  Effect.gen(function*() {
    const clock = new VirtualClock(options.start ?? 0)
    const scheduler = new CountingScheduler()
    const fiber = yield* Effect.fork(effect.pipe(Effect.withClock(clock), Effect.withScheduler(scheduler)))
    const maxWakeUps = options.maxWakeUps ?? 10_000_000
    let woken = 0
    for (;;) {
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) return done.value
      if (scheduler.pending > 0) {
        yield* turn
        continue
      }
      const next = clock.nextWakeUp()
      if (next === undefined) {
        // Waiting on something other than time (a fiber of another runtime, real I/O).
        yield* turn
        continue
      }
      woken += clock.advanceTo(next)
      if (woken > maxWakeUps) return yield* Fiber.interrupt(fiber)
      yield* turn
    }
  })

/**
 * `run`, failing with the effect's own error.
 *
 * @since 0.1.0
 * @category running
 */
export const settle = <A, E, R>(effect: Effect.Effect<A, E, R>, options?: Options): Effect.Effect<A, E, R> =>
  Effect.flatMap(run(effect, options), (exit) => exit)
