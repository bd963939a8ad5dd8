/**
 * The simulated QFPay as an Effect service: one model of the server (state, rules, behaviour,
 * faults) that both the in-memory transport and the sandbox HTTP server serve. Time comes
 * from `Clock`, so `TestClock` drives settlement and latency in tests.
 *
 * @since 0.1.0
 */
import { Endpoint, ResponseCode } from "@effect-qfpay/core"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Behaviour from "./Behaviour.js"
import * as FaultPlan from "./FaultPlan.js"
import { JsonAnswer, jsonAnswer } from "./internal/answer.js"
import {
  type Credential,
  type InProgress,
  type LogEntry,
  Model,
  type NewPayment,
  type PaymentState,
  type PaymentStateName,
  type Rules,
  type Transaction,
  type WireAnswer,
  type WireRequest
} from "./Model.js"

export type {
  /**
   * @since 0.1.0
   */
  Credential,
  /**
   * @since 0.3.0
   */
  InProgress,
  /**
   * @since 0.1.0
   */
  LogEntry,
  /**
   * @since 0.1.0
   */
  NewPayment,
  /**
   * @since 0.2.0
   */
  PaymentState,
  /**
   * @since 0.2.0
   */
  PaymentStateName,
  /**
   * @since 0.1.0
   */
  Rules,
  /**
   * @since 0.1.0
   */
  Transaction,
  /**
   * @since 0.1.0
   */
  WireAnswer,
  /**
   * @since 0.1.0
   */
  WireRequest
}

/**
 * The demo credentials of the sandbox: public, for tests and demos only.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoCredential: Credential = {
  appCode: "SANDBOX0APPCODE0000000000000001",
  clientKey: "SANDBOX0CLIENTKEY000000000000001"
}

/**
 * The result of serving one request: an HTTP answer, or a connection that failed (`applied`
 * says whether the request was applied before it did).
 *
 * @since 0.1.0
 * @category models
 */
export type Served =
  | { readonly _tag: "Answer"; readonly answer: WireAnswer }
  | { readonly _tag: "Lost"; readonly applied: boolean }

/**
 * A payment could not be created as asked.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPayment extends Schema.TaggedError<InvalidPayment>("@effect-qfpay/testing/InvalidPayment")(
  "InvalidPayment",
  { reason: Schema.String }
) {
  /**
   * @since 0.1.0
   */
  override get message(): string {
    return `cannot create the payment: ${this.reason}`
  }
}

/**
 * The simulator is full: it holds `limit` transactions (payments and refunds), its
 * `limits.transactions`. Over HTTP this is a 507.
 *
 * @since 0.2.0
 * @category errors
 */
export class SimulatorFull extends Schema.TaggedError<SimulatorFull>("@effect-qfpay/testing/SimulatorFull")(
  "SimulatorFull",
  { limit: Schema.Number }
) {
  /**
   * @since 0.2.0
   */
  override get message(): string {
    return `the simulator holds ${this.limit} transactions, its limit: start a new one, or raise limits.transactions.`
  }
}

/**
 * What a simulator keeps at most, so that a long-lived one (a sandbox server left running) stays
 * bounded in memory.
 *
 * @since 0.2.0
 * @category models
 */
export interface Limits {
  /**
   * The request log keeps the last this many entries. Every entry keeps its `index`, which
   * counts all requests since the start, so entries dropped show as the first `index` being
   * above 0; `requestCount` is the next index. `Infinity` keeps all.
   */
  readonly requestLog: number
  /**
   * Payments and refunds held at most. Past it, creating one fails with `SimulatorFull` (in
   * memory) or answers 507 (over HTTP); reading, settling and cancelling still work.
   */
  readonly transactions: number
}

/**
 * The in-memory simulator's limits: the last 100 000 requests and 1 000 000 transactions, far
 * above what a test makes, while a runaway loop still stops at a clear error.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultLimits: Limits = { requestLog: 100_000, transactions: 1_000_000 }

/**
 * The most of `times` (epoch milliseconds, in order) inside any window of `millis`, wherever the
 * window starts: how a test checks a client's rate limit on the request log, as QFPay counts it.
 *
 * @example
 * ```ts
 * import { Simulator } from "@effect-qfpay/testing"
 *
 * const times = [0, 10, 999, 1000, 1500]
 * console.log(Simulator.mostInWindow(times, 1000)) // 3: 0, 10 and 999
 * ```
 *
 * @since 0.3.0
 * @category checks
 */
