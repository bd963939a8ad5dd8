/**
 * The durable operations as `@effect/workflow` workflows: `RefundWorkflow`, `CancelWorkflow`,
 * `UndoWorkflow`. Each one's idempotency key is the caller's intent; its payload carries the
 * very identifiers to send (a refund's `out_trade_no` derived from the intent, and its request
 * time, fixed when the intent was recorded).
 *
 * Activities run at least once: killed in flight, one runs again. So each activity asks the
 * journal first: if the engine already checkpointed a state for this intent (it does before
 * every request), an attempt may have been sent, and the activity reconciles (looks the
 * operation up by its own id) instead of sending; otherwise it starts the operation. Exactly
 * once at QFPay rests on that, on QFPay's id-based duplicate detection (a "duplicate" is looked
 * up and followed), and on the workflow's recorded activity results.
 *
 * An operation still in progress, or whose outcome is unknown, is followed up after a durable
 * wait (`DurableClock.sleep`): a refund QFPay settles hours later survives any number of
 * restarts in between.
 *
 * @since 0.2.0
 */
import type { QFPayConfig, Transport } from "@effect-qfpay/core"
import {
  cancel,
  Handle,
  OperationObserver,
  PollPolicy,
  pollUntilSettled,
  QFPayError,
  Query,
  Receipt,
  reconcile,
  refund,
  Request,
  Undo,
  undo
} from "@effect-qfpay/core"
import * as Activity from "@effect/workflow/Activity"
import * as DurableClock from "@effect/workflow/DurableClock"
import * as Workflow from "@effect/workflow/Workflow"
import type { WorkflowEngine, WorkflowInstance } from "@effect/workflow/WorkflowEngine"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { Intent } from "./Intent.js"
import { Journal } from "./Journal.js"

// --- payloads ----------------------------------------------------------------------------------

/**
 * A refund as recorded: its `out_trade_no` and request time are fixed.
 *
 * @since 0.2.0
 * @category schemas
 */
export const RefundPayload = Schema.Struct({
  intent: Intent,
  input: Schema.Struct({
    ...Request.RefundInput.fields,
    out_trade_no: Request.RefundRequest.fields.out_trade_no,
    txdtm: Request.RefundRequest.fields.txdtm
  })
})

/**
 * @since 0.2.0
 * @category schemas
 */
export const CancelPayload = Schema.Struct({
  intent: Intent,
  input: Schema.Struct({
    ...Request.CancelInput.from.fields,
    pay_type: Schema.String
  })
})

/**
 * An undo as recorded: the refund it may make has its `out_trade_no` fixed.
 *
 * @since 0.2.0
 * @category schemas
 */
export const UndoPayload = Schema.Struct({
  intent: Intent,
  input: Schema.Struct({
    ...Undo.UndoInput.from.fields,
    refund_out_trade_no: Request.RefundRequest.fields.out_trade_no
  })
})

/**
 * @since 0.2.0
 * @category schemas
 */
export const UndoResult = Schema.Union(Undo.Refunded, Undo.Cancelled, Undo.NothingToUndo)

// A caller waiting on a suspended workflow learns of its end this often (the default backs off
// to 30 s).
const suspendedRetrySchedule = Schedule.spaced("1 second")

/**
 * @since 0.2.0
 * @category workflows
 */
export const RefundWorkflow = Workflow.make({
  name: "QFPayRefund",
  payload: RefundPayload,
  success: Receipt.Receipt,
  error: QFPayError.QFPayError,
  idempotencyKey: (p) => p.intent,
  suspendedRetrySchedule
})

/**
 * @since 0.2.0
 * @category workflows
 */
export const CancelWorkflow = Workflow.make({
  name: "QFPayCancel",
  payload: CancelPayload,
  success: Receipt.Receipt,
  error: QFPayError.QFPayError,
  idempotencyKey: (p) => p.intent,
  suspendedRetrySchedule
})

/**
 * @since 0.2.0
 * @category workflows
 */
export const UndoWorkflow = Workflow.make({
  name: "QFPayUndo",
  payload: UndoPayload,
  success: UndoResult,
  error: QFPayError.QFPayError,
  idempotencyKey: (p) => p.intent,
  suspendedRetrySchedule
})

// --- settings ----------------------------------------------------------------------------------

/**
 * How durable operations follow an operation that did not settle at once.
 *
 * @since 0.2.0
 * @category models
 */
export interface Settings {
  /** Polling inside one activity (short: a long wait belongs to a durable sleep). */
  readonly poll: PollPolicy.PollPolicy
  /** The durable waits before each follow-up; the last one repeats. */
  readonly waits: ReadonlyArray<Duration.Duration>
  /** Follow-ups before giving up with `StillPending` / `OutcomeUnknown` (the default: about a week). */
  readonly maxFollowUps: number
  /** Waits up to this long stay in memory (restart from zero after a crash); longer ones are stored. */
  readonly inMemoryThreshold: Duration.Duration
}

