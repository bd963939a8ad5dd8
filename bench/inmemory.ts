/**
 * 3. The in-memory test layer: complete flows (create a payment, refund it, settle) through the
 * real programs, and the invariant property suite's runs per second; with the pieces that bound
 * them measured in the same run.
 */
import { QFPayConfig, refund, Response, Signature, Transport } from "@effect-qfpay/core"
import * as Behaviour from "@effect-qfpay/testing/Behaviour"
import * as Invariants from "@effect-qfpay/testing/Invariants"
import * as QFPayTest from "@effect-qfpay/testing/QFPayTest"
import * as Simulator from "@effect-qfpay/testing/Simulator"
import * as VirtualClock from "@effect-qfpay/testing/VirtualClock"
import { Effect, FastCheck as fc, Layer, Schema } from "effect"
import { median } from "./stats.js"

// Microseconds per run of `effect`, median of rounds, after a warm-up, in one fiber.
const perRun = <E, R>(effect: Effect.Effect<unknown, E, R>, runs: number, rounds = 5) =>
  Effect.gen(function*() {
    for (let i = 0; i < Math.min(3000, runs); i++) yield* effect
    const samples: Array<number> = []
    for (let round = 0; round < rounds; round++) {
      const t = performance.now()
      for (let i = 0; i < runs; i++) yield* effect
      samples.push(((performance.now() - t) * 1000) / runs)
    }
    return median(samples)
  })

const answer = JSON.stringify({
  respcd: "0000",
  resperr: "success",
  respmsg: "",
  syssn: "20191227000300020061652643",
  orig_syssn: "20191227000200020061752831",
  out_trade_no: "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
  txamt: "1000",
  txcurrcd: "HKD",
  txdtm: "2019-12-27 10:39:39",
  sysdtm: "2019-12-27 10:39:39"
})

export const run = async (options: { readonly flows: number; readonly propertyRuns: number }) => {
  // Complete flows: each round on a fresh simulator (one holding every earlier round's
  // transactions would measure its own growth), the median of the rounds.
  const flows = (behaviour: Behaviour.Policy | undefined, count: number) =>
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      if (behaviour !== undefined) yield* sim.setBehaviour(behaviour)
      const flow = Effect.flatMap(
        Effect.orDie(sim.createPayment({ txamt: 1000 })),
        (p) => refund({ syssn: p.syssn, txamt: 1000 })
      )
      for (let i = 0; i < Math.min(2000, count); i++) yield* flow
      const t = performance.now()
      for (let i = 0; i < count; i++) yield* flow
      return ((performance.now() - t) * 1000) / count
    })
  const rounds = async (behaviour: Behaviour.Policy | undefined, count: number) => {
    const samples: Array<number> = []
    for (let round = 0; round < 5; round++) {
      samples.push(
        await Effect.runPromise(
          // Only flows that poll sleep; the others need no clock of their own.
          (behaviour === undefined ? flows(behaviour, count) : VirtualClock.settle(flows(behaviour, count))).pipe(
            Effect.provide(QFPayTest.layer)
          )
        )
      )
    }
    return median(samples)
  }
  // Settled by the answer; and answered "in progress", settled at the first enquiry.
  const settledAtOnce = await rounds(undefined, options.flows)
  const polled = await rounds(Behaviour.always(Behaviour.pending({ afterEnquiries: 1 })), Math.ceil(options.flows / 4))

  // What bounds it, in the same process: the client against a canned answer, the simulator
  // alone, and single Effect / Schema steps the programs cannot avoid.
  const canned = Layer.merge(
    // The answer names the refund it answers (the client checks that it does).
    Transport.layer((request) =>
      Effect.succeed({
        status: 200,
        headers: {},
        body: answer.replace("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", request.params.out_trade_no ?? "")
      })
    ),
    QFPayConfig.layer({ appCode: "A", clientKey: "K" })
  ).pipe(Layer.orDie)
  const clientOnly = await Effect.runPromise(
    perRun(refund({ syssn: "20191227000200020061752831", txamt: 1000 }), options.flows).pipe(Effect.provide(canned))
  )
  const simulatorOnly = await Effect.runPromise(
    Effect.gen(function*() {
      const sim = yield* Simulator.Simulator
      const p = yield* Effect.orDie(sim.createPayment({ txamt: 99_999_999_999 }))
      let i = 0
      return yield* perRun(
        Effect.suspend(() => {
          const params = { syssn: p.syssn, txamt: "1", out_trade_no: `S${i++}`, txdtm: "2026-11-22 10:00:00" }
          return sim.serve({
            method: "POST",
            path: "/trade/v1/refund",
            params,
            headers: {
              "X-QF-APPCODE": sim.credential.appCode,
              "X-QF-SIGN": Signature.sign(params, sim.credential.clientKey)
            }
          })
        }),
        options.flows
      )
    }).pipe(Effect.provide(QFPayTest.layer))
  )
  const decode = Schema.decodeUnknownEither(Response.OperationSummary)
  const json = JSON.parse(answer)
  const floors = await Effect.runPromise(
    Effect.all({
      span: perRun(Effect.withSpan(Effect.void, "span", { captureStackTrace: false }), options.flows),
      timeout: perRun(
        Effect.timeoutFail(Effect.void, { duration: "15 seconds", onTimeout: () => "timeout" }),
        options.flows
      ),
      step: perRun(Effect.flatMap(Effect.void, () => Effect.void), options.flows),
      decode: perRun(Effect.sync(() => decode(json)), options.flows)
    })
  )

  // The invariant suite.
  const started = performance.now()
  let runs = 0
  for (const property of Object.values(Invariants.all)) {
    await fc.assert(property(), { numRuns: options.propertyRuns })
    runs += options.propertyRuns
  }
  const propertyRunsPerSecond = runs / ((performance.now() - started) / 1000)

  return {
    flowsPerSecond: 1e6 / settledAtOnce,
    polledFlowsPerSecond: 1e6 / polled,
    flowMicros: settledAtOnce,
    clientMicros: clientOnly,
    simulatorMicros: simulatorOnly,
    spanMicros: floors.span,
    timeoutMicros: floors.timeout,
    stepMicros: floors.step,
    decodeMicros: floors.decode,
    propertyRunsPerSecond
  }
}
