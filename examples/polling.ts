/**
 * Choosing how long to wait for an operation "in progress", and resuming one later, possibly
 * in another process, from its handle.
 */
import { Handle, PollPolicy, pollUntilSettled, refund } from "@effect-qfpay/core"
import { Effect, Either, Schedule } from "effect"

// The default: first enquiry after 3 s, exponential backoff from 2 s (×1.5, jittered, capped at
// 15 s), for at most 2 minutes. A shorter one for a checkout page:
export const checkout = PollPolicy.make({ firstDelay: "3 seconds", maxInterval: "5 seconds", deadline: "30 seconds" })

// Any Schedule decides the waits after the first enquiry:
export const everyTenSeconds = PollPolicy.fromSchedule(
  Schedule.spaced("10 seconds").pipe(Schedule.intersect(Schedule.recurs(11))),
  { firstDelay: "5 seconds", deadline: "2 minutes" }
)

// Refund; if QFPay is still working on it, keep the handle (a short string) for later.
export const refundOrQueue = (syssn: string, cents: number, save: (token: string) => Effect.Effect<void>) =>
  refund({ syssn, txamt: cents }, { poll: checkout }).pipe(
    Effect.map((receipt) => receipt.syssn),
    Effect.catchTag("StillPending", (e) => Effect.as(save(Handle.toToken(e.handle)), undefined))
  )

// Later, anywhere: resume polling from the saved token.
export const resume = (token: string) =>
  Either.match(Handle.fromToken(token), {
    onLeft: () => Effect.die(new Error("not a handle token")),
    onRight: (handle) => pollUntilSettled(handle, everyTenSeconds)
  })
