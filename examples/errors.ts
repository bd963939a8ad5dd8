/**
 * Handling every typed error of a refund: each one says what happened to the money.
 */
import { Handle, refund } from "@effect-qfpay/core"
import { HttpTransport } from "@effect-qfpay/http"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Console, Effect, Layer } from "effect"

const QFPay = HttpTransport.layerConfig().pipe(Layer.provide(NodeHttpClient.layerUndici))

export const refundOrder = (syssn: string, cents: number, refundId: string) =>
  refund({ syssn, txamt: cents, out_trade_no: refundId }).pipe(
    Effect.map((receipt) => ({ state: "refunded", syssn: receipt.syssn }) as const),
    Effect.catchTags({
      // Bad input: caught before anything was sent.
      InvalidRequest: (e) => Effect.as(Console.error(e.message), { state: "not-sent" } as const),
      // QFPay said no: nothing moved. `class` says why (refund-limit, state-conflict, …).
      Rejected: (e) => Effect.as(Console.error(`${e.code}: ${e.meaning}`), { state: "refused", code: e.code } as const),
      // The refund's id already names another refund at QFPay: nothing moved for this one.
      IdempotencyKeyReused: (e) =>
        Effect.as(Console.error(e.message), { state: "id-conflict", existing: e.found.syssn } as const),
      // Still in progress at the deadline: store the handle and poll later (nothing is lost).
      StillPending: (e) => Effect.succeed({ state: "in-progress", resume: Handle.toToken(e.handle) } as const),
      // The answer was lost and the enquiry could not tell: reconcile later with the handle.
      OutcomeUnknown: (e) => Effect.succeed({ state: "unknown", reconcile: Handle.toToken(e.handle) } as const),
      // QFPay could not be reached: safe to run the same refund again, with the same refundId
      // (a "duplicate" answer is looked up and the one refund reported).
      TransportError: (e) => Effect.succeed({ state: "retry-later", ambiguous: e.ambiguous } as const),
      RateLimited: () => Effect.succeed({ state: "retry-later", ambiguous: false } as const),
      UnexpectedResponse: (e) => Effect.succeed({ state: "retry-later", ambiguous: e.ambiguous } as const),
      SignatureMismatch: () => Effect.succeed({ state: "retry-later", ambiguous: true } as const)
    }),
    Effect.provide(QFPay)
  )
