/**
 * Every place where QFPay's sources disagree, and what this project does about it
 * (PROTOCOL.md "Decision" lines). Each decision lives here once, as data, so that
 * changing it is a one-line change that every module picks up.
 *
 * @since 0.1.0
 */

/**
 * HTTP method and path per operation. Seeds `000`/`002` say GET for close and
 * POST for reversal; the older seed `003` says GET for both but its own sample POSTs.
 *
 * @since 0.1.0
 * @category decisions
 */
export const endpoints = {
  refund: { path: "/trade/v1/refund", method: "POST" },
  reversal: { path: "/trade/v1/reversal", method: "POST" },
  close: { path: "/trade/v1/close", method: "GET" },
  query: { path: "/trade/v1/query", method: "POST" },
  payment: { path: "/trade/v1/payment", method: "POST" }
} as const

/**
 * Which pay types are cancelled by reversal and which by close, when a payment has
 * not completed. From the current seeds `000`/`002`; the older seed `003` routes WeChat
 * MPM to close and WeChat CPM to reversal, and the public docs list 800212, 800701 and
 * 801514 under close. An unknown pay type is an error, never a guess.
 *
 * @since 0.1.0
 * @category decisions
 */
export const cancelRouting = {
  reversal: ["800101", "801501", "800201", "800108"],
  close: ["800008", "800208", "801008"]
} as const

/**
 * Longest `syssn` accepted, per operation. The reversal/close tables say String(40),
 * the refund and enquiry tables say String(128); each endpoint gets its own table's limit.
 *
 * @since 0.1.0
 * @category decisions
 */
export const syssnMaxLength = {
  refund: 128,
  reversal: 40,
  close: 40,
  query: 128
} as const

/**
 * The seeds' JavaScript sample signs with a lowercase digest. A client always sends
 * uppercase; anything that verifies a signature accepts either case.
 *
 * @since 0.1.0
 * @category decisions
 */
export const signatureCaseInsensitive = true

/**
 * The docs advise waiting 3–5 s after an "in progress" answer before the first enquiry.
 *
 * @since 0.1.0
 * @category decisions
 */
export const firstEnquiryDelayMillis = 3_000

/**
 * "Already cancelled" (1263), "already closed" (1264) and "order closed" (1142) answering a
 * reversal or close, on any attempt: the payment may have been cancelled by an earlier attempt
 * of this intent (another run, another process). Looked up: the payment shown cancelled settles
 * the call (PROTOCOL §7 as amended).
 *
 * @since 0.1.0
 * @category decisions
 */
export const alreadyCancelledCodes = ["1263", "1264", "1142"] as const

/**
 * Duplicate answers (1102 duplicate request, 2011 duplicate serial number) to a refund,
 * reversal or close, on any attempt, mean "look it up": the id may have been sent by an earlier
 * attempt of the same intent (PROTOCOL §7 as amended). Found for the same payment and amount →
 * followed; found for another → `IdempotencyKeyReused`; not shown → `OutcomeUnknown`.
 *
 * @since 0.1.0
 * @category decisions
 */
export const duplicateCodes = ["1102", "2011"] as const

/**
 * The sources do not say whether the enquiry lists a reversal or close as a row of its own;
 * this project reads their outcome from the original payment's row (`cancel` 1 or 2).
 * After a `0000` answer to a reversal or close, the seeds say "always verify using
 * Transaction Enquiry": on by default, see `QFPayConfig.confirmCancellation`.
 *
 * @since 0.1.0
 * @category decisions
 */
export const confirmCancellationByDefault = true
