/**
 * Which cancellation applies to a payment that has not completed: reversal or close, by pay
 * type (PROTOCOL.md §6). The default table is `Decisions.cancelRouting`; it is configuration,
 * and a pay type in neither set is an `UnknownPayType` error, never a guess.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Decisions from "./Decisions.js"
import { UnknownPayType } from "./QFPayError.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface CancelRouting {
  readonly reversal: ReadonlyArray<string>
  readonly close: ReadonlyArray<string>
}

/**
 * @since 0.1.0
 * @category models
 */
export type Route = "reversal" | "close"

/**
 * @since 0.1.0
 * @category constants
 */
export const defaultRouting: CancelRouting = {
  reversal: [...Decisions.cancelRouting.reversal],
  close: [...Decisions.cancelRouting.close]
}

/**
 * Builds a routing table; a pay type listed under both operations is refused.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (routing: CancelRouting): Either.Either<CancelRouting, string> => {
  const both = routing.reversal.filter((p) => routing.close.includes(p))
  return both.length > 0
    ? Either.left(`pay type ${both.join(", ")} is listed under both reversal and close`)
    : Either.right({ reversal: [...routing.reversal], close: [...routing.close] })
}

/**
 * The operation that cancels a not-completed payment of this pay type.
 *
 * @since 0.1.0
 * @category routing
 */
export const route = (routing: CancelRouting, payType: string): Either.Either<Route, UnknownPayType> =>
  routing.reversal.includes(payType)
    ? Either.right("reversal")
    : routing.close.includes(payType)
    ? Either.right("close")
    : Either.left(new UnknownPayType({ payType, reversal: routing.reversal, close: routing.close }))
