/**
 * Cancel a payment that has not completed: reverse it (POST `/trade/v1/reversal`), close it
 * (GET `/trade/v1/close`), or let its pay type choose (PROTOCOL §6).
 *
 * After a `0000` answer the payment is checked once with the enquiry (the seeds: "a reversal
 * does not guarantee that the user has not been charged. Always verify"). A paid payment
 * cannot be cancelled: refund it. "Already cancelled / closed" is looked up like a duplicate:
 * a payment shown cancelled settles the call.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as CancelRouting from "./CancelRouting.js"
import * as Handle from "./Handle.js"
import { issuesOf } from "./internal/issues.js"
import * as Prepare from "./internal/request.js"
import { run } from "./internal/run.js"
import { annotate, withSpan } from "./internal/span.js"
import * as Telemetry from "./internal/telemetry.js"
import type * as Options_ from "./Options.js"
import { PayType } from "./PayType.js"
import { QFPayConfig } from "./QFPayConfig.js"
import { InvalidRequest, type OperationError, type UnknownPayType } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type * as Request from "./Request.js"
import type { Transport } from "./Transport.js"

/**
 * The original payment (`syssn` or `out_trade_no`), its amount and its transaction time.
 *
 * @since 0.2.0
 * @category models
 */
export type PaymentInput = Request.CancelInput

/**
 * The original payment, with its pay type.
 *
 * @since 0.1.0
 * @category models
 */
export interface CancelInput extends Request.CancelInput {
  readonly pay_type: string
}

/**
 * @since 0.2.0
 * @category models
 */
export type Options = Options_.Options

/**
 * @since 0.1.0
 * @category models
 */
export type CancelError = OperationError | UnknownPayType

const run_ = (operation: "reversal" | "close", input: PaymentInput, options: Options | undefined) =>
  Effect.flatMap(Prepare.cancel(operation, input), (prepared) => {
    const request = prepared.request
    return Effect.flatMap(
      annotate({
        "qfpay.syssn": request.syssn,
        "qfpay.out_trade_no": request.out_trade_no,
        "qfpay.txamt": request.txamt
      }),
      () => run(Handle.fromCancel(operation, request), "submit", prepared, options?.poll)
    )
  })

/**
 * Reverses a not-completed payment and follows the reversal until it settles.
 *
 * @example
 * ```ts
 * import { reverse } from "@effect-qfpay/core"
 *
 * const receipt = reverse({ syssn: "20191227000200020061752831", txamt: 2500, txdtm: "2019-12-27 10:39:39" })
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const reverse = (
  input: PaymentInput,
  options?: Options
): Effect.Effect<Receipt, OperationError, QFPayConfig | Transport> =>
  run_("reversal", input, options).pipe(withSpan("QFPay.reverse"))

/**
 * Closes a not-completed payment, for the wallets that close instead of reversing.
 *
 * @example
 * ```ts
 * import { close } from "@effect-qfpay/core"
 *
 * const receipt = close({ out_trade_no: "ORDER-42", txamt: 300, txdtm: "2019-12-27 10:39:39" })
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const close = (
  input: PaymentInput,
  options?: Options
): Effect.Effect<Receipt, OperationError, QFPayConfig | Transport> =>
  run_("close", input, options).pipe(withSpan("QFPay.close"))

/**
 * Routes by pay type through the configured routing table (PROTOCOL §6): reversal for the
 * reversal set, close for the close set, and `UnknownPayType` for anything else; the library
 * never guesses.
 *
 * @example
 * ```ts
 * import { cancel } from "@effect-qfpay/core"
 *
 * const receipt = cancel({ syssn: "20191227000200020061752831", txamt: 2500, txdtm: "2019-12-27 10:39:39", pay_type: "800101" })
 * ```
 *
 * @since 0.1.0
 * @category programs
 */
export const cancel = (
  input: CancelInput,
  options?: Options
): Effect.Effect<Receipt, CancelError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    const config = yield* QFPayConfig
    const payType = Schema.decodeUnknownEither(PayType)(input?.pay_type)
    if (Either.isLeft(payType)) {
      return yield* Telemetry.refused(
        "cancel",
        new InvalidRequest({
          operation: "cancel",
          issues: issuesOf(payType.left).map((i) => ({ ...i, path: "pay_type" }))
        })
      )
    }
    const routed = CancelRouting.route(config.routing, payType.right)
    if (Either.isLeft(routed)) return yield* Telemetry.refused("cancel", routed.left)
    const route = routed.right
    yield* annotate({ "qfpay.pay_type": payType.right, "qfpay.route": route })
    const { pay_type: _, ...payment } = input
    return yield* run_(route, payment, options)
  }).pipe(withSpan("QFPay.cancel"))
