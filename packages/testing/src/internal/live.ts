/**
 * What the sandbox's dashboard shows, and the server-sent events that keep it live. A snapshot
 * is bounded (the latest payments, operations in progress and requests, with totals), made only
 * for a subscriber and shared by all of them while the simulator has not changed: serving a
 * request costs nothing here while nobody watches. Each stream waits for the simulator's next
 * change, sends a snapshot when it differs from the last one sent, and a heartbeat comment when
 * nothing was sent for a while; it ends when the client goes or the sandbox stops.
 *
 * @internal
 */
import { ResponseCode } from "@effect-qfpay/core"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type * as Simulator from "../Simulator.js"

/** Payments, operations in progress and requests shown at most; the totals say how many there are. */
export const shownPayments = 100
export const shownInProgress = 100
export const shownRequests = 50

/** How long after a change a snapshot is made, so that a burst of requests makes one. */
const coalesceMillis = 100
/** How often a snapshot is made again while something settles by time (which moves no version). */
const timedRefreshMillis = 1000

interface RefundRow {
  readonly syssn: string
  readonly out_trade_no: string
  readonly txamt: number
  readonly respcd: string
  readonly meaning: string
  readonly sysdtm: string
}

interface PaymentRow {
  readonly syssn: string
  readonly out_trade_no: string
  readonly pay_type: string
  readonly txamt: number
  readonly txcurrcd: string
  readonly sysdtm: string
  readonly respcd: string
  readonly meaning: string
  readonly cancelledBy: "reversal" | "close" | undefined
  readonly cancelSyssn: string | undefined
  readonly refunded: number
  readonly refundPending: number
  /** What a refund can still take now: 0 unless paid, not cancelled, and of a refundable pay type. */
  readonly refundable: number
  readonly refunds: ReadonlyArray<RefundRow>
}

interface RequestRow {
  readonly index: number
  readonly at: number
  readonly method: string
  readonly path: string
  readonly operation: string | undefined
  readonly respcd: string | undefined
  readonly meaning: string | undefined
  readonly fault: string | undefined
  readonly applied: boolean
  readonly signatureOk: boolean
}

/** What the dashboard shows, as sent in one event. */
export interface Snapshot {
  readonly version: number
  readonly requests: number
  readonly queued: number
  readonly payments: { readonly total: number; readonly shown: ReadonlyArray<PaymentRow> }
  readonly inProgress: { readonly total: number; readonly shown: ReadonlyArray<Simulator.InProgress> }
  /** The latest requests to QFPay's routes, newest first. */
  readonly log: ReadonlyArray<RequestRow>
}

/** A snapshot as text, and whether something in it settles by time. */
interface Made {
  readonly version: number
  readonly text: string
  readonly timed: boolean
}

const snapshot = (sim: Simulator.Service): Effect.Effect<Made> =>
  Effect.gen(function*() {
    // The version first: a change while reading makes the next wait return at once.
    const version = yield* sim.version
    const transactions = yield* sim.transactions
    const inProgress = yield* sim.inProgress
    const log = yield* sim.requestLog
    const rules = yield* sim.rules
    const payments = transactions.filter((t) => t.kind === "payment")
    const shown = payments.slice(-shownPayments).reverse()
    const refunds = new Map<string, Array<RefundRow>>(shown.map((p) => [p.syssn, []]))
    for (const t of transactions) {
      const list = t.kind === "refund" && t.origssn !== undefined ? refunds.get(t.origssn) : undefined
      list?.push({
        syssn: t.syssn,
        out_trade_no: t.out_trade_no,
        txamt: t.txamt,
        respcd: t.respcd,
        meaning: ResponseCode.meaning(t.respcd),
        sysdtm: t.sysdtm
      })
    }
    const made: Snapshot = {
      version,
      requests: yield* sim.requestCount,
      queued: yield* sim.queued,
      payments: {
        total: payments.length,
        shown: shown.map((p) => ({
          syssn: p.syssn,
          out_trade_no: p.out_trade_no,
          pay_type: p.pay_type,
          txamt: p.txamt,
          txcurrcd: p.txcurrcd,
          sysdtm: p.sysdtm,
          respcd: p.respcd,
          meaning: ResponseCode.meaning(p.respcd),
          cancelledBy: p.cancelledBy,
          cancelSyssn: p.cancelSyssn,
          refunded: p.refunded,
          refundPending: p.refundPending,
          refundable: p.respcd === "0000" && p.cancelledBy === undefined && !rules.noRefundPayTypes.includes(p.pay_type)
            ? Math.max(0, p.txamt - p.refunded - p.refundPending)
            : 0,
          refunds: refunds.get(p.syssn) ?? []
        }))
      },
      inProgress: { total: inProgress.length, shown: inProgress.slice(0, shownInProgress) },
      log: log.slice(-shownRequests).reverse().map((e) => ({
        index: e.index,
        at: e.at,
        method: e.method,
        path: e.path,
        operation: e.operation,
        respcd: e.respcd,
        meaning: e.respcd === undefined ? undefined : ResponseCode.meaning(e.respcd),
        fault: e.fault,
        applied: e.applied,
        signatureOk: e.signatureOk
      }))
    }
    return {
      version,
      text: JSON.stringify(made),
      timed: inProgress.some((p) => p.settles._tag === "AfterMillis")
    }
  })