/**
 * @since 0.2.0
 * @category constants
 */
export const defaultSettings: Settings = {
  poll: PollPolicy.make({ deadline: "1 minute" }),
  waits: (["15 seconds", "30 seconds", "1 minute", "2 minutes", "5 minutes", "15 minutes", "30 minutes"] as const).map(
    (d) => Duration.decode(d)
  ),
  maxFollowUps: 7 * 48 + 6,
  inMemoryThreshold: Duration.seconds(5)
}

/**
 * @since 0.2.0
 * @category tags
 */
export class DurableSettings extends Context.Reference<DurableSettings>()("@effect-qfpay/durable/DurableSettings", {
  defaultValue: (): Settings => defaultSettings
}) {}

// --- the workflows' bodies -----------------------------------------------------------------------

// What one activity ends with: the result, a reason to follow up (the handle to follow, when the
// engine got as far as making one), or a definite failure.
const Step = <A, I>(result: Schema.Schema<A, I>) =>
  Schema.Union(
    Schema.TaggedStruct("Settled", { result }),
    Schema.TaggedStruct("FollowUp", {
      handle: Schema.optional(Handle.Handle),
      pending: Schema.Boolean,
      detail: Schema.String
    }),
    Schema.TaggedStruct("Failed", { error: QFPayError.QFPayError })
  )

type Step<A> =
  | { readonly _tag: "Settled"; readonly result: A }
  | {
    readonly _tag: "FollowUp"
    readonly handle?: Handle.Handle | undefined
    readonly pending: boolean
    readonly detail: string
  }
  | { readonly _tag: "Failed"; readonly error: QFPayError.QFPayError }

// Failures that may pass: the intent is followed up later rather than failed.
// Failures that may pass: the intent is followed up later rather than failed. In progress and
// unknown outcomes always (money may have moved). The others only a few times: a "retry later"
// refusal (nothing applied: the same id may be sent again), QFPay out of reach; past that, they
// are the intent's end, said once in the journal (a refund QFPay shows failed with a "retry
// later" code has used its id for good).
const FEW = 3
const followUp = (error: QFPayError.QFPayError, round: number): boolean =>
  error._tag === "StillPending" || error._tag === "OutcomeUnknown" || (round < FEW && QFPayError.isTransient(error))

type Env = Journal | QFPayConfig.QFPayConfig | Transport.Transport

// One attempt at the operation, as an activity's body: the engine's states go to the journal
// (before each request), a definite end is journalled, and nothing but a `Step` comes out.
const attempt = <A>(
  intent: string,
  round: number,
  run: (checkpoint: Handle.Handle | undefined) => Effect.Effect<A, QFPayError.QFPayError, Env>
): Effect.Effect<Step<A>, never, Env> =>
  Effect.gen(function*() {
    const journal = yield* Journal
    const entry = yield* Effect.orDie(journal.get(intent))
    const checkpoint = Option.flatMap(entry, (e) => Option.fromNullable(e.checkpoint?.handle))
    const observer = OperationObserver.make((state) => Effect.orDie(journal.checkpoint(intent, state)))
    const exit = yield* Effect.exit(
      run(Option.getOrUndefined(checkpoint)).pipe(Effect.provideService(OperationObserver.OperationObserver, observer))
    )
    if (Exit.isSuccess(exit)) {
      yield* Effect.orDie(journal.finish(intent, "settled", exit.value))
      return { _tag: "Settled", result: exit.value } as const
    }
    const failure = exit.cause._tag === "Fail" ? exit.cause.error : undefined
    if (failure === undefined) {
      // A defect (a bug, a storage failure): followed up later; the activity's journal stays.
      yield* Effect.logError("QFPay durable operation: attempt failed unexpectedly", exit.cause)
      const latest = yield* Effect.orDie(journal.get(intent))
      return {
        _tag: "FollowUp",
        handle: Option.getOrUndefined(Option.flatMap(latest, (e) => Option.fromNullable(e.checkpoint?.handle))),
        pending: false,
        detail: "the attempt failed unexpectedly"
      } as const
    }
    if (followUp(failure, round)) {
      const latest = yield* Effect.orDie(journal.get(intent))
      const handle = "handle" in failure && failure.handle !== undefined
        ? failure.handle
        : Option.getOrUndefined(Option.flatMap(latest, (e) => Option.fromNullable(e.checkpoint?.handle)))
      return { _tag: "FollowUp", handle, pending: failure._tag === "StillPending", detail: failure.message } as const
    }
    yield* Effect.orDie(journal.finish(intent, "failed", Schema.encodeSync(QFPayError.QFPayError)(failure)))
    return { _tag: "Failed", error: failure } as const
  })

