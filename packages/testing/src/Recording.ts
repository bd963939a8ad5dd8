/**
 * Records every log line (at every level) and every span (name, attributes, events, exit) an
 * effect produces, as text, so a test can search them: for instance, that a client key never
 * appears in any of them.
 *
 * ```ts
 * const recording = Recording.make()
 * yield* recording.instrument(myFlow)
 * expect(recording.text()).not.toContain(clientKey)
 * ```
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Tracer from "effect/Tracer"

/**
 * @since 0.1.0
 * @category models
 */
export interface Recording {
  readonly lines: ReadonlyArray<string>
  readonly spans: ReadonlyArray<string>
  /** Runs an effect with logging at every level and tracing into this recording. */
  readonly instrument: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Everything recorded, one entry per line. */
  readonly text: () => string
}

const show = (value: unknown): string => {
  try {
    return typeof value === "string" ? value : JSON.stringify(value, (_, v) => (typeof v === "bigint" ? String(v) : v))
  } catch {
    return String(value)
  }
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (): Recording => {
  const lines: Array<string> = []
  const spans: Array<string> = []
  let next = 0
  const logger = Logger.make(({ annotations, cause, logLevel, message, spans: logSpans }) => {
    lines.push(show({
      level: logLevel.label,
      message: show(message),
      annotations: [...annotations].map(([k, v]) => [k, show(v)]),
      spans: [...logSpans].map((s) => s.label),
      cause: Cause.isEmpty(cause) ? "" : Cause.pretty(cause)
    }))
  })
  const tracer = Tracer.make({
    span: (name, parent, context, links, _startTime, kind) => {
      const attributes = new Map<string, unknown>()
      const events: Array<unknown> = []
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${++next}`,
        traceId: "recording",
        parent,
        context,
        status: { _tag: "Started", startTime: 0n },
        attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime, exit) => {
          spans.push(show({
            name,
            attributes: [...attributes].map(([k, v]) => [k, show(v)]),
            events: events.map(show),
            exit: exit._tag === "Failure" ? Cause.pretty(exit.cause) : "success"
          }))
        },
        attribute: (key, value) => void attributes.set(key, value),
        event: (eventName, _time, eventAttributes) => void events.push([eventName, eventAttributes]),
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return {
    lines,
    spans,
    instrument: (effect) =>
      effect.pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All),
        Effect.withTracer(tracer)
      ),
    text: () => [...lines, ...spans].join("\n")
  }
}
