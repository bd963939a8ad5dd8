/**
 * A hook that sees every state an operation passes through, starting **before its first
 * request is sent**. This is how a caller that may be interrupted (a deploy, SIGTERM, a timeout
 * of its own) keeps what it needs to resume: the handle. After an interruption, run
 * `reconcile(handle)`: it looks the operation up before sending anything again.
 *
 * ```ts
 * const last = yield* Ref.make<Option.Option<Handle.Handle>>(Option.none())
 * yield* refund(input).pipe(
 *   Effect.provideService(OperationObserver, OperationObserver.make((s) => Ref.set(last, Option.some(s.handle)))),
 *   Effect.onInterrupt(() => Effect.flatMap(Ref.get(last), saveForLater))
 * )
 * ```
 *
 * The default observes nothing. A durable journal records each state here.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { OperationState } from "./OperationState.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** Called with each new state, before the action it leads to is carried out. */
  readonly onState: (state: OperationState) => Effect.Effect<void>
}

/**
 * @since 0.2.0
 * @category constructors
 */
export const make = (onState: Service["onState"]): Service => ({ onState })

/**
 * @since 0.2.0
 * @category constants
 */
export const none: Service = make(() => Effect.void)

/**
 * @since 0.2.0
 * @category tags
 */
export class OperationObserver extends Context.Reference<OperationObserver>()(
  "@effect-qfpay/core/OperationObserver",
  { defaultValue: (): Service => none }
) {}
