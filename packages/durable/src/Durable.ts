/**
 * Durable refunds, cancellations and undos: recorded before the first request, resumed after
 * any crash, settled exactly once.
 *
 * ```ts
 * const receipt = Durable.refund("refund-order-42", { syssn, txamt: 500 })
 * // provide Durable.layerSqlite({ filename: "qfpay.db" }) and the QFPay client
 * ```
 *
 * The intent (`refund-order-42`) is the caller's name for the operation: calling again with it,
 * concurrently or after completion, from this process or after a restart, returns the same
 * result and moves money once. The same intent with other input is `IntentConflict`.
 *
 * @since 0.2.0
 */
import type { Handle, QFPayConfig, Receipt, Request, Transport } from "@effect-qfpay/core"
import { QFPayError, Submit } from "@effect-qfpay/core"
import * as WorkflowEngine from "@effect/workflow/WorkflowEngine"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Intent from "./Intent.js"
import * as Journal from "./Journal.js"
import * as Workflows from "./Workflows.js"

/**
 * The intent is recorded with other input (another payment, another amount, another kind of
 * operation): one intent names one operation. Nothing was sent for this call.
 *
 * @since 0.2.0
 * @category errors
 */
export class IntentConflict extends Schema.TaggedError<IntentConflict>("@effect-qfpay/durable/IntentConflict")(
  "IntentConflict",
  { intent: Schema.String, recorded: Schema.String, given: Schema.String }
) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `intent ${this.intent} is recorded as ${this.recorded}, not ${this.given}: one intent names one operation; nothing was sent (use a new intent for a new operation)`
  }
}

/**
 * The intent is recorded and in progress: a runner follows it to its end. Ask again with
 * `status(intent)`, or call the operation again to wait once more.
 *
 * @since 0.2.0
 * @category errors
 */
export class StillInProgress extends Schema.TaggedError<StillInProgress>("@effect-qfpay/durable/StillInProgress")(
  "StillInProgress",
  { intent: Schema.String, handle: Schema.optional(Schema.String) }
) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `intent ${this.intent} is recorded and still in progress; a runner keeps following it`
  }
}

/**
 * No intent by that name is recorded.
 *
 * @since 0.2.0
 * @category errors
 */
export class UnknownIntent extends Schema.TaggedError<UnknownIntent>("@effect-qfpay/durable/UnknownIntent")(
  "UnknownIntent",
  { intent: Schema.String }
) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `no durable operation is recorded under intent ${this.intent}`
  }
}

/**
 * @since 0.2.0
 * @category models
 */
export type DurableError = QFPayError.QFPayError | IntentConflict | StillInProgress | Journal.JournalError

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * How long to wait for the operation's end before answering `StillInProgress` (the runner
   * keeps following it). Default 2 minutes; `0` answers as soon as the intent is recorded
   * and started.
   */
  readonly wait?: Duration.DurationInput | undefined
}

/**
 * What the journal says of an intent.
 *
 * @since 0.2.0
 * @category models
 */
export interface Status {
  readonly intent: string
  readonly kind: Journal.Kind
  readonly state: Journal.State
  /** The operation's handle, once the engine started it (resume with `reconcile`). */
  readonly handle: Handle.Handle | undefined
  /** The receipt (settled) or the error (failed), as JSON. */
  readonly result: unknown
  readonly createdAt: string
  readonly updatedAt: string
}

const toInvalid = (operation: string, error: ParseResult.ParseError) => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    path: i.path.join("."),
    message: i.message
  }))
  return new QFPayError.InvalidRequest({ operation, issues })
}

const intentOf = (intent: string, operation: string) =>
  Either.mapLeft(Schema.decodeUnknownEither(Intent.Intent)(intent), (e) => toInvalid(operation, e))

const describeRefund = (input: { readonly syssn: string; readonly txamt: number }) =>
  `a refund of ${input.txamt} cents of payment ${input.syssn}`

const describeCancel = (input: {
  readonly syssn?: string | undefined
  readonly out_trade_no?: string | undefined
  readonly txamt: number
}) => `a cancellation of payment ${input.syssn ?? input.out_trade_no} (${input.txamt} cents)`

// Records the intent (first write wins), checks that the recorded operation is the one asked for,
// starts its workflow (idempotent: the same execution), and waits for its end.
const submit = <P extends { readonly intent: string }, A, E>(options: {
  readonly intent: string
  readonly kind: Journal.Kind
  readonly payload: P
  readonly schema: Schema.Schema<P, any>
  readonly describe: (payload: P) => string
  readonly same: (recorded: P, given: P) => boolean
  readonly start: (payload: P) => Effect.Effect<string, never, WorkflowEngine.WorkflowEngine>
  readonly await: (payload: P) => Effect.Effect<A, E, WorkflowEngine.WorkflowEngine>
  readonly wait: Duration.DurationInput | undefined
}): Effect.Effect<
  A,
  E | IntentConflict | StillInProgress | Journal.JournalError,
  WorkflowEngine.WorkflowEngine | Journal.Journal
