/**
 * The engine's telemetry: the metrics of `Metrics.ts`, and under a tracer of one's own a span per
 * send and per enquiry. `run.ts` calls it at its start, at each step and around a send and an
 * enquiry; the batching scheduler at its records' steps and ends; the programs where they refuse
 * their input. Nothing here decides anything.
 *
 * It must cost next to nothing on every refund (`pnpm bench`'s flows): no effect of its own on
 * the way (the run reads its fiber once, as it reads its clock), no generator, metric updates
 * straight to the metric's registry entry (see `labels`), and spans only under a tracer that
 * records them, decided once per run.
 *
 * @internal
 */
import * as Arr from "effect/Array"
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as MetricLabel from "effect/MetricLabel"
import type * as Tracer from "effect/Tracer"
import { type Handle, operation as operationOf } from "../Handle.js"
import * as Metrics from "../Metrics.js"
import type { OperationState } from "../OperationState.js"
import type { Action, Answer } from "./decide.js"
import type { Observation } from "./observe.js"
import { traced } from "./span.js"

type Labels = ReadonlyArray<MetricLabel.MetricLabel>

type Kind = "refund" | "reversal" | "close"

// Each combination's labels, made once. A metric caches its registry entry per labels *array*:
// the same array every time makes an update a WeakMap lookup and an addition, where a new one
// would be hashed and looked up in the registry. The fiber's own labels (`Effect.tagMetrics`)
// come after ours, as `Metric.tagged` puts them, so both reach the same entry. Found by nested
// maps of constant strings: a key made by concatenation would cost more than the update.
interface Cache {
  readonly byKind: Map<string, Labels>
  readonly byPair: Map<string, Map<string, Map<string, Labels>>>
}

const newCache = (): Cache => ({ byKind: new Map(), byPair: new Map() })
const plain = newCache()
const withFiberLabels = new WeakMap<Labels, Cache>()

const cacheOf = (fiber: Labels): Cache => {
  if (fiber.length === 0) return plain
  let cache = withFiberLabels.get(fiber)
  if (cache === undefined) withFiberLabels.set(fiber, cache = newCache())
  return cache
}

const byKind = (fiber: Labels, kind: Metrics.Kind): Labels => {
  const cache = cacheOf(fiber).byKind
  let out = cache.get(kind)
  if (out === undefined) cache.set(kind, out = Arr.union([MetricLabel.make(Metrics.KIND, kind)], fiber))
  return out
}

// `qfpay.kind` and one more attribute (`qfpay.outcome`, `qfpay.phase`).
const byPair = (fiber: Labels, kind: Metrics.Kind, key: string, value: string): Labels => {
  const byKey = cacheOf(fiber).byPair
  let byKindOf = byKey.get(key)
  if (byKindOf === undefined) byKey.set(key, byKindOf = new Map())
  let byValue = byKindOf.get(kind)
  if (byValue === undefined) byKindOf.set(kind, byValue = new Map())
  let out = byValue.get(value)
  if (out === undefined) {
    out = Arr.union([MetricLabel.make(Metrics.KIND, kind), MetricLabel.make(key, value)], fiber)
    byValue.set(value, out)
  }
  return out
}

const byOutcome = (fiber: Labels, kind: Metrics.Kind, outcome: Metrics.Outcome) =>
  byPair(fiber, kind, Metrics.OUTCOME, outcome)

const byPhase = (fiber: Labels, kind: Metrics.Kind, phase: string) => byPair(fiber, kind, Metrics.PHASE, phase)

/** How a failed program ended, for `qfpay.outcome`: the error's tag in snake case. @internal */
export const outcomeOfError = (error: unknown): Metrics.Outcome => {
  switch ((error as { readonly _tag?: unknown } | undefined)?._tag) {
    case "Rejected":
      return "rejected"
    case "StillPending":
      return "still_pending"
    case "OutcomeUnknown":
      return "outcome_unknown"
    case "IdempotencyKeyReused":
      return "idempotency_key_reused"
    case "TransportError":
      return "transport_error"
    case "RateLimited":
      return "rate_limited"
    case "UnexpectedResponse":
      return "unexpected_response"
    case "SignatureMismatch":
      return "signature_mismatch"
    case "TransactionNotFound":
      return "transaction_not_found"
    case "InvalidRequest":
    case "UnknownPayType":
      return "invalid"
    default:
      return "defect"
  }
}

