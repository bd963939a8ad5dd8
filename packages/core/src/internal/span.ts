/**
 * Attributes on the current span, set on the span object: nothing to do (and no exception path)
 * when there is no span, as when tracing is off.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/** @internal */
export const annotate = (attributes: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.map(Effect.serviceOption(Tracer.ParentSpan), (span) => {
    if (Option.isNone(span) || span.value._tag !== "Span") return
    for (const key in attributes) {
      const value = attributes[key]
      if (value !== undefined) span.value.attribute(key, value)
    }
  })

/** A program's span: no stack trace captured (programs run thousands of times a second). @internal */
export const withSpan = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withSpan(effect, name, { captureStackTrace: false })
