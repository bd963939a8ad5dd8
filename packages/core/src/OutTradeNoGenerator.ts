/**
 * Where new `out_trade_no` values come from: 32 upper-case letters and digits drawn from
 * Effect's `Random` (so a seeded `Random` makes tests deterministic). Replace it with
 * `Effect.provideService(OutTradeNoGenerator, …)` to use your own ids.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { OutTradeNo } from "./Identifiers.js"

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
// 36^8 < 2^53: eight characters from each 53-bit draw, four draws for 32 characters
// (165 bits of the 212 drawn).
const CHUNK = 36 ** 8

/**
 * 32 characters from `[A-Z0-9]`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const random: Effect.Effect<OutTradeNo> = Effect.map(
  Effect.all([Random.next, Random.next, Random.next, Random.next]),
  (draws) => {
    let out = ""
    for (const draw of draws) {
      let n = Math.floor(draw * CHUNK)
      for (let j = 0; j < 8; j++) {
        out += ALPHABET[n % 36]
        n = Math.floor(n / 36)
      }
    }
    return out as OutTradeNo
  }
)

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  readonly next: Effect.Effect<OutTradeNo>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class OutTradeNoGenerator extends Context.Reference<OutTradeNoGenerator>()(
  "@effect-qfpay/core/OutTradeNoGenerator",
  { defaultValue: (): Service => ({ next: random }) }
) {}