const outcomeOfExit = (exit: Exit.Exit<unknown, unknown>, success: Metrics.Outcome): Metrics.Outcome => {
  if (exit._tag === "Success") return success
  const failure = Cause.failureOption(exit.cause)
  if (failure._tag === "Some") return outcomeOfError(failure.value)
  return Cause.isInterruptedOnly(exit.cause) ? "interrupted" : "defect"
}

/** One operation followed to its end (a run of the engine, a record of the scheduler). @internal */
export class Tally {
  /** Being polled: counted in `qfpay.pending`. */
  pending = false
  done = false
  /**
   * Ends the tally when its fiber ends first (interrupted, a defect): see `begin`. Only a tally
   * with a fiber has one (`track`'s hundred thousand have none).
   */
  onFiberEnd: ((exit: Exit.Exit<unknown, unknown>) => void) | undefined = undefined
  constructor(
    readonly kind: Kind,
    /** The fiber's metric labels when it started. */
    readonly labels: Labels,
    readonly clock: Clock.Clock,
    /** When it started (epoch ms), for an operation never sent (no `submitted_at`). */
    readonly since: number,
    /** Spans are made: tracing is on, under a tracer of one's own. */
    readonly tracing: boolean,
    readonly fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined
  ) {}
}

/**
 * A run of the engine starts, in `fiber`, at `now`. Its end is seen in `step` (a `Done` or a `Fail`), or
 * by the scheduler that takes its poll phase over. Not with `Effect.onExit` around the run: that
 * alone would cost more than the rest of this module on a refund. A run that ends otherwise
 * (interrupted, a defect) is ended by the fiber's observer when the fiber ends (at once, for an
 * interrupted one), so that `qfpay.pending` never keeps an operation gone.
 *
 * @internal
 */
export const begin = (
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  handle: Handle,
  clock: Clock.Clock,
  now: number
): Tally => {
  const tally = new Tally(
    operationOf(handle),
    fiber.getFiberRef(FiberRef.currentMetricLabels),
    clock,
    now,
    traced(fiber),
    fiber
  )
  const onFiberEnd = (exit: Exit.Exit<unknown, unknown>) => end(tally, outcomeOfExit(exit, "defect"), undefined)
  tally.onFiberEnd = onFiberEnd
  fiber.addObserver(onFiberEnd)
  return tally
}

/**
 * An operation the batching scheduler follows without a run of its own (`PollScheduler.track`):
 * being polled from now.
 *
 * @internal
 */
export const follow = (handle: Handle, fiberLabels: Labels, clock: Clock.Clock): Tally => {
  const tally = new Tally(
    operationOf(handle),
    fiberLabels,
    clock,
    clock.unsafeCurrentTimeMillis(),
    false,
    undefined
  )
  polling(tally)
  return tally
}

/** The operation starts being polled. @internal */
export const polling = (tally: Tally): void => {
  if (tally.pending) return
  tally.pending = true
  Metrics.pending.unsafeModify(1, byKind(tally.labels, tally.kind))
}

/** An enquiry about the operation, made in `phase`. @internal */
export const enquired = (tally: Tally, phase: string): void =>
  Metrics.enquiries.unsafeUpdate(1, byPhase(tally.labels, tally.kind, phase))

/**
 * The operation ended (`state`: its last, whose handle says when it was first sent). Once: the
 * fiber's observer and the scheduler may both see the end of a run it took over.
 *
 * @internal
 */
export const end = (tally: Tally, outcome: Metrics.Outcome, state: OperationState | undefined): void => {
  if (tally.done) return
  tally.done = true
  if (tally.onFiberEnd !== undefined) tally.fiber?.removeObserver(tally.onFiberEnd)
  const tags = byOutcome(tally.labels, tally.kind, outcome)
  Metrics.operations.unsafeUpdate(1, tags)
  if (outcome === "succeeded" || outcome === "rejected") {
    const since = state?.handle.submitted_at ?? tally.since
    Metrics.settleDuration.unsafeUpdate(Math.max(0, tally.clock.unsafeCurrentTimeMillis() - since) / 1000, tags)
  }
  if (tally.pending) Metrics.pending.unsafeModify(-1, byKind(tally.labels, tally.kind))
}

/** How a record of the scheduler ended. @internal */
export const ended = (
  tally: Tally,
  result: Either.Either<unknown, unknown>,
  state: OperationState
): void => end(tally, result._tag === "Right" ? "succeeded" : outcomeOfError(result.left), state)

/**
 * What a step of the run means for the metrics: a retry, an enquiry, the start of polling, the
 * end. Synchronous: no effect on the way.
 *
 * @internal
 */
