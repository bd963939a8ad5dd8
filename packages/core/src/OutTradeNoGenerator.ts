/**
 * Where new `out_trade_no` values come from. A refund's `out_trade_no` is its idempotency key,
 * and a "duplicate" answer is looked up and followed as this intent's own refund (PROTOCOL §7),
 * so an id that repeats across processes could make one refund pass for another. The ids are
 * therefore drawn from the platform's cryptographic random source (`crypto.getRandomValues`,
 * in Node ≥ 20 and every browser): 32 characters from `[A-Z0-9]`, 165 bits. Never from a seeded
 * generator, a clock or a counter.
 *
 * Replace it with `Effect.provideService(OutTradeNoGenerator, …)` to use your own ids.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { OutTradeNo } from "./Identifiers.js"

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const LENGTH = 32
// 252 = 7 × 36: bytes at or above it are redrawn, so every character is exactly uniform.
const LIMIT = 252

/**
 * A source of cryptographically strong random bytes, filling the array it is given.
 *
 * @since 0.2.0
 * @category models
 */
export type RandomBytes = (array: Uint8Array) => Uint8Array

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly next: Effect.Effect<OutTradeNo>
}

/**
 * Ids from the given byte source (for tests that count or fix the draws).
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromRandomBytes = (source: RandomBytes): Service => {
  // Drawn in blocks (one call to the source for about a hundred ids): each call to the
  // platform's generator costs microseconds whatever its size. Bytes are used once, in order.
  const pool = new Uint8Array(4096)
  let at = pool.length
  return {
    next: Effect.sync(() => {
      let out = ""
      while (out.length < LENGTH) {
        if (at === pool.length) {
          source(pool)
          at = 0
        }
        const byte = pool[at++]
        if (byte < LIMIT) out += ALPHABET[byte % 36]
      }
      return out as OutTradeNo
    })
  }
}

const platform: RandomBytes = (array) => globalThis.crypto.getRandomValues(array)

/**
 * 32 characters from `[A-Z0-9]`, drawn from `crypto.getRandomValues`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const cryptoRandom: Service = fromRandomBytes(platform)

/**
 * One new id from the platform's cryptographic random source.
 *
 * @since 0.1.0
 * @category constructors
 */
export const random: Effect.Effect<OutTradeNo> = cryptoRandom.next

/**
 * @since 0.1.0
 * @category tags
 */
export class OutTradeNoGenerator extends Context.Reference<OutTradeNoGenerator>()(
  "@effect-qfpay/core/OutTradeNoGenerator",
  { defaultValue: (): Service => cryptoRandom }
) {}
