/**
 * A program with a span of its own, like `Effect.fn(name)`, without the two stack traces
 * `Effect.fn` captures on every call: the programs run once per payment operation, thousands of
 * times a second in a busy backend or a property test.
 *
 * @internal
 */
import * as Effect from "effect/Effect"

/** @internal */
export const traced = <Args extends ReadonlyArray<any>, A, E, R>(
  name: string,
  body: (...args: Args) => Effect.Effect<A, E, R>
): (...args: Args) => Effect.Effect<A, E, R> =>
(...args) => Effect.withSpan(Effect.suspend(() => body(...args)), name, { captureStackTrace: false })
