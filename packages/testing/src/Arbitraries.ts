/**
 * Generators for property tests: the core schemas' own arbitraries (`Arbitrary.make`) and
 * scenarios built from them: payments across pay types and currencies, refund sequences,
 * behaviour policies and fault plans.
 *
 * @since 0.1.0
 */
import { Amount, Currency, PayType, Request, Response, TxDateTime } from "@effect-qfpay/core"
import * as Arbitrary from "effect/Arbitrary"
import * as fc from "effect/FastCheck"
import * as Behaviour from "./Behaviour.js"
import * as FaultPlan from "./FaultPlan.js"
import type { PaymentState } from "./Model.js"

/**
 * @since 0.1.0
 * @category schemas
 */
export const amount: fc.Arbitrary<Amount.Amount> = Arbitrary.make(Amount.Amount)

/**
 * @since 0.1.0
 * @category schemas
 */
export const txDateTime: fc.Arbitrary<TxDateTime.TxDateTime> = Arbitrary.make(TxDateTime.TxDateTime)

/**
 * @since 0.1.0
 * @category schemas
 */
export const payType: fc.Arbitrary<PayType.PayType> = Arbitrary.make(PayType.PayType)

/**
 * @since 0.1.0
 * @category schemas
 */
export const currency: fc.Arbitrary<Currency.Currency> = Arbitrary.make(Currency.Currency)

/**
 * @since 0.1.0
 * @category schemas
 */
export const refundRequest = Arbitrary.make(Request.RefundRequest)

/**
 * @since 0.1.0
 * @category schemas
 */
export const reversalRequest = Arbitrary.make(Request.ReversalRequest)

/**
 * @since 0.1.0
 * @category schemas
 */
export const queryRequest = Arbitrary.make(Request.QueryRequest)

/**
 * @since 0.1.0
 * @category schemas
 */
export const operationResponse = Arbitrary.make(Response.OperationResponse)

/**
 * Amounts a real test would use: mostly everyday sums, sometimes the extremes.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const everydayAmount: fc.Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 201, max: 500_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom(1, 99_999_999_999) }
)

/**
 * A payment to create in the simulator.
 *
 * @since 0.1.0
 * @category scenarios
 */
export interface PaymentScenario {
  readonly txamt: number
  readonly pay_type: string
  readonly txcurrcd: string
  readonly state: PaymentState
}

/**
 * @since 0.1.0
 * @category scenarios
 */
export const paymentState: fc.Arbitrary<PaymentState> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ _tag: "Paid" } as const) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Behaviour.PendingCode>("1143", "1145", "1298").map((code): PaymentState => ({
      _tag: "Pending",
      code,
      settles: { _tag: "Never" }
    }))
  },
  { weight: 1, arbitrary: fc.constantFrom("1181", "1205", "1201").map((code) => ({ _tag: "Failed", code }) as const) }
)

/**
 * Payments across the documented pay types and currencies, in any state.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const payment: fc.Arbitrary<PaymentScenario> = fc.record({
  txamt: everydayAmount,
  pay_type: payType,
  txcurrcd: currency,
  state: paymentState
})

/**
 * A paid payment.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const paidPayment: fc.Arbitrary<PaymentScenario> = fc.record({
  txamt: fc.integer({ min: 1, max: 1_000_000 }),
  pay_type: payType,
  txcurrcd: currency,
  state: fc.constant({ _tag: "Paid" } as const)
})

/**
 * A payment that has not completed, of a pay type the default routing can cancel.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const unpaidCancellablePayment: fc.Arbitrary<PaymentScenario> = fc.record({
  txamt: fc.integer({ min: 1, max: 1_000_000 }),
  pay_type: fc.constantFrom("800101", "801501", "800201", "800108", "800008", "800208", "801008"),
  txcurrcd: currency,
  state: fc.constantFrom<Behaviour.PendingCode>("1143", "1145").map((code): PaymentState => ({
    _tag: "Pending",
    code,
    settles: { _tag: "Never" }
  }))
})

/**
 * Refund amounts against a payment of `total` cents: partial ones, the rest, and some that
 * go over what is left.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const refundSequence = (total: number, maxLength = 5): fc.Arbitrary<ReadonlyArray<number>> =>
  fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.ceil(total / 2)) }) },
      { weight: 2, arbitrary: fc.constant(total) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: Math.max(1, total * 2) }) }
    ),
    { minLength: 1, maxLength }
  )

/**
 * A seeded behaviour policy: some operations answer "in progress" and settle later, some fail.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const behaviour = (options: Behaviour.SeededOptions = {}): fc.Arbitrary<Behaviour.Policy> =>
  fc.integer().map((seed) => Behaviour.seeded(seed, options))

/**
 * A seeded fault plan.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const faultPlan = (options: FaultPlan.SeededOptions = {}): fc.Arbitrary<FaultPlan.Plan> =>
  fc.integer().map((seed) => FaultPlan.seeded(seed, options))

/**
 * A single fault, any kind.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const fault: fc.Arbitrary<FaultPlan.Fault> = fc.oneof(
  fc.integer({ min: 1, max: 5000 }).map(FaultPlan.latency),
  fc.constant(FaultPlan.lostBefore),
  fc.constant(FaultPlan.lostAfter),
  fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }).map(FaultPlan.rateLimited),
  fc.tuple(fc.constantFrom(500, 502, 503, 504), fc.boolean()).map(([s, a]) => FaultPlan.serverError(s, a)),
  fc.boolean().map(FaultPlan.nonJson),
  fc.constant(FaultPlan.truncatedJson)
)
