/**
 * MD5 (RFC 1321) over bytes, in plain TypeScript.
 *
 * Core runs wherever Effect runs (Node, browsers, edge runtimes), and Web Crypto has no MD5 and
 * no synchronous API, so the digest QFPay signs with is implemented here. It is checked against
 * `node:crypto` by property tests, and kept within 1.5× of it (`pnpm bench`): no allocation per
 * call, rounds unrolled.
 *
 * @internal
 */

const K = new Int32Array(64)
for (let i = 0; i < 64; i++) K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0

const M = new Int32Array(16)
const state = new Int32Array(4)
const tail = new Uint8Array(128)

const rotl = (x: number, s: number) => (x << s) | (x >>> (32 - s))

const compress = (bytes: Uint8Array, offset: number): void => {
  for (let i = 0; i < 16; i++) {
    const j = offset + (i << 2)
    M[i] = bytes[j] | (bytes[j + 1] << 8) | (bytes[j + 2] << 16) | (bytes[j + 3] << 24)
  }
  let a = state[0]
  let b = state[1]
  let c = state[2]
  let d = state[3]
  // Round 1
  for (let i = 0; i < 16; i += 4) {
    a = (b + rotl((a + ((b & c) | (~b & d)) + K[i] + M[i]) | 0, 7)) | 0
    d = (a + rotl((d + ((a & b) | (~a & c)) + K[i + 1] + M[i + 1]) | 0, 12)) | 0
    c = (d + rotl((c + ((d & a) | (~d & b)) + K[i + 2] + M[i + 2]) | 0, 17)) | 0
    b = (c + rotl((b + ((c & d) | (~c & a)) + K[i + 3] + M[i + 3]) | 0, 22)) | 0
  }
  // Round 2
  for (let i = 16; i < 32; i += 4) {
    a = (b + rotl((a + ((b & d) | (c & ~d)) + K[i] + M[(5 * i + 1) & 15]) | 0, 5)) | 0
    d = (a + rotl((d + ((a & c) | (b & ~c)) + K[i + 1] + M[(5 * i + 6) & 15]) | 0, 9)) | 0
    c = (d + rotl((c + ((d & b) | (a & ~b)) + K[i + 2] + M[(5 * i + 11) & 15]) | 0, 14)) | 0
    b = (c + rotl((b + ((c & a) | (d & ~a)) + K[i + 3] + M[(5 * i + 16) & 15]) | 0, 20)) | 0
  }
  // Round 3
  for (let i = 32; i < 48; i += 4) {
    a = (b + rotl((a + (b ^ c ^ d) + K[i] + M[(3 * i + 5) & 15]) | 0, 4)) | 0
    d = (a + rotl((d + (a ^ b ^ c) + K[i + 1] + M[(3 * i + 8) & 15]) | 0, 11)) | 0
    c = (d + rotl((c + (d ^ a ^ b) + K[i + 2] + M[(3 * i + 11) & 15]) | 0, 16)) | 0
    b = (c + rotl((b + (c ^ d ^ a) + K[i + 3] + M[(3 * i + 14) & 15]) | 0, 23)) | 0
  }
  // Round 4
  for (let i = 48; i < 64; i += 4) {
    a = (b + rotl((a + (c ^ (b | ~d)) + K[i] + M[(7 * i) & 15]) | 0, 6)) | 0
    d = (a + rotl((d + (b ^ (a | ~c)) + K[i + 1] + M[(7 * i + 7) & 15]) | 0, 10)) | 0
    c = (d + rotl((c + (a ^ (d | ~b)) + K[i + 2] + M[(7 * i + 14) & 15]) | 0, 15)) | 0
    b = (c + rotl((b + (d ^ (c | ~a)) + K[i + 3] + M[(7 * i + 21) & 15]) | 0, 21)) | 0
  }
  state[0] = (state[0] + a) | 0
  state[1] = (state[1] + b) | 0
  state[2] = (state[2] + c) | 0
  state[3] = (state[3] + d) | 0
}

/**
 * Hashes `length` bytes of `bytes`, leaving the digest in `state` (little-endian words).
 */
const run = (bytes: Uint8Array, length: number): void => {
  state[0] = 0x67452301
  state[1] = 0xefcdab89 | 0
  state[2] = 0x98badcfe | 0
  state[3] = 0x10325476
  const full = length - (length % 64)
  for (let offset = 0; offset < full; offset += 64) compress(bytes, offset)
  // Padding: 0x80, zeros, then the bit length as a 64-bit little-endian integer.
  const rest = length - full
  const size = rest < 56 ? 64 : 128
  for (let i = 0; i < rest; i++) tail[i] = bytes[full + i]
  tail[rest] = 0x80
  tail.fill(0, rest + 1, size)
  const bitsLow = (length * 8) >>> 0
  const bitsHigh = Math.floor(length / 0x20000000) >>> 0
  const at = size - 8
  tail[at] = bitsLow & 0xff
  tail[at + 1] = (bitsLow >>> 8) & 0xff
  tail[at + 2] = (bitsLow >>> 16) & 0xff
  tail[at + 3] = (bitsLow >>> 24) & 0xff
  tail[at + 4] = bitsHigh & 0xff
  tail[at + 5] = (bitsHigh >>> 8) & 0xff
  tail[at + 6] = (bitsHigh >>> 16) & 0xff
  tail[at + 7] = (bitsHigh >>> 24) & 0xff
  compress(tail, 0)
  if (size === 128) compress(tail, 64)
}

/** @internal */
export const md5 = (bytes: Uint8Array, length = bytes.length): Uint8Array => {
  run(bytes, length)
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

const HEX: Array<string> = []
for (let i = 0; i < 256; i++) HEX.push((i < 16 ? "0" : "") + i.toString(16).toUpperCase())

/** Upper-case hex digest, read straight from the state. @internal */
export const md5Hex = (bytes: Uint8Array, length = bytes.length): string => {
  run(bytes, length)
  let out = ""
  for (let i = 0; i < 4; i++) {
    const w = state[i]
    out += HEX[w & 0xff] + HEX[(w >>> 8) & 0xff] + HEX[(w >>> 16) & 0xff] + HEX[(w >>> 24) & 0xff]
  }
  return out
}
