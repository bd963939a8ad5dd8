/**
 * Batched polling: one loop, a few enquiry slots (fibers) and one heap of small records replace
 * a fiber per operation in progress. Records due within a short window are enquired together, up to 100 ids a request
 * (the enquiry takes comma-separated `out_trade_no` / `syssn` lists), and each record's rows go
 * back through the same `decide` as inline polling: every record still follows its own poll
 * policy, deadline and `StillPending`.
 *
 * `@effect/experimental`'s `RequestResolver.dataLoader` batches across fibers within a window,
 * but it keeps a fiber per waiting operation and knows nothing of per-operation schedules and
 * deadlines; a hundred thousand operations resumed at start-up should not need a hundred
 * thousand fibers.
 *
 * @internal
 */
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import type * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Handle } from "../Handle.js"
import * as OperationObserver_ from "../OperationObserver.js"
import { OperationObserver, type Service as Observer } from "../OperationObserver.js"
import type { OperationState } from "../OperationState.js"
import type { PollPolicy } from "../PollPolicy.js"
import { PollProgress, type Service as Progress } from "../PollProgress.js"
import { QFPayConfig } from "../QFPayConfig.js"
import { type OperationError, OutcomeUnknown } from "../QFPayError.js"
import type { Receipt } from "../Receipt.js"
import { Transport } from "../Transport.js"
import * as Client from "./client.js"
import * as Decide from "./decide.js"
import { Heap } from "./heap.js"
import { observe } from "./observe.js"
import { delay, settingsFor } from "./policy.js"
import { compact } from "./request.js"
import { Stepper } from "./schedule.js"
import * as Telemetry from "./telemetry.js"

const COALESCE = Duration.millis(10)

/** @internal */
export interface Options {
  /** Records due within this window of the first one are enquired together. */
  readonly window: Duration.Duration
  /** Ids per enquiry: the enquiry's `page_size` is at most 100. */
  readonly maxBatch: number
  /** Enquiries in flight at once (the transport's rate limiter paces them). */
  readonly concurrency: number
}

// The public face (`PollScheduler`) is opaque; the running scheduler behind a batched one is
// found here.
const registry = new WeakMap<object, Scheduler>()

/** @internal */
export const register = <S extends object>(service: S, scheduler: Scheduler): S => {
  registry.set(service, scheduler)
  return service
}

/** @internal */
export const schedulerOf = (service: object): Scheduler | undefined => registry.get(service)

/**
 * How a record ends, with the handle it started with: one function can serve a hundred
 * thousand records (`track`), where a closure per record would cost more than the record.
 *
 * @internal
 */
export type Done = (result: Either.Either<Receipt, OperationError>, handle: Handle) => void

interface Entry {
  state: OperationState
  /** The handle it was given, for `done`. */
  readonly handle: Handle
  readonly settings: Decide.Settings
  readonly policy: PollPolicy
  readonly stepper: Stepper
  /** The observer's `onState`; undefined for the default one, which does nothing. */
  readonly observe: Observer["onState"] | undefined
  readonly progress: Progress
  readonly done: Done
  readonly tally: Telemetry.Tally
  dueAt: number
  seq: number
  cancelled: boolean
}

/** What a record needs from the caller: its observer and progress. @internal */
export interface Hooks {
  readonly observer: Observer
  readonly progress: Progress
}

/** @internal */
export interface Scheduler {
  /** Takes over an operation entering its poll phase (the step that asks for the first wait). */
  readonly add: (
    step: Decide.Step,
    policy: PollPolicy,
    hooks: Hooks,
    done: Done,
    tally: Telemetry.Tally
  ) => Effect.Effect<{ readonly cancel: Effect.Effect<void> }>
  /**
   * Takes over many operations at once (`track`): no handle to cancel each; each counted with
   * the caller's metric labels.
   */
  readonly addAll: (
    steps: ReadonlyArray<Decide.Step>,
    policy: PollPolicy,
    hooks: Hooks,
    done: Done,
    labels: ReadonlyArray<MetricLabel.MetricLabel>
  ) => Effect.Effect<void>
}

const TRUE = Effect.succeed(true)
const FALSE = Effect.succeed(false)
const logObserverDefect = (defect: unknown) => Effect.logError("QFPay observer failed", defect)
const logProgressDefect = (defect: unknown) => Effect.logError("QFPay poll progress hook failed", defect)

