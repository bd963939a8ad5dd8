/**
 * What the simulated QFPay does with an operation it accepts: answer `0000`, answer "in
 * progress" (1143 / 1145 / 1298) and settle later, after some enquiries or some `Clock` time
 * (or never), or fail with a code. Decided per operation by a policy: scripts per
 * `out_trade_no` for hand-written tests, a seeded generator for property tests.
 *
 * @since 0.1.0
 */
import * as Prng from "./internal/prng.js"

/**
 * When an "in progress" operation settles.
 *
 * @since 0.1.0
 * @category models
 */
export type Settlement =
  /** The k-th enquiry that shows it sees it settled. */
  | { readonly _tag: "AfterEnquiries"; readonly count: number }
  /** It settles once this much `Clock` time has passed. */
  | { readonly _tag: "AfterMillis"; readonly millis: number }
  | { readonly _tag: "Never" }

/**
 * @since 0.1.0
 * @category models
 */
export type PendingCode = "1143" | "1145" | "1298"

/**
 * @since 0.1.0
 * @category models
 */
export type Outcome =
  | { readonly _tag: "Succeed" }
  | {
    readonly _tag: "Pending"
    readonly code: PendingCode
    readonly settles: Settlement
    /** How it ends: `undefined` for success, or a failure code. */
    readonly failWith: string | undefined
  }
  | { readonly _tag: "Fail"; readonly code: string }

/**
 * @since 0.1.0
 * @category constructors
 */
export const succeed: Outcome = { _tag: "Succeed" }

/**
 * Answers in progress, then settles (or fails with `failWith`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const pending = (options: {
  readonly code?: PendingCode | undefined
  readonly afterEnquiries?: number | undefined
  readonly afterMillis?: number | undefined
  readonly never?: boolean | undefined
  readonly failWith?: string | undefined
} = {}): Outcome => ({
  _tag: "Pending",
  code: options.code ?? "1145",
  settles: options.never === true
    ? { _tag: "Never" }
    : options.afterMillis !== undefined
    ? { _tag: "AfterMillis", millis: options.afterMillis }
    : { _tag: "AfterEnquiries", count: Math.max(1, options.afterEnquiries ?? 1) },
  failWith: options.failWith
})

/**
 * Fails at once with a code (nothing is recorded).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fail = (code: string): Outcome => ({ _tag: "Fail", code })

/**
 * What a policy sees when it decides.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation {
  readonly operation: "payment" | "refund" | "reversal" | "close"
  /** The operation's own `out_trade_no` (payment, refund) or the payment's (reversal, close). */
  readonly out_trade_no: string | undefined
  /** The payment concerned. */
  readonly syssn: string | undefined
  readonly pay_type: string
  readonly txamt: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  readonly decide: (operation: Operation) => Outcome
}

/**
 * Everything succeeds at once: the default.
 *
 * @since 0.1.0
 * @category policies
 */
export const alwaysSucceed: Policy = { decide: () => succeed }

/**
 * The same outcome every time.
 *
 * @since 0.1.0
 * @category policies
 */
export const always = (outcome: Outcome): Policy => ({ decide: () => outcome })

/**
 * @since 0.1.0
 * @category models
 */
export interface SeededOptions {
  /** Share of operations answered "in progress". Default 0.3. */
  readonly pendingRate?: number | undefined
  /** Share of operations that fail (at once, or after being in progress). Default 0.1. */
  readonly failRate?: number | undefined
  /** At most this many enquiries before settling. Default 4. */
  readonly maxEnquiries?: number | undefined
  /** Share of "in progress" that never settles. Default 0. */
  readonly neverRate?: number | undefined
  /** Failure codes drawn from. Default 1155 (refund denied), 1205 (retry later), 1297 (bank busy). */
  readonly failCodes?: ReadonlyArray<string> | undefined
}

/**
 * Deterministic random outcomes from a seed, for property tests.
 *
 * @since 0.1.0
 * @category policies
 */
export const seeded = (seed: number, options: SeededOptions = {}): Policy => {
  const prng = Prng.make(seed)
  const pendingRate = options.pendingRate ?? 0.3
  const failRate = options.failRate ?? 0.1
  const neverRate = options.neverRate ?? 0
  const maxEnquiries = options.maxEnquiries ?? 4
  const failCodes = options.failCodes ?? ["1155", "1205", "1297"]
  const pendingCodes: ReadonlyArray<PendingCode> = ["1143", "1145", "1298"]
  return {
    decide: () => {
      const roll = prng.next()
      const failing = prng.next() < failRate
      const failCode = failCodes[prng.int(0, failCodes.length - 1)]
      if (roll < pendingRate) {
        return pending({
          code: pendingCodes[prng.int(0, 2)],
          afterEnquiries: prng.int(1, maxEnquiries),
          never: prng.next() < neverRate,
          failWith: failing ? failCode : undefined
        })
      }
      return failing ? fail(failCode) : succeed
    }
  }
}

/**
 * Scripts per `out_trade_no` take precedence, consumed in order; everything else goes to
 * `fallback`.
 *
 * @since 0.1.0
 * @category policies
 */
export const scripted = (
  scripts: ReadonlyMap<string, ReadonlyArray<Outcome>>,
  fallback: Policy = alwaysSucceed
): Policy => {
  const queues = new Map([...scripts].map(([key, outcomes]) => [key, [...outcomes]]))
  return {
    decide: (op) => {
      const queue = op.out_trade_no === undefined ? undefined : queues.get(op.out_trade_no)
      const next = queue?.shift()
      return next ?? fallback.decide(op)
    }
  }
}