export const step = (tally: Tally, state: OperationState, action: Action): void => {
  switch (action._tag) {
    case "Send":
      if (state.attempts > 1) Metrics.retries.unsafeUpdate(1, byKind(tally.labels, tally.kind))
      return
    case "Enquire":
      return enquired(tally, state.phase)
    case "Wait":
      if (action.first !== undefined) polling(tally)
      return
    case "Done":
      return end(tally, "succeeded", state)
    case "Fail":
      return end(tally, outcomeOfError(action.error), state)
  }
}

const spanOptions = { kind: "internal", captureStackTrace: false } as const

/**
 * One send of the operation: under a tracer of one's own, a span `QFPay.attempt`, the parent of
 * the transport's HTTP span, with the answer's code. No parameter of the request on it.
 *
 * @internal
 */
export const attempt = <E, R>(
  tally: Tally,
  state: OperationState,
  send: Effect.Effect<Answer, E, R>
): Effect.Effect<Answer, E, R> =>
  spanned(
    tally,
    "QFPay.attempt",
    send,
    (span) => span.attribute("qfpay.attempt", state.attempts),
    (span, answer) => span.attribute("qfpay.respcd", answer.code)
  )

// Under a tracer of one's own, `effect` in a span of the operation's kind, the parent of the
// transport's; attributes set before it runs and from its result. Otherwise `effect` as is.
const spanned = <A, E, R>(
  tally: Tally,
  name: string,
  effect: Effect.Effect<A, E, R>,
  before: (span: Tracer.Span) => void,
  after: (span: Tracer.Span, a: A) => void
): Effect.Effect<A, E, R> =>
  tally.tracing
    ? Effect.useSpan(name, spanOptions, (span) => {
      span.attribute(Metrics.KIND, tally.kind)
      before(span)
      return Effect.map(Effect.withParentSpan(effect, span), (a) => {
        after(span, a)
        return a
      })
    })
    : effect

const found: Record<Observation["_tag"], string> = {
  Settled: "settled",
  Pending: "pending",
  Failed: "failed",
  Absent: "absent",
  Conflict: "conflict"
}

/**
 * One enquiry about the operation: under a tracer of one's own, a span `QFPay.enquiry` with
 * what it found and the operation's code as the enquiry shows it.
 *
 * @internal
 */
export const enquiry = <E, R>(
  tally: Tally,
  state: OperationState,
  enquire: Effect.Effect<Observation, E, R>
): Effect.Effect<Observation, E, R> =>
  spanned(tally, "QFPay.enquiry", enquire, (span) => span.attribute(Metrics.PHASE, state.phase), (span, seen) => {
    span.attribute("qfpay.found", found[seen._tag])
    if (seen.row !== undefined) span.attribute("qfpay.respcd", seen.row.respcd)
  })

/**
 * One enquiry of the batching scheduler, about `size` operations being polled: under a tracer of
 * one's own, a span `QFPay.enquiry`.
 *
 * @internal
 */
export const batchEnquiry = <A, E, R>(size: number, enquire: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    traced(fiber)
      ? Effect.withSpan(enquire, "QFPay.enquiry", {
        ...spanOptions,
        attributes: { [Metrics.PHASE]: "poll", "qfpay.batch_size": size }
      })
      : enquire
  )

const count = (kind: Metrics.Kind, outcome: Metrics.Outcome, fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  Metrics.operations.unsafeUpdate(1, byOutcome(fiber.getFiberRef(FiberRef.currentMetricLabels), kind, outcome))

/**
 * Fails with `error`, input refused before anything was sent, and counts it (`invalid`).
 *
 * @internal
 */
export const refused = <E>(kind: Metrics.Kind, error: E): Effect.Effect<never, E> =>
  Effect.withFiberRuntime((fiber) => {
    count(kind, "invalid", fiber)
    return Effect.fail(error)
  })

/**
 * Counts a program that may end without choosing an operation (`undo`): when `chose` says it
 * did, the operation is counted already.
 *
 * @internal
 */
export const unlessChosen = <A, E, R>(
  kind: Metrics.Kind,
  success: Metrics.Outcome,
  make: (chose: () => void) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.suspend(() => {
    let chosen = false
    return Effect.onExit(
      make(() => (chosen = true)),
      (exit) =>
        chosen ? Effect.void : Effect.withFiberRuntime<void>((fiber) => {
          count(kind, outcomeOfExit(exit, success), fiber)
          return Effect.void
        })
    )
  })
