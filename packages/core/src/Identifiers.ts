/**
 * QFPay's identifiers: transaction numbers, merchant order numbers, merchant and device ids.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Decisions from "./Decisions.js"
import { show } from "./internal/show.js"

// Control characters break form bodies and logs; edge whitespace is silently trimmed by some
// servers and would then no longer match the signature.
const problem = (s: string, max: number): string | undefined => {
  if (s.length === 0) return "must not be empty"
  if (s.length > max) return `must be at most ${max} characters, got ${s.length}`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) return "must not contain control characters"
  if (s.trim() !== s) return "must not start or end with whitespace"
  return undefined
}

const boundedId = <B extends string>(brand: B, max: number, description: string, alphabet?: string) =>
  Schema.String.pipe(
    Schema.filter((s) => problem(s, max) === undefined, {
      message: (issue) =>
        typeof issue.actual === "string"
          ? { message: `${description} ${problem(issue.actual, max) ?? "is not valid"}`, override: true }
          : {
            message: `expected ${description} (text, at most ${max} characters), got ${show(issue.actual)}`,
            override: true
          },
      arbitrary: () => (fc) =>
        fc.string({
          unit: fc.constantFrom(...(alphabet ?? "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz_-")),
          minLength: 1,
          maxLength: Math.min(max, 40)
        })
    }),
    Schema.brand(brand),
    Schema.annotations({
      identifier: brand,
      title: brand,
      description: `${description} (at most ${max} characters)`
    })
  )

/**
 * A QFPay transaction number (`syssn`), at most 128 characters (the refund and enquiry limit;
 * reversal and close requests allow 40, see `Decisions.syssnMaxLength`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const Syssn = boundedId("Syssn", Decisions.syssnMaxLength.refund, "a QFPay transaction number", "0123456789")

/**
 * @since 0.1.0
 * @category models
 */
export type Syssn = typeof Syssn.Type

/**
 * A `syssn` within the reversal / close limit of 40 characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CancelSyssn = Syssn.pipe(
  Schema.filter((s) =>
    s.length <= Decisions.syssnMaxLength.reversal ||
    `a QFPay transaction number must be at most ${Decisions.syssnMaxLength.reversal} characters here, got ${s.length}`
  )
)

/**
 * The merchant's own order number (`out_trade_no`), at most 128 characters. For a refund it
 * is the refund's idempotency key: new for each refund intent, reused on every retry.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutTradeNo = boundedId("OutTradeNo", 128, "an out_trade_no")

/**
 * @since 0.1.0
 * @category models
 */
export type OutTradeNo = typeof OutTradeNo.Type

/**
 * A QFPay merchant id (`mchid`), at most 16 characters; sent only when QFPay issued one.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MchId = boundedId("MchId", 16, "a merchant id (mchid)")

/**
 * @since 0.1.0
 * @category models
 */
export type MchId = typeof MchId.Type

/**
 * A terminal / device id (`udid`), at most 40 characters.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Udid = boundedId("Udid", 40, "a device id (udid)")

/**
 * @since 0.1.0
 * @category models
 */
export type Udid = typeof Udid.Type

/**
 * The app code QFPay issued (`X-QF-APPCODE`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AppCode = boundedId("AppCode", 64, "an app code")

/**
 * @since 0.1.0
 * @category models
 */
export type AppCode = typeof AppCode.Type