export const mostInWindow = (times: ReadonlyArray<number>, millis: number): number => {
  let most = 0
  for (let end = 0, start = 0; end < times.length; end++) {
    while (times[end] - times[start] >= millis) start++
    most = Math.max(most, end - start + 1)
  }
  return most
}

const checkLimits = (limits: Limits): Limits => {
  for (const [name, value] of Object.entries(limits)) {
    if (value !== Infinity && (!Number.isSafeInteger(value) || value < 1)) {
      throw new RangeError(`limits.${name}: expected a positive whole number or Infinity, got ${value}`)
    }
  }
  return limits
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The credential the test layer signs with. */
  readonly credential: Credential
  /** Serves one request as QFPay would, faults included. */
  readonly serve: (request: WireRequest) => Effect.Effect<Served>
  /** Creates a payment directly (paid unless `state` says otherwise). */
  readonly createPayment: (payment: NewPayment) => Effect.Effect<Transaction, InvalidPayment | SimulatorFull>
  /** Outcomes for the next operations on this `out_trade_no` (a refund's own, or a payment's). */
  readonly script: (out_trade_no: string, ...outcomes: ReadonlyArray<Behaviour.Outcome>) => Effect.Effect<void>
  /** The policy for operations without a script. */
  readonly setBehaviour: (policy: Behaviour.Policy) => Effect.Effect<void>
  /** Faults for the next requests they match (explicit rules go before the plan). */
  readonly addFaults: (...rules: ReadonlyArray<FaultPlan.Rule>) => Effect.Effect<void>
  readonly setFaultPlan: (plan: FaultPlan.Plan) => Effect.Effect<void>
  readonly clearFaults: Effect.Effect<void>
  /**
   * Forgets every scripted outcome not used yet.
   *
   * @since 0.2.0
   */
  readonly clearScripts: Effect.Effect<void>
  /**
   * How many scripted outcomes and fault rules are waiting to be used (used ones are
   * forgotten).
   *
   * @since 0.2.0
   */
  readonly queued: Effect.Effect<number>
  readonly setRules: (rules: Partial<Rules>) => Effect.Effect<void>
  readonly rules: Effect.Effect<Rules>
  readonly transactions: Effect.Effect<ReadonlyArray<Transaction>>
  /** A transaction by `syssn` or `out_trade_no`. */
  readonly transaction: (id: string) => Effect.Effect<Option.Option<Transaction>>
  readonly refundsOf: (syssn: string) => Effect.Effect<ReadonlyArray<Transaction>>
  /** The sum of the settled refunds of a payment. */
  readonly refundedTotal: (syssn: string) => Effect.Effect<number>
  /** The last `limits.requestLog` requests, oldest first. */
  readonly requestLog: Effect.Effect<ReadonlyArray<LogEntry>>
  /**
   * How many requests were served since the start, those dropped from the log included: the
   * `index` the next one gets. Read it before a step and keep the entries whose `index` is at
   * least that, to see what the step sent.
   *
   * @since 0.2.0
   */
  readonly requestCount: Effect.Effect<number>
  /**
   * The limits in force.
   *
   * @since 0.2.0
   */
  readonly limits: Limits
  /**
   * Settles an operation in progress now (a refund or payment by `syssn` / `out_trade_no`, or
   * the cancellation in progress on a payment), successfully or with `failWith`. `None` when
   * nothing is in progress there.
   */
  readonly settle: (
    id: string,
    options?: { readonly failWith?: string | undefined }
  ) => Effect.Effect<Option.Option<Transaction>>
  /**
   * The operations in progress (payments, refunds, cancellations), in the order their
   * transactions were made: what `settle` can end now.
   *
   * @since 0.3.0
   */
  readonly inProgress: Effect.Effect<ReadonlyArray<InProgress>>
  /**
   * A counter that every change moves on: a request served (logged), a payment created, an
   * operation settled, a script, behaviour, fault or rule set. Settlement by time happens when
   * the simulator is next read and does not move it.
   *
   * @since 0.3.0
   */
  readonly version: Effect.Effect<number>
  /**
   * Waits until `version` is past `since`, and gives the new version: at once if it already
   * is. Serving a request costs one more increment while nobody waits.
   *
   * @since 0.3.0
   */
  readonly awaitChange: (since: number) => Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Simulator extends Context.Tag("@effect-qfpay/testing/Simulator")<Simulator, Service>() {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Default: the demo credential. The first one is what the test layer signs with. */
  readonly credentials?: ReadonlyArray<Credential> | undefined
  readonly rules?: Partial<Rules> | undefined
  readonly behaviour?: Behaviour.Policy | undefined
  readonly faults?: FaultPlan.Plan | undefined
  /** Distinguishes transaction numbers of several simulators. */
  readonly node?: number | undefined
  /**
   * What it keeps at most (default {@link defaultLimits}).
   *
   * @since 0.2.0
   */
  readonly limits?: Partial<Limits> | undefined
}

const lower = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const name in headers) {
    if (Object.hasOwn(headers, name)) out[name.toLowerCase()] = headers[name]
  }
  return out
}

