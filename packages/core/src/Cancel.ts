/**
 * Cancel a payment that has not completed, by reversal or close as its pay type requires.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as CancelRouting from "./CancelRouting.js"
import * as CancelProgram from "./internal/cancel.js"
import type { ExecuteError } from "./internal/execute.js"
import { issuesOf } from "./internal/issues.js"
import { traced } from "./internal/traced.js"
import { PayType } from "./PayType.js"
import type { PollPolicy } from "./PollPolicy.js"
import { QFPayConfig } from "./QFPayConfig.js"
import { InvalidRequest, type UnknownPayType } from "./QFPayError.js"
import type { Receipt } from "./Receipt.js"
import type * as Submit from "./Submit.js"
import type { Transport } from "./Transport.js"

/**
 * The original payment, with its pay type.
 *
 * @since 0.1.0
 * @category models
 */
export interface CancelInput extends Submit.CancelInput {
  readonly pay_type: string
}

/**
 * @since 0.1.0
 * @category models
 */
export type CancelError = ExecuteError | UnknownPayType

/**
 * Routes by pay type through the configured routing table (PROTOCOL §6): reversal for the
 * reversal set, close for the close set, and `UnknownPayType` for anything else; the library
 * never guesses.
 *
 * @since 0.1.0
 * @category programs
 */
export const cancel: (
  input: CancelInput,
  options?: { readonly poll?: PollPolicy | undefined }
) => Effect.Effect<Receipt, CancelError, QFPayConfig | Transport> = traced(
  "QFPay.cancel",
  (input: CancelInput, options?: { readonly poll?: PollPolicy | undefined }) =>
    Effect.gen(function*() {
      const config = yield* QFPayConfig
      const payType = Schema.decodeUnknownEither(PayType)(input?.pay_type)
      if (Either.isLeft(payType)) {
        return yield* Effect.fail(
          new InvalidRequest({
            operation: "cancel",
            issues: issuesOf(payType.left).map((i) => ({ ...i, path: "pay_type" }))
          })
        )
      }
      const route = yield* CancelRouting.route(config.routing, payType.right)
      yield* Effect.annotateCurrentSpan({ "qfpay.pay_type": payType.right, "qfpay.route": route })
      const { pay_type: _, ...payment } = input
      return yield* CancelProgram.run(route, payment, options)
    })
)
