/**
 * A small seeded generator (mulberry32): the simulator's decisions must replay exactly from a
 * seed, independently of Effect's `Random` that the code under test may use.
 *
 * @internal
 */
export interface Prng {
  /** A float in [0, 1). */
  readonly next: () => number
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number
}

/** @internal */
export const make = (seed: number): Prng => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) }
}