// A record ends: counted, then handed back.
const finish = (entry: Entry, result: Either.Either<Receipt, OperationError>) => {
  Telemetry.ended(entry.tally, result, entry.state)
  entry.done(result, entry.handle)
}

// The enquiry that finds several operations at once: refunds by their own ids, cancellations by
// their payments'.
const keyOf = (handle: Handle): { readonly field: "out_trade_no" | "syssn"; readonly id: string } =>
  handle._tag === "RefundHandle"
    ? { field: "out_trade_no", id: handle.out_trade_no }
    : handle.syssn !== undefined
    ? { field: "syssn", id: handle.syssn }
    : { field: "out_trade_no", id: handle.out_trade_no! }

/** @internal */
export const make = (
  options: Options
): Effect.Effect<Scheduler, never, Scope.Scope | QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const transport = yield* Transport
    const heap = new Heap<Entry>()
    const window = Duration.toMillis(options.window)
    let seq = 0
    let wake = yield* Deferred.make<void>()
    let sleepingUntil = Infinity
    // The loop was woken by a record scheduled while it slept (not by a slot's end).
    let arrivedSignal = false

    const provide = <A, E>(effect: Effect.Effect<A, E, QFPayConfig | Transport>) =>
      effect.pipe(Effect.provideService(QFPayConfig, config), Effect.provideService(Transport, transport))

    const schedule = (entry: Entry, dueAt: number) => {
      entry.dueAt = dueAt
      entry.seq = seq++
      heap.push(entry)
      if (dueAt < sleepingUntil) {
        arrivedSignal = true
        Deferred.unsafeDone(wake, Exit.void)
      }
    }

    // Every record's time comes from the scheduler's clock, as its own sleeps do.
    const clock = yield* Effect.clock
    // One settings object per poll policy, not one per record.
    const settingsByPolicy = new WeakMap<PollPolicy, Decide.Settings>()
    const settingsOf = (policy: PollPolicy) => {
      let settings = settingsByPolicy.get(policy)
      if (settings === undefined) {
        settings = settingsFor(config, policy)
        settingsByPolicy.set(policy, settings)
      }
      return settings
    }

    // Runs a record's decisions until it needs an enquiry (true), sleeps, or ends. A hundred
    // thousand records go through this each round: it takes no step that has nothing to do (the
    // default observer, a first wait's report) and no generator.
    const advance = (entry: Entry, step: Decide.Step): Effect.Effect<boolean> => {
      entry.state = step.state
      return entry.observe === undefined
        ? act(entry, step.action)
        : Effect.flatMap(Effect.catchAllDefect(entry.observe(step.state), logObserverDefect), () =>
          act(entry, step.action))
    }

    const act = (entry: Entry, action: Decide.Action): Effect.Effect<boolean> => {
      switch (action._tag) {
        case "Enquire":
          Telemetry.enquired(entry.tally, entry.state.phase)
          return TRUE
        case "Sleep": {
          const dueAt = clock.unsafeCurrentTimeMillis() + action.millis
          if (entry.state.polls === 0) {
            schedule(entry, dueAt)
            return FALSE
          }
          return Effect.map(report(entry, Option.some(Duration.millis(action.millis))), () => {
            schedule(entry, dueAt)
            return false
          })
        }
        case "Wait":
          return Effect.flatMap(
            delay(action, entry.policy, entry.stepper, clock.unsafeCurrentTimeMillis(), entry.state.lastCode),
            (event) =>
              advance(entry, Decide.decide(entry.settings, entry.state, event))
          )
        case "Done":
          finish(entry, Either.right(action.receipt))
          return FALSE
        case "Fail":
          if (entry.state.polls > 0) {
            return Effect.map(report(entry, Option.none()), () => {
              finish(entry, Either.left(action.error))
              return false
            })
          }
          finish(entry, Either.left(action.error))
          return FALSE
        case "Send":
          // Polling never resubmits; a state that asks for it is not this scheduler's to run.
          finish(
            entry,
            Either.left(new OutcomeUnknown({ handle: entry.state.handle, detail: "polling cannot resubmit" }))
          )
          return FALSE
      }
    }

    // A progress hook that fails is logged: it must not end the scheduler's fibers (and with
    // them every record in the heap).
    const report = (entry: Entry, nextIn: Option.Option<Duration.Duration>) =>
      entry.state.polls === 0 ? Effect.void : Effect.catchAllDefect(
        entry.progress.onEnquiry({
          handle: entry.state.handle,
          attempt: entry.state.polls,
          lastCode: entry.state.lastCode,
          nextIn
        }),
        logProgressDefect
      )

    // One enquiry for up to `maxBatch` records of the same kind; its rows go to each of them.
    const enquire = (field: "out_trade_no" | "syssn", taken: ReadonlyArray<Entry>) => {
      // Records whose caller stopped waiting while they sat in a buffer are not asked for.
      const batch = taken.filter((e) => !e.cancelled)
      if (batch.length === 0) return Effect.void
      const ids = [...new Set(batch.map((e) => keyOf(e.state.handle).id))]
      const params = compact({
        [field]: ids.join(","),
        page_size: "100",
        mchid: Option.getOrUndefined(config.mchid)
      }) as Record<string, string>
      return Effect.flatMap(
        Effect.either(Telemetry.batchEnquiry(batch.length, provide(Client.query(params)))),
        (result) => {
          const now = clock.unsafeCurrentTimeMillis()
          return Effect.forEach(batch, (entry) => {
            if (entry.cancelled) return Effect.void
            const event: Decide.Event = result._tag === "Right"
              ? { _tag: "Observed", now, observation: observe(entry.state.handle, result.right.rows) }
              : { _tag: "EnquiryFailed", now, error: result.left }
            return advance(entry, Decide.decide(entry.settings, entry.state, event))
          }, { discard: true })
        }
      )
    }

    // Up to `concurrency` enquiry slots run while records are due. Each slot, when free, takes
    // the next batch from the heap, so that a record is taken (its state advanced, its `now`
    // read) when its enquiry goes out: under QFPay's rate limit a hundred thousand records due
    // together take minutes to enquire. A slow enquiry holds up its own records only. Records of
    // the other kind wait in `buffers` until a batch of theirs fills, they have waited longer
    // than the window, or nothing more is due.
    const buffers: Record<"out_trade_no" | "syssn", Array<Entry>> = { out_trade_no: [], syssn: [] }
    let woke: Extract<Decide.Event, { _tag: "Woke" }> = { _tag: "Woke", now: Number.NaN }
    // When each buffer's oldest record was taken.
    const since: Record<"out_trade_no" | "syssn", number> = { out_trade_no: 0, syssn: 0 }
    // The kind whose batch goes out next, if one is ready: a full batch; or records that have
    // waited longer than the window, full or not, so that records of one kind always due (a
    // hundred thousand refunds under the rate limit) do not hold the other's back (and their
    // deadlines with them).
    const ready = (now: number): "out_trade_no" | "syssn" | undefined =>
      buffers.out_trade_no.length >= options.maxBatch
        ? "out_trade_no"
        : buffers.syssn.length >= options.maxBatch
        ? "syssn"
        : buffers.syssn.length > 0 && now - since.syssn > window
        ? "syssn"
        : buffers.out_trade_no.length > 0 && now - since.out_trade_no > window
        ? "out_trade_no"
        : undefined
    const batchOf = (field: "out_trade_no" | "syssn", now: number) => {
      const batch = buffers[field].splice(0, options.maxBatch)
      since[field] = now
      return [field, batch] as const
    }
    // Slots advancing a record they took (an observer's effect may yield): the last one to
    // finish sends what is left, so that a batch is not split into one record per slot.
    let advancing = 0
    const take: Effect.Effect<readonly ["out_trade_no" | "syssn", Array<Entry>] | undefined> = Effect.gen(
      function*() {
        for (;;) {
          const now = clock.unsafeCurrentTimeMillis()
          const field = ready(now)
          if (field !== undefined) return batchOf(field, now)
          const entry = heap.peek()
          if (entry === undefined || entry.dueAt > now + window) {
            // Nothing more due: the fuller of what is left, if anything is (and no other slot is
            // still advancing a record it took: that one sends it).
            if (advancing > 0) return undefined
            const rest = buffers.out_trade_no.length >= buffers.syssn.length ? "out_trade_no" : "syssn"
            return buffers[rest].length === 0 ? undefined : batchOf(rest, now)
          }
          heap.pop()
          if (entry.cancelled) continue
          if (woke.now !== now) woke = { _tag: "Woke", now }
          // No `ensuring` for the count: a slot is interrupted only with the whole scheduler, and
          // `advance` catches an observer's defects.
          advancing++
          const wants = yield* advance(entry, Decide.decide(entry.settings, entry.state, woke))
          advancing--
          if (wants && !entry.cancelled) {
            const field = keyOf(entry.state.handle).field
            if (buffers[field].length === 0) since[field] = clock.unsafeCurrentTimeMillis()
            buffers[field].push(entry)
          }
        }
      }
    )
    const slot = Effect.gen(function*() {
      for (let batch = yield* take; batch !== undefined; batch = yield* take) {
        yield* enquire(batch[0], batch[1])
      }
    })
    // Slots are started as records fall due, up to `concurrency` at once; each ends when nothing
    // is due, and its end wakes the loop. A slow enquiry holds one slot; the loop starts others
    // for the records that fall due meanwhile.
    const scope = yield* Effect.scope
    let busy = 0
    const slotEnded = Effect.sync(() => {
      busy--
      Deferred.unsafeDone(wake, Exit.void)
    })
    const startSlot = Effect.suspend(() => {
      busy++
      return Effect.forkIn(Effect.ensuring(slot, slotEnded), scope)
    })

    const loop = Effect.gen(function*() {
      let arrived = false
      for (;;) {
        const next = heap.peek()
        const now = clock.unsafeCurrentTimeMillis()
        const due = next !== undefined && next.dueAt <= now + window
        if (due && busy < options.concurrency) {
          if (arrived) {
            // Woken by an operation due now: others registered in the same breath (a `track` of
            // thousands, callers started together) land before the slots start, and go with them.
            arrived = false
            yield* Effect.sleep(COALESCE)
            continue
          }
          while (busy < options.concurrency) yield* startSlot
          continue
        }
        // Nothing due (sleep until it is), or every slot busy (they take what falls due; wait
        // for one to end).
        sleepingUntil = due ? -Infinity : next === undefined ? Infinity : next.dueAt
        const signal = wake
        yield* due || next === undefined
          ? Deferred.await(signal)
          : Effect.raceFirst(Effect.sleep(Duration.millis(next.dueAt - now)), Deferred.await(signal))
        sleepingUntil = -Infinity
        if (yield* Deferred.isDone(signal)) {
          wake = yield* Deferred.make<void>()
          arrived = arrivedSignal
          arrivedSignal = false
        }
      }
    })
    yield* Effect.forkScoped(Effect.interruptible(loop))

    const entryOf = (
      step: Decide.Step,
      policy: PollPolicy,
      hooks: Hooks,
      done: Done,
      tally: Telemetry.Tally
    ): Entry => ({
      state: step.state,
      handle: step.state.handle,
      settings: settingsOf(policy),
      policy,
      stepper: new Stepper(policy.schedule),
      observe: hooks.observer === OperationObserver_.none ? undefined : hooks.observer.onState,
      progress: hooks.progress,
      done,
      tally,
      dueAt: 0,
      seq: 0,
      cancelled: false
    })

    // A first step never asks for an enquiry before its wait; if it did, ask at once.
    const start = (entry: Entry, step: Decide.Step) =>
      Effect.map(advance(entry, step), (wants) => {
        if (wants) schedule(entry, clock.unsafeCurrentTimeMillis())
      })

    const scheduler: Scheduler = {
      add: (step, policy, hooks, done, tally) =>
        Effect.suspend(() => {
          const entry = entryOf(step, policy, hooks, done, tally)
          return Effect.as(start(entry, step), {
            cancel: Effect.sync(() => {
              entry.cancelled = true
              Telemetry.end(tally, "interrupted", entry.state)
            })
          })
        }),
      addAll: (steps, policy, hooks, done, labels) =>
        Effect.forEach(steps, (step) => {
          const handle = step.state.handle
          return start(entryOf(step, policy, hooks, done, Telemetry.follow(handle, labels, clock)), step)
        }, { discard: true })
    }
    return scheduler
  })

/**
 * Hands a run's poll phase to the scheduler and waits for its end, in the caller's fiber
 * (interrupting the caller drops the record).
 *
 * @internal
 */
export const await_ = (
  scheduler: Scheduler,
  step: Decide.Step,
  policy: PollPolicy,
  tally: Telemetry.Tally
): Effect.Effect<Receipt, OperationError> =>
  Effect.gen(function*() {
    const observer = yield* OperationObserver
    const progress = yield* PollProgress
    const deferred = yield* Deferred.make<Receipt, OperationError>()
    const handle = yield* scheduler.add(
      step,
      policy,
      { observer, progress },
      (result) =>
        Deferred.unsafeDone(deferred, Either.isRight(result) ? Exit.succeed(result.right) : Exit.fail(result.left)),
      tally
    )
    return yield* Effect.onInterrupt(Deferred.await(deferred), () => handle.cancel)
  })