/** The subscribers of one sandbox: how many, at most how many, and the signal that ends them. */
export interface Live {
  readonly sim: Simulator.Service
  readonly maxSubscribers: number
  readonly heartbeatMillis: number
  subscribers: number
  /** The last snapshot made, shared while the version holds. */
  latest: Made | undefined
  /** Set when the sandbox stops: streams end, and new ones are refused. */
  closed: boolean
  readonly closing: Deferred.Deferred<void>
}

export const make = (
  sim: Simulator.Service,
  options: { readonly maxSubscribers: number; readonly heartbeatMillis: number }
): Live => ({
  sim,
  maxSubscribers: options.maxSubscribers,
  heartbeatMillis: options.heartbeatMillis,
  subscribers: 0,
  latest: undefined,
  closed: false,
  closing: Deferred.unsafeMake<void>(FiberId.none)
})

/** Ends every stream, and refuses new ones. */
export const close = (live: Live): Effect.Effect<void> =>
  Effect.sync(() => {
    live.closed = true
    Deferred.unsafeDone(live.closing, Exit.void)
  })

/** The latest snapshot: the shared one while the version holds, unless `fresh`. */
const current = (live: Live, fresh: boolean): Effect.Effect<Made> =>
  Effect.flatMap(live.sim.version, (version) =>
    !fresh && live.latest?.version === version
      ? Effect.succeed(live.latest)
      : Effect.tap(snapshot(live.sim), (made) => Effect.sync(() => (live.latest = made))))

interface State {
  /** The text of the last snapshot sent; undefined before the first. */
  readonly sent: Made | undefined
  readonly sentAt: number
}

const encoder = new TextEncoder()

const event = (made: Made, first: boolean) =>
  encoder.encode(`${first ? "retry: 1000\n" : ""}id: ${made.version}\nevent: snapshot\ndata: ${made.text}\n\n`)

const heartbeat = encoder.encode(": heartbeat\n\n")

/** The next bytes to send: a snapshot that differs from the last one sent, or a heartbeat. */
const next = (live: Live, state: State): Effect.Effect<readonly [Uint8Array, State]> =>
  Effect.gen(function*() {
    if (state.sent === undefined) {
      const made = yield* current(live, false)
      return [event(made, true), { sent: made, sentAt: yield* Clock.currentTimeMillis }] as const
    }
    let sent: Made = state.sent
    for (;;) {
      const quiet = live.heartbeatMillis - ((yield* Clock.currentTimeMillis) - state.sentAt)
      const wait = Math.max(0, sent.timed ? Math.min(timedRefreshMillis, quiet) : quiet)
      const woke: Option.Option<number> = yield* Effect.timeoutOption(
        live.sim.awaitChange(sent.version),
        Duration.millis(wait)
      )
      if (Option.isSome(woke)) yield* Effect.sleep(Duration.millis(coalesceMillis))
      const made: Made = yield* current(live, Option.isNone(woke))
      const now = yield* Clock.currentTimeMillis
      if (made.text !== sent.text) return [event(made, false), { sent: made, sentAt: now }] as const
      if (now - state.sentAt >= live.heartbeatMillis) return [heartbeat, { sent: made, sentAt: now }] as const
      sent = made
    }
  })

/**
 * A subscriber's stream of server-sent events. It counts as a subscriber while it runs (the
 * caller checked there was room), however it ends.
 */
export const subscribe = (live: Live): Stream.Stream<Uint8Array> =>
  Stream.unwrapScoped(
    Effect.as(
      Effect.acquireRelease(
        Effect.sync(() => live.subscribers++),
        () => Effect.sync(() => live.subscribers--)
      ),
      Stream.unfoldEffect<State, Uint8Array, never, never>(
        { sent: undefined, sentAt: 0 },
        (state) => Effect.map(next(live, state), Option.some)
      ).pipe(Stream.interruptWhen(Deferred.await(live.closing)))
    )
  )
