/**
 * Client-side rate limiting under QFPay's documented limits (100 requests/s, 400/min): the
 * module lives in `@effect-qfpay/core` (it is pure Effect on `Clock`, and the in-memory test
 * layer uses it too); the HTTP transports apply it to every request.
 *
 * @since 0.1.0
 */
export * from "@effect-qfpay/core/RateLimit"