> =>
  Effect.gen(function*() {
    const journal = yield* Journal.Journal
    const encoded = Schema.encodeSync(options.schema)(options.payload)
    const entry = yield* journal.begin({ intent: options.intent, kind: options.kind, payload: encoded })
    const recorded = Schema.decodeUnknownEither(options.schema)(entry.payload)
    if (entry.kind !== options.kind || Either.isLeft(recorded) || !options.same(recorded.right, options.payload)) {
      return yield* Effect.fail(
        new IntentConflict({
          intent: options.intent,
          recorded: Either.isRight(recorded) && entry.kind === options.kind
            ? options.describe(recorded.right)
            : `a ${entry.kind}`,
          given: options.describe(options.payload)
        })
      )
    }
    yield* options.start(recorded.right)
    const wait = Duration.decode(options.wait ?? "2 minutes")
    const inProgress = Effect.flatMap(journal.get(options.intent), (found) =>
      Effect.fail(
        new StillInProgress({
          intent: options.intent,
          ...Option.match(Option.flatMap(found, (e) => Option.fromNullable(e.checkpoint?.handle)), {
            onNone: () => ({}),
            onSome: (h) => ({ handle: h._tag === "RefundHandle" ? h.out_trade_no : h.syssn ?? h.out_trade_no })
          })
        })
      ))
    if (Duration.toMillis(wait) <= 0) return yield* inProgress
    return yield* options.await(recorded.right).pipe(
      Effect.timeoutFail({ duration: wait, onTimeout: () => "timeout" as const }),
      Effect.catchIf((e): e is "timeout" => e === "timeout", () => inProgress)
    ) as Effect.Effect<A, E | StillInProgress | Journal.JournalError>
  })

/**
 * Refunds durably. The refund's `out_trade_no` is derived from the intent (unless given) and
 * its request time fixed when the intent is first recorded, so every run sends the same ids.
 *
 * @example
 * ```ts
 * import { Durable } from "@effect-qfpay/durable"
 *
 * const receipt = Durable.refund("refund-order-42", { syssn: "20191227000200020061752831", txamt: 500 })
 * ```
 *
 * @since 0.2.0
 * @category operations
 */
export const refund = (
  intent: string,
  input: Request.RefundInput,
  options: Options = {}
): Effect.Effect<
  Receipt.Receipt,
  DurableError,
  WorkflowEngine.WorkflowEngine | Journal.Journal | QFPayConfig.QFPayConfig
> =>
  Effect.gen(function*() {
    const id = yield* intentOf(intent, "refund")
    const prepared = yield* Submit.prepareRefund({
      ...input,
      out_trade_no: input.out_trade_no ?? Intent.outTradeNo(id)
    })
    const r = prepared.request
    const payload = Workflows.RefundPayload.make({
      intent: id,
      input: {
        syssn: r.syssn,
        txamt: r.txamt,
        out_trade_no: r.out_trade_no,
        txdtm: r.txdtm,
        ...(r.udid === undefined ? {} : { udid: r.udid })
      }
    })
    return yield* submit({
      intent: id,
      kind: "refund",
      payload,
      schema: Workflows.RefundPayload,
      describe: (p) => describeRefund(p.input),
      same: (a, b) =>
        a.input.syssn === b.input.syssn && a.input.txamt === b.input.txamt &&
        (input.out_trade_no === undefined || a.input.out_trade_no === b.input.out_trade_no),
      start: (p) => Workflows.RefundWorkflow.execute(p, { discard: true }),
      await: (p) => Workflows.RefundWorkflow.execute(p),
      wait: options.wait
    })
  })

/**
 * Cancels durably a payment that has not completed (reversal or close, by pay type).
 *
 * @since 0.2.0
 * @category operations
 */
export const cancel = (
  intent: string,
  input: Request.CancelInput & { readonly pay_type: string },
  options: Options = {}
): Effect.Effect<Receipt.Receipt, DurableError, WorkflowEngine.WorkflowEngine | Journal.Journal> =>
  Effect.gen(function*() {
    const id = yield* intentOf(intent, "cancel")
    const payload = yield* Effect.mapError(
      Schema.decodeUnknown(Workflows.CancelPayload)({ intent: id, input }),
      (e) => toInvalid("cancel", e)
    )
    if (payload.input.syssn === undefined && payload.input.out_trade_no === undefined) {
      return yield* Effect.fail(
        new QFPayError.InvalidRequest({
          operation: "cancel",
          issues: [{ path: "syssn", message: "give the payment's syssn or out_trade_no (at least one)" }]
        })
      )
    }
    return yield* submit({
      intent: id,
      kind: "cancel",
      payload,
      schema: Workflows.CancelPayload,
      describe: (p) => describeCancel(p.input),
      same: (a, b) =>
        a.input.syssn === b.input.syssn && a.input.out_trade_no === b.input.out_trade_no &&
        a.input.txamt === b.input.txamt,
      start: (p) => Workflows.CancelWorkflow.execute(p, { discard: true }),
      await: (p) => Workflows.CancelWorkflow.execute(p),
      wait: options.wait
    })
  })

