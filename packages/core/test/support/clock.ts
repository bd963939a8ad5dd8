import { Chunk, Effect, type Exit, Fiber, Option, TestClock } from "effect"

/**
 * Runs an effect under `TestClock`, moving time straight to the next pending sleep until the
 * effect is done, and returns its exit. No real time passes, and no time passes that nothing
 * waits for, so the times a test observes are exactly the ones the program scheduled.
 */
export const runClocked = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  maxSteps = 1_000_000
): Effect.Effect<Exit.Exit<A, E>, never, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSteps; i++) {
      // Let every runnable fiber reach its next sleep (or the end) before moving time.
      for (let spin = 0; spin < 3; spin++) yield* Effect.yieldNow()
      const done = yield* Fiber.poll(fiber)
      if (Option.isSome(done)) return done.value
      const sleeps = yield* TestClock.sleeps()
      if (Chunk.isNonEmpty(sleeps)) {
        const next = Math.min(...Chunk.toReadonlyArray(sleeps))
        const now = yield* TestClock.currentTimeMillis
        yield* TestClock.adjust(Math.max(0, next - now))
      }
    }
    return yield* Fiber.await(fiber)
  })

/** The same, failing with the effect's error when it fails. */
export const settle = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(runClocked(effect), (exit) => exit)