// A line of the request log, as one literal.
const entry = (
  request: WireRequest,
  operation: Endpoint.Operation | undefined,
  at: number,
  signatureOk: boolean,
  respcd: string | undefined,
  fault: string | undefined,
  applied: boolean
): Omit<LogEntry, "index"> => ({
  at,
  method: request.method,
  path: request.path,
  operation,
  params: request.params,
  contentType: request.headers["content-type"],
  raw: request.raw,
  appCode: request.headers["x-qf-appcode"],
  signature: request.headers["x-qf-sign"],
  signType: request.headers["x-qf-signtype"],
  signatureOk,
  respcd,
  fault,
  applied
})

const fixedAnswer = (fault: Extract<FaultPlan.Fault, { _tag: "Answer" | "Body" }>): WireAnswer =>
  fault._tag === "Body"
    // The fault's own bytes, as they would arrive.
    ? { status: 200, headers: { "content-type": "application/json" }, body: fault.body }
    : jsonAnswer({ respcd: fault.respcd, resperr: ResponseCode.meaning(fault.respcd), respmsg: "" })

const HTML = "<html><head><title>502 Bad Gateway</title></head><body>bad gateway</body></html>"

/** 1254: "A system problem occurred and is being resolved", the closest QFPay has to "full". */
const FULL_CODE = "1254"