/**
 * Undoes durably: refunds what is left of a paid payment, cancels one that has not completed,
 * or reports that nothing is left to undo. A refund it makes has its `out_trade_no` derived from
 * the intent.
 *
 * @since 0.2.0
 * @category operations
 */
export const undo = (
  intent: string,
  input: Omit<Schema.Schema.Encoded<typeof Workflows.UndoPayload>["input"], "refund_out_trade_no">,
  options: Options = {}
): Effect.Effect<
  Schema.Schema.Type<typeof Workflows.UndoResult>,
  DurableError,
  WorkflowEngine.WorkflowEngine | Journal.Journal
> =>
  Effect.gen(function*() {
    const id = yield* intentOf(intent, "undo")
    const payload = yield* Effect.mapError(
      Schema.decodeUnknown(Workflows.UndoPayload)({
        intent: id,
        input: { ...input, refund_out_trade_no: Intent.outTradeNo(id) }
      }),
      (e) => toInvalid("undo", e)
    )
    if (payload.input.syssn === undefined && payload.input.out_trade_no === undefined) {
      return yield* Effect.fail(
        new QFPayError.InvalidRequest({
          operation: "undo",
          issues: [{ path: "syssn", message: "give the payment's syssn or out_trade_no (at least one)" }]
        })
      )
    }
    return yield* submit({
      intent: id,
      kind: "undo",
      payload,
      schema: Workflows.UndoPayload,
      describe: (p) => `an undo of payment ${p.input.syssn ?? p.input.out_trade_no}`,
      same: (a, b) =>
        a.input.syssn === b.input.syssn && a.input.out_trade_no === b.input.out_trade_no &&
        a.input.txamt === b.input.txamt,
      start: (p) => Workflows.UndoWorkflow.execute(p, { discard: true }),
      await: (p) => Workflows.UndoWorkflow.execute(p),
      wait: options.wait
    })
  })

const statusOf = (entry: Journal.Entry): Status => ({
  intent: entry.intent,
  kind: entry.kind,
  state: entry.state,
  handle: entry.checkpoint?.handle,
  result: entry.result,
  createdAt: entry.createdAt,
  updatedAt: entry.updatedAt
})

/**
 * What the journal says of an intent.
 *
 * @since 0.2.0
 * @category queries
 */
export const status = (
  intent: string
): Effect.Effect<Status, UnknownIntent | Journal.JournalError, Journal.Journal> =>
  Effect.flatMap(Journal.Journal, (journal) =>
    Effect.flatMap(
      journal.get(intent),
      Option.match({
        onNone: () => Effect.fail(new UnknownIntent({ intent })),
        onSome: (entry) => Effect.succeed(statusOf(entry))
      })
    ))

/**
 * The recorded intents, oldest first, optionally in one state (`pending` is what a runner is
 * following).
 *
 * @since 0.2.0
 * @category queries
 */
export const list = (
  filter: { readonly state?: Journal.State | undefined } = {}
): Effect.Effect<ReadonlyArray<Status>, Journal.JournalError, Journal.Journal> =>
  Effect.flatMap(Journal.Journal, (journal) => Effect.map(journal.list(filter), (entries) => entries.map(statusOf)))

/**
 * Starts again the workflow of every pending intent (idempotent: a running one is not started
 * twice). A runner does this at start-up, which covers a crash between recording an intent and
 * starting its workflow.
 *
 * @since 0.2.0
 * @category runners
 */
export const resumePending: Effect.Effect<
  number,
  Journal.JournalError,
  WorkflowEngine.WorkflowEngine | Journal.Journal
> = Effect.gen(function*() {
  const journal = yield* Journal.Journal
  const pending = yield* journal.list({ state: "pending" })
  for (const entry of pending) {
    const start = entry.kind === "refund"
      ? Effect.flatMap(
        Schema.decodeUnknown(Workflows.RefundPayload)(entry.payload),
        (p) => Workflows.RefundWorkflow.execute(p, { discard: true })
      )
      : entry.kind === "cancel"
      ? Effect.flatMap(
        Schema.decodeUnknown(Workflows.CancelPayload)(entry.payload),
        (p) => Workflows.CancelWorkflow.execute(p, { discard: true })
      )
      : Effect.flatMap(
        Schema.decodeUnknown(Workflows.UndoPayload)(entry.payload),
        (p) => Workflows.UndoWorkflow.execute(p, { discard: true })
      )
    yield* Effect.catchAll(
      start,
      (e) => Effect.logError(`QFPay durable: intent ${entry.intent} cannot be resumed: ${e.message}`)
    )
  }
  return pending.length
})

/**
 * Everything durable operations need, in memory (tests, demos): the in-memory workflow engine,
 * the journal, and the workflows. Provide the QFPay client (`QFPayConfig`, `Transport`).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory: Layer.Layer<
  WorkflowEngine.WorkflowEngine | Journal.Journal,
  never,
  QFPayConfig.QFPayConfig | Transport.Transport
> = Workflows.layer.pipe(
  Layer.provideMerge(WorkflowEngine.layerMemory),
  Layer.provideMerge(Journal.layerMemory)
)
