/**
 * MD5 (RFC 1321) over bytes, in plain TypeScript.
 *
 * Core runs wherever Effect runs (Node, browsers, edge runtimes), and Web Crypto has no MD5 and
 * no synchronous API, so the digest QFPay signs with is implemented here. It is checked against
 * `node:crypto` by property tests.
 *
 * @internal
 */

const S = new Int32Array([
  7,
  12,
  17,
  22,
  7,
  12,
  17,
  22,
  7,
  12,
  17,
  22,
  7,
  12,
  17,
  22,
  5,
  9,
  14,
  20,
  5,
  9,
  14,
  20,
  5,
  9,
  14,
  20,
  5,
  9,
  14,
  20,
  4,
  11,
  16,
  23,
  4,
  11,
  16,
  23,
  4,
  11,
  16,
  23,
  4,
  11,
  16,
  23,
  6,
  10,
  15,
  21,
  6,
  10,
  15,
  21,
  6,
  10,
  15,
  21,
  6,
  10,
  15,
  21
])

const K = new Int32Array(64)
for (let i = 0; i < 64; i++) {
  K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0
}

const M = new Int32Array(16)

const compress = (state: Int32Array, bytes: Uint8Array, offset: number): void => {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4
    M[i] = bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24)
  }
  let a = state[0]
  let b = state[1]
  let c = state[2]
  let d = state[3]
  for (let i = 0; i < 64; i++) {
    let f: number
    let g: number
    if (i < 16) {
      f = (b & c) | (~b & d)
      g = i
    } else if (i < 32) {
      f = (d & b) | (~d & c)
      g = (5 * i + 1) & 15
    } else if (i < 48) {
      f = b ^ c ^ d
      g = (3 * i + 5) & 15
    } else {
      f = c ^ (b | ~d)
      g = (7 * i) & 15
    }
    const t = d
    d = c
    c = b
    const x = (a + f + K[i] + M[g]) | 0
    const s = S[i]
    b = (b + ((x << s) | (x >>> (32 - s)))) | 0
    a = t
  }
  state[0] = (state[0] + a) | 0
  state[1] = (state[1] + b) | 0
  state[2] = (state[2] + c) | 0
  state[3] = (state[3] + d) | 0
}

/** @internal */
export const md5 = (bytes: Uint8Array): Uint8Array => {
  const state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476])
  const length = bytes.length
  const full = length - (length % 64)
  for (let offset = 0; offset < full; offset += 64) {
    compress(state, bytes, offset)
  }
  // Padding: 0x80, zeros, then the bit length as a 64-bit little-endian integer.
  const rest = length - full
  const tail = new Uint8Array(rest < 56 ? 64 : 128)
  tail.set(bytes.subarray(full))
  tail[rest] = 0x80
  const bitsLow = (length * 8) >>> 0
  const bitsHigh = Math.floor(length / 0x20000000) >>> 0
  const at = tail.length - 8
  tail[at] = bitsLow & 0xff
  tail[at + 1] = (bitsLow >>> 8) & 0xff
  tail[at + 2] = (bitsLow >>> 16) & 0xff
  tail[at + 3] = (bitsLow >>> 24) & 0xff
  tail[at + 4] = bitsHigh & 0xff
  tail[at + 5] = (bitsHigh >>> 8) & 0xff
  tail[at + 6] = (bitsHigh >>> 16) & 0xff
  tail[at + 7] = (bitsHigh >>> 24) & 0xff
  for (let offset = 0; offset < tail.length; offset += 64) {
    compress(state, tail, offset)
  }
  const out = new Uint8Array(16)
  for (let i = 0; i < 4; i++) {
    const w = state[i]
    out[i * 4] = w & 0xff
    out[i * 4 + 1] = (w >>> 8) & 0xff
    out[i * 4 + 2] = (w >>> 16) & 0xff
    out[i * 4 + 3] = (w >>> 24) & 0xff
  }
  return out
}
