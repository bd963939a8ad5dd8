/**
 * Carries out what `decide` asks for (send, enquire, step a schedule, sleep) and feeds what
 * happened back to it, until it is done. Every new state goes to the `OperationObserver`
 * first, so that an observer holds the handle before the first request is sent.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Handle from "../Handle.js"
import * as OperationObserver_ from "../OperationObserver.js"
import { OperationObserver } from "../OperationObserver.js"
import type { PollPolicy } from "../PollPolicy.js"
import { PollProgress } from "../PollProgress.js"
import { PollScheduler } from "../PollScheduler.js"
import { QFPayConfig } from "../QFPayConfig.js"
import type { OperationError } from "../QFPayError.js"
import type { Receipt } from "../Receipt.js"
import type { Transport } from "../Transport.js"
import * as Client from "./client.js"
import * as Decide from "./decide.js"
import { delay, settingsFor } from "./policy.js"
import * as Prepare from "./request.js"
import { Stepper } from "./schedule.js"
import * as Scheduler from "./scheduler.js"
import * as Telemetry from "./telemetry.js"

const currentFiber = Effect.withFiberRuntime<Fiber.RuntimeFiber<unknown, unknown>>((fiber) => Effect.succeed(fiber))

/** @internal */
export const run = (
  handle: Handle.Handle,
  mode: Decide.Mode,
  prepared: Prepare.Prepared<unknown> | undefined,
  poll: PollPolicy | undefined,
  callerId = true
): Effect.Effect<Receipt, OperationError, QFPayConfig | Transport> =>
  Effect.gen(function*() {
    // The services, the clock and the fiber's telemetry, read once: every step uses them.
    const fiber = yield* currentFiber
    const context = fiber.currentContext as Context.Context<QFPayConfig>
    const config = Context.get(context, QFPayConfig)
    const observer = Context.get(context, OperationObserver)
    // The default observer does nothing: no step of the loop runs it.
    const observe = observer === OperationObserver_.none ? undefined : observer.onState
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    const started = clock.unsafeCurrentTimeMillis()
    const tally = Telemetry.begin(fiber, handle, clock, started)
    const policy = poll ?? config.poll
    const settings = settingsFor(config, policy)
    const scheduler = Scheduler.schedulerOf(Context.get(context, PollScheduler))
    const steppers: Record<Decide.Schedule, Stepper> = {
      retry: new Stepper(config.retry.schedule),
      enquiry: new Stepper(config.retry.schedule),
      poll: new Stepper(policy.schedule)
    }
    let request = prepared
    let reportPoll = false
    let step = Decide.start(settings, handle, mode, started, callerId)
    while (true) {
      if (observe !== undefined) yield* observe(step.state)
      const action = step.action
      Telemetry.step(tally, step.state, action)
      let event: Decide.Event
      switch (action._tag) {
        case "Done":
          if (action.warning !== undefined) yield* Effect.logWarning(`QFPay: ${action.warning}`)
          return action.receipt
        case "Fail":
          if (reportPoll) yield* report(step.state, Option.none())
          return yield* Effect.fail(action.error)
        case "Send": {
          request ??= yield* prepare(step.state.handle)
          const answer = yield* Effect.either(Telemetry.attempt(tally, step.state, Client.submit(request)))
          const now = clock.unsafeCurrentTimeMillis()
          event = Either.isRight(answer)
            ? { _tag: "Answered", now, answer: answer.right }
            : { _tag: "SendFailed", now, error: answer.left }
          break
        }
        case "Enquire": {
          const seen = yield* Effect.either(Telemetry.enquiry(tally, step.state, Client.enquire(step.state.handle)))
          const now = clock.unsafeCurrentTimeMillis()
          reportPoll = step.state.phase === "poll"
          if (Either.isRight(seen)) steppers.enquiry = new Stepper(config.retry.schedule)
          event = Either.isRight(seen)
            ? { _tag: "Observed", now, observation: seen.right }
            : { _tag: "EnquiryFailed", now, error: seen.left }
          break
        }
        case "Wait": {
          // Entering the poll phase: a batching scheduler, when there is one, takes it from here.
          if (action.first !== undefined && scheduler !== undefined) {
            return yield* Scheduler.await_(scheduler, step, policy, tally)
          }
          if (action.first !== undefined) steppers.poll = new Stepper(policy.schedule)
          event = yield* delay(
            action,
            policy,
            steppers[action.schedule],
            clock.unsafeCurrentTimeMillis(),
            step.state.lastCode
          )
          break
        }
        case "Sleep":
          if (reportPoll) yield* report(step.state, Option.some(Duration.millis(action.millis)))
          reportPoll = false
          if (action.millis > 0) yield* Effect.sleep(Duration.millis(action.millis))
          event = { _tag: "Woke", now: clock.unsafeCurrentTimeMillis() }
          break
      }
      step = Decide.decide(settings, step.state, event)
    }
  })

const report = (
  state: { readonly handle: Handle.Handle; readonly polls: number; readonly lastCode?: string | undefined },
  nextIn: Option.Option<Duration.Duration>
) =>
  Effect.flatMap(
    PollProgress,
    (progress) => progress.onEnquiry({ handle: state.handle, attempt: state.polls, lastCode: state.lastCode, nextIn })
  )

// Resending an operation found by its handle: the very same identifiers.
const prepare = (handle: Handle.Handle) =>
  handle._tag === "RefundHandle"
    ? Prepare.refund(Handle.toInput(handle))
    : Prepare.cancel(handle.operation, Handle.toInput(handle))