/**
 * A new simulator.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<Service> =>
  Effect.sync(() => {
    const credentials = options.credentials ?? [demoCredential]
    const limits = checkLimits({ ...defaultLimits, ...options.limits })
    const model = new Model({
      credentials,
      rules: options.rules,
      policy: options.behaviour,
      node: options.node,
      logLimit: limits.requestLog
    })
    // The change counter, and whoever waits for the next change: one deferred shared by all
    // waiters, made only when someone waits.
    let version = 0
    let waiting: Deferred.Deferred<number> | undefined
    const changed = (): void => {
      version++
      if (waiting !== undefined) {
        const done = waiting
        waiting = undefined
        Deferred.unsafeDone(done, Exit.succeed(version))
      }
    }
    const record = (line: Omit<LogEntry, "index">): void => {
      model.record(line)
      changed()
    }
    /** `f`, then a change. */
    const changing = <A>(f: () => A): Effect.Effect<A> =>
      Effect.sync(() => {
        const a = f()
        changed()
        return a
      })
    let plan = options.faults ?? FaultPlan.none
    let fallback = options.behaviour ?? Behaviour.alwaysSucceed
    const scripts = new Map<string, Array<Behaviour.Outcome>>()
    const rules: Array<{ rule: FaultPlan.Rule; left: number }> = []

    // Scripts first, then the policy.
    model.policy = {
      decide: (op) => {
        const queue = op.out_trade_no === undefined ? undefined : scripts.get(op.out_trade_no)
        const next = queue?.shift()
        // An empty queue is forgotten, so that scripts used up do not accumulate.
        if (queue !== undefined && queue.length === 0) scripts.delete(op.out_trade_no!)
        return next ?? fallback.decide(op)
      }
    }

    const faultFor = (info: FaultPlan.RequestInfo): FaultPlan.Fault | undefined => {
      for (const entry of rules) {
        if (entry.left <= 0) continue
        const r = entry.rule
        if (r.operation !== undefined && r.operation !== info.operation) continue
        if (r.match !== undefined && !r.match(info)) continue
        entry.left--
        return r.fault
      }
      return plan.decide(info)
    }

    // Everything after the clock was read (and, for a latency fault, after the wait): one
    // synchronous step, so that concurrent requests never interleave inside it.
    const answerAt = (
      request: WireRequest,
      endpoint: Endpoint.Endpoint,
      now: number,
      fault: FaultPlan.Fault | undefined
    ): Served => {
      const { credential, ok } = model.authenticate(request)
      const log = (respcd: string | undefined, applied: boolean) =>
        record(entry(request, endpoint.operation, now, ok, respcd, fault?._tag, applied))
      if (fault !== undefined) {
        switch (fault._tag) {
          case "LostBefore":
            log(undefined, false)
            return { _tag: "Lost", applied: false }
          case "RateLimited":
            log(undefined, false)
            return {
              _tag: "Answer",
              answer: {
                status: 429,
                headers: fault.retryAfterSeconds === undefined
                  ? { "content-type": "text/plain" }
                  : { "content-type": "text/plain", "retry-after": String(fault.retryAfterSeconds) },
                body: "too many requests"
              }
            }
          case "Answer":
          case "Body":
            if (!fault.applied) {
              log(fault._tag === "Answer" ? fault.respcd : undefined, false)
              return { _tag: "Answer", answer: fixedAnswer(fault) }
            }
            break
          case "ServerError":
          case "NonJson":
            if (!fault.applied) {
              log(undefined, false)
              return {
                _tag: "Answer",
                answer: {
                  status: fault._tag === "ServerError" ? fault.status : 200,
                  headers: { "content-type": "text/html" },
                  body: HTML
                }
              }
            }
        }
      }
      const full = (endpoint.operation === "payment" || endpoint.operation === "refund") &&
        model.transactionCount >= limits.transactions
      const result = credential === undefined || !ok
        ? {
          answer: jsonAnswer({ respcd: "1108", resperr: "Signature error", respmsg: "" }),
          respcd: "1108",
          applied: false
        }
        : full
        ? {
          // Not QFPay's behaviour (it has no limit to reach): a sandbox left running says it is full.
          answer: jsonAnswer(
            {
              respcd: FULL_CODE,
              resperr: ResponseCode.meaning(FULL_CODE),
              respmsg: new SimulatorFull({ limit: limits.transactions }).message
            },
            507
          ),
          respcd: FULL_CODE,
          applied: false
        }
        : model.answer(endpoint, request, credential, now)
      log(result.respcd, result.applied)
      if (fault === undefined) return { _tag: "Answer", answer: result.answer }
      const answer = result.answer
      switch (fault._tag) {
        case "LostAfter":
          return { _tag: "Lost", applied: result.applied }
        case "ServerError":
          return {
            _tag: "Answer",
            answer: { status: fault.status, headers: { "content-type": "text/html" }, body: HTML }
          }
        case "NonJson":
          return { _tag: "Answer", answer: { status: 200, headers: { "content-type": "text/html" }, body: HTML } }
        case "Answer":
        case "Body":
          return { _tag: "Answer", answer: fixedAnswer(fault) }
        case "Tamper": {
          // Text, as a tampered answer arrives over HTTP.
          const parsed = answer.json ?? (JSON.parse(answer.body) as Record<string, unknown>)
          return {
            _tag: "Answer",
            answer: {
              status: answer.status,
              headers: answer.headers,
              body: JSON.stringify({ ...parsed, ...fault.fields })
            }
          }
        }
        case "BadSignature": {
          const headers = { ...answer.headers, "x-qf-sign": "0".repeat(32) }
          return {
            _tag: "Answer",
            answer: answer.json !== undefined
              ? new JsonAnswer(answer.status, headers, answer.json)
              : { status: answer.status, headers, body: answer.body }
          }
        }
        case "TruncatedJson":
          // Bytes, cut short: the client gets text it cannot parse.
          return {
            _tag: "Answer",
            answer: {
              status: answer.status,
              headers: answer.headers,
              body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2)))
            }
          }
        default:
          return { _tag: "Answer", answer }
      }
    }

    const serve = (raw: WireRequest): Effect.Effect<Served> =>
      Effect.flatMap(Clock.currentTimeMillis, (start): Effect.Effect<Served> => {
        const request: WireRequest = {
          method: raw.method,
          path: raw.path,
          params: raw.params,
          headers: lower(raw.headers),
          raw: raw.raw
        }
        const endpoint = Endpoint.byPath(request.path)
        if (endpoint === undefined) {
          record(entry(request, undefined, start, false, undefined, undefined, false))
          return Effect.succeed({
            _tag: "Answer",
            answer: { status: 404, headers: { "content-type": "text/plain" }, body: "not found" }
          })
        }
        if (endpoint.method !== request.method.toUpperCase()) {
          record(entry(request, endpoint.operation, start, false, undefined, undefined, false))
          return Effect.succeed({
            _tag: "Answer",
            answer: {
              status: 405,
              headers: { "content-type": "text/plain", allow: endpoint.method },
              body: "method not allowed"
            }
          })
        }
        const fault = faultFor({ operation: endpoint.operation, params: request.params, index: model.requestCount })
        if (fault?._tag === "Latency") {
          return Effect.zipRight(
            Effect.sleep(Duration.millis(fault.millis)),
            Effect.map(Clock.currentTimeMillis, (now) => answerAt(request, endpoint, now, undefined))
          )
        }
        return Effect.succeed(answerAt(request, endpoint, start, fault))
      })

    const now = Clock.currentTimeMillis
    const service: Service = {
      credential: credentials[0],
      serve,
      createPayment: (payment) =>
        Effect.flatMap(now, (t): Effect.Effect<Transaction, InvalidPayment | SimulatorFull> => {
          if (model.transactionCount >= limits.transactions) {
            return Effect.fail(new SimulatorFull({ limit: limits.transactions }))
          }
          const created = model.createPayment(payment, t)
          if (Either.isLeft(created)) return Effect.fail(new InvalidPayment({ reason: created.left }))
          changed()
          return Effect.succeed(created.right)
        }),
      script: (out_trade_no, ...outcomes) =>
        changing(() => {
          if (outcomes.length === 0) {
            return
          }
          const queue = scripts.get(out_trade_no)
          if (queue === undefined) {
            scripts.set(out_trade_no, [...outcomes])
          } else queue.push(...outcomes)
        }),
      setBehaviour: (policy) => changing(() => (fallback = policy)),
      addFaults: (...added) =>
        changing(() => {
          // Rules used up are forgotten first, so that a long-lived simulator does not accumulate them.
          const live = rules.filter((entry) => entry.left > 0)
          rules.length = 0
          rules.push(...live, ...added.map((rule) => ({ rule, left: rule.times ?? 1 })))
        }),
      setFaultPlan: (next) => changing(() => (plan = next)),
      clearFaults: changing(() => {
        rules.length = 0
        plan = FaultPlan.none
      }),
      clearScripts: changing(() => scripts.clear()),
      queued: Effect.sync(() => {
        let count = 0
        for (const queue of scripts.values()) count += queue.length
        for (const entry of rules) if (entry.left > 0) count++
        return count
      }),
      setRules: (next) => changing(() => (model.rules = { ...model.rules, ...next })),
      rules: Effect.sync(() => model.rules),
      transactions: Effect.map(now, (t) => model.transactions(t)),
      transaction: (id) => Effect.map(now, (t) => Option.fromNullable(model.transaction(id, t))),
      refundsOf: (syssn) => Effect.map(now, (t) => model.refundsOf(syssn, t)),
      refundedTotal: (syssn) => Effect.map(now, (t) => model.transaction(syssn, t)?.refunded ?? 0),
      requestLog: Effect.sync(() => model.recentLog()),
      requestCount: Effect.sync(() => model.requestCount),
      limits,
      settle: (id, settleOptions) =>
        Effect.map(now, (t) => {
          const settled = model.settleNow(id, settleOptions?.failWith, t)
          if (settled !== undefined) changed()
          return Option.fromNullable(settled)
        }),
      inProgress: Effect.map(now, (t) => model.inProgress(t)),
      version: Effect.sync(() => version),
      awaitChange: (since) =>
        Effect.suspend(() => {
          if (version > since) return Effect.succeed(version)
          waiting ??= Deferred.unsafeMake<number>(FiberId.none)
          return Deferred.await(waiting)
        })
    }
    return service
  })

/**
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Simulator> => Layer.effect(Simulator, make(options))
