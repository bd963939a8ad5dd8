/**
 * The programs' spans. Made under a tracer of your own (OpenTelemetry's, say) with no stack
 * trace captured, and with attributes set on the span object; not made under Effect's
 * built-in tracer, which keeps spans for nobody (no exporter sees them), nor when tracing is
 * turned off. There a span would be invisible and still cost what thirty `Effect.flatMap`
 * steps cost (making it and making it the parent of what runs inside; `pnpm bench`), on every
 * refund. `NodeTransport`'s span follows the same rule.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Tracer from "effect/Tracer"

const nativeTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/**
 * Whether a span made in this fiber would reach anyone: tracing is on, under a tracer of one's
 * own.
 *
 * @internal
 */
export const traced = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.currentTracer !== nativeTracer && fiber.getFiberRef(FiberRef.currentTracerEnabled)

/**
 * Attributes on the program's span, set on the span object: nothing to do when there is no
 * span of ours (Effect's built-in tracer, tracing off), and no exception path.
 *
 * @internal
 */
export const annotate = (attributes: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    if (!traced(fiber)) return Effect.void
    const span = Context.getOption(fiber.currentContext, Tracer.ParentSpan)
    if (span._tag === "None" || span.value._tag !== "Span") return Effect.void
    for (const key in attributes) {
      const value = attributes[key]
      if (value !== undefined) span.value.attribute(key, value)
    }
    return Effect.void
  })

/** A program's span: no stack trace captured (programs run thousands of times a second). @internal */
export const withSpan = (name: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) =>
    traced(fiber) ? Effect.withSpan(effect, name, { captureStackTrace: false }) : effect
  )