// The workflow: start (or, after a crash, reconcile), then follow up after durable waits until
// the operation ends, within the settings' bounds.
const durably = <A, I>(
  intent: string,
  result: Schema.Schema<A, I>,
  start: (checkpoint: Handle.Handle | undefined) => Effect.Effect<A, QFPayError.QFPayError, Env>,
  follow: (handle: Handle.Handle, pending: boolean) => Effect.Effect<A, QFPayError.QFPayError, Env>
): Effect.Effect<A, QFPayError.QFPayError, Env | WorkflowEngine | WorkflowInstance> =>
  Effect.gen(function*() {
    const settings = yield* DurableSettings
    const schema = Step(result)
    let step: Step<A> = yield* Activity.make({ name: "start", success: schema, execute: attempt(intent, 0, start) })
    for (let round = 1; step._tag === "FollowUp"; round++) {
      if (round > settings.maxFollowUps) {
        // Given up: said in the journal (an activity, so once), then the typed failure.
        const last = step
        const error = last.handle === undefined
          ? new QFPayError.UnexpectedResponse({
            endpoint: "query",
            status: 0,
            reason: `no operation to follow after ${round - 1} follow-ups: ${last.detail}`,
            excerpt: "",
            ambiguous: false
          })
          : new QFPayError.OutcomeUnknown({ handle: last.handle, detail: last.detail })
        yield* Activity.make({
          name: "give-up",
          execute: Effect.flatMap(Journal, (journal) =>
            Effect.orDie(journal.finish(intent, "failed", Schema.encodeSync(QFPayError.QFPayError)(error))))
        })
        return yield* Effect.fail(error)
      }
      const wait = settings.waits[Math.min(round, settings.waits.length) - 1] ?? Duration.minutes(1)
      yield* DurableClock.sleep({
        name: `wait-${round}`,
        duration: wait,
        inMemoryThreshold: settings.inMemoryThreshold
      })
      const previous = step
      step = yield* Activity.make({
        name: `follow-up-${round}`,
        success: schema,
        // Without a handle nothing was sent yet: start again (the journal says so too).
        execute: attempt(intent, round, (checkpoint) => {
          const handle = checkpoint ?? previous.handle
          return handle === undefined ? start(undefined) : follow(handle, previous.pending && checkpoint === undefined)
        })
      })
    }
    if (step._tag === "Failed") {
      return yield* Effect.fail(step.error)
    }
    return step.result
  })

const withPoll = <A, E, R>(effect: (poll: PollPolicy.PollPolicy) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(DurableSettings, (settings) => effect(settings.poll))

const followOperation = (handle: Handle.Handle, pending: boolean) =>
  withPoll((poll) => pending ? pollUntilSettled(handle, poll) : reconcile(handle, { poll }))

/**
 * The workflows' implementations, for a runner. Needs the QFPay client (`QFPayConfig`,
 * `Transport`), the journal and a workflow engine.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = Layer.mergeAll(
  RefundWorkflow.toLayer((payload) =>
    durably(
      payload.intent,
      Receipt.Receipt,
      (checkpoint) =>
        checkpoint === undefined
          ? withPoll((poll) => refund(payload.input, { poll }))
          : withPoll((poll) => reconcile(checkpoint, { poll })),
      followOperation
    )
  ),
  CancelWorkflow.toLayer((payload) =>
    durably(
      payload.intent,
      Receipt.Receipt,
      (checkpoint) =>
        checkpoint === undefined
          ? withPoll((poll) => cancel(payload.input, { poll }))
          : withPoll((poll) => reconcile(checkpoint, { poll })),
      followOperation
    )
  ),
  UndoWorkflow.toLayer((payload) => {
    // Once the undo has sent its refund or cancellation, following it is following that
    // operation; the result names the payment, looked up again.
    const asResult = (handle: Handle.Handle, receipt: Receipt.Receipt) =>
      Effect.map(
        Query.findPayment({
          syssn: handle.syssn,
          out_trade_no: handle._tag === "RefundHandle" ? undefined : handle.out_trade_no
        }),
        (payment) =>
          handle._tag === "RefundHandle"
            ? new Undo.Refunded({ receipt, payment }, true)
            : new Undo.Cancelled({ receipt, payment }, true)
      )
    const follow = (handle: Handle.Handle, pending: boolean) =>
      Effect.flatMap(followOperation(handle, pending), (receipt) => asResult(handle, receipt))
    return durably(
      payload.intent,
      UndoResult,
      (checkpoint) =>
        checkpoint === undefined
          // A payment the enquiry does not show may be one it does not show yet: asked once more
          // before "not found" is the intent's end (nothing was sent for it).
          ? withPoll((poll) => undo(payload.input, { poll })).pipe(
            Effect.retry({
              while: (e) => e._tag === "TransactionNotFound",
              schedule: Schedule.intersect(Schedule.spaced("1 second"), Schedule.recurs(1))
            })
          )
          : follow(checkpoint, false),
      follow
    )
  })
)
