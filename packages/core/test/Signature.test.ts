import { Request, Signature } from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck as fc, Redacted, Schema } from "effect"
import { createHash } from "node:crypto"

// An independent implementation of PROTOCOL §2, written from the seeds' Python make_req_sign.
const reference = (
  params: Record<string, string | number | undefined | null>,
  key: string,
  algorithm: "md5" | "sha256" = "md5"
): string => {
  const pairs: Array<string> = []
  for (const name of Object.keys(params).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const value = params[name]
    if (value === undefined || value === null || String(value) === "") continue
    pairs.push(`${name}=${value}`)
  }
  return createHash(algorithm).update(Buffer.from(pairs.join("&") + key, "utf8")).digest("hex").toUpperCase()
}

// The refund seed (001), "Sample HTTP Body".
const seedBody =
  "txamt=10&syssn=20191227000200020061752831&out_trade_no=12345678&txdtm=2019-12-27 10:39:39&mchid=ZaMVg*****"
const seedParams = Object.fromEntries(seedBody.split("&").map((pair) => pair.split("=") as [string, string]))

const KEY = "0E32A59A8B454940A2FF39**********"

const name = fc.stringMatching(/^[a-z_]{1,12}$/)
const tricky = fc.oneof(
  fc.string(),
  fc.constantFrom("a&b", "x=y", "two words", "100%", "%20", "&=&", " lead", "trail "),
  fc.constantFrom("商品名稱", "退款測試", "emoji ✓", "日本語"),
  fc.string({ unit: "grapheme" })
)
const params = fc.dictionary(name, fc.oneof(tricky, fc.integer(), fc.constant(undefined), fc.constant("")), {
  maxKeys: 10
})

const encodeRefund = Schema.encodeSync(Request.RefundRequest)

describe("Signature.canonical", () => {
  it("orders the refund seed's sample body by name, values raw", () => {
    expect(Signature.canonical(seedParams)).toBe(
      "mchid=ZaMVg*****&out_trade_no=12345678&syssn=20191227000200020061752831&txamt=10&txdtm=2019-12-27 10:39:39"
    )
  })

  it("leaves out undefined, null and empty values", () => {
    expect(Signature.canonical({ b: "2", a: undefined, c: null, d: "", e: 0 })).toBe("b=2&e=0")
  })

  it("sorts by code unit, not by locale", () => {
    expect(Signature.canonical({ b: "1", B: "2", _a: "3", a: "4" })).toBe("B=2&_a=3&a=4&b=1")
  })

  it("does not depend on the order the parameters were given in", () => {
    fc.assert(
      fc.property(params, fc.nat(), (p, seed) => {
        const entries = Object.entries(p)
        const shuffled = Object.fromEntries(
          entries.map((e, i) => [e, (i * 7919 + seed) % 104729] as const).sort((x, y) => x[1] - y[1]).map(([e]) => e)
        )
        expect(Signature.canonical(shuffled)).toBe(Signature.canonical(p))
        expect(Signature.sign(shuffled, KEY)).toBe(Signature.sign(p, KEY))
      })
    )
  })
})

describe("Signature.sign", () => {
  it("signs the refund seed's sample body as the seeds' make_req_sign does", () => {
    expect(Signature.sign(seedParams, KEY)).toBe(reference(seedParams, KEY))
    expect(Signature.sign(seedParams, KEY)).toMatch(/^[0-9A-F]{32}$/)
  })

  it.prop(
    "matches node:crypto MD5 and SHA-256 on any parameters, special characters and non-ASCII included",
    [params, fc.string()],
    ([p, key]) => {
      expect(Signature.sign(p, key)).toBe(reference(p, key, "md5"))
      expect(Signature.sign(p, key, "MD5")).toBe(reference(p, key, "md5"))
      expect(Signature.sign(p, key, "SHA256")).toBe(reference(p, key, "sha256"))
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "matches node:crypto on every refund request the schema can produce",
    [Request.RefundRequest],
    ([request]) => {
      const wire = encodeRefund(request)
      expect(Signature.sign(wire, KEY)).toBe(reference(wire, KEY))
    },
    { fastCheck: { numRuns: 300 } }
  )

  it("hashes non-ASCII values as UTF-8", () => {
    const p = { goods_name: "商品", txamt: "100" }
    const expected = createHash("md5").update(Buffer.from("goods_name=商品&txamt=100" + KEY, "utf8")).digest("hex")
    expect(Signature.sign(p, KEY)).toBe(expected.toUpperCase())
  })

  it("keeps &, =, spaces and % raw", () => {
    const p = { a: "x&y=z", b: "50% off" }
    expect(Signature.canonical(p)).toBe("a=x&y=z&b=50% off")
    expect(Signature.sign(p, KEY)).toBe(reference(p, KEY))
  })

  it("accepts a Redacted key", () => {
    expect(Signature.sign(seedParams, Redacted.make(KEY))).toBe(Signature.sign(seedParams, KEY))
  })
})

describe("Signature.verify", () => {
  const signature = Signature.sign(seedParams, KEY)

  it("accepts the signature in upper or lower case", () => {
    expect(Signature.verify(seedParams, signature, KEY)).toBe(true)
    expect(Signature.verify(seedParams, signature.toLowerCase(), KEY)).toBe(true)
  })

  it("rejects a one-character change of the signature, the parameters or the key", () => {
    fc.assert(
      fc.property(fc.nat({ max: signature.length - 1 }), (i) => {
        const c = signature[i] === "0" ? "1" : "0"
        expect(Signature.verify(seedParams, signature.slice(0, i) + c + signature.slice(i + 1), KEY)).toBe(false)
      })
    )
    expect(Signature.verify({ ...seedParams, txamt: "11" }, signature, KEY)).toBe(false)
    expect(Signature.verify(seedParams, signature, KEY.slice(0, -1) + "X")).toBe(false)
    expect(Signature.verify(seedParams, signature.slice(1), KEY)).toBe(false)
  })

  it("verifies SHA-256 signatures", () => {
    const sha = Signature.sign(seedParams, KEY, "SHA256")
    expect(sha).toMatch(/^[0-9A-F]{64}$/)
    expect(Signature.verify(seedParams, sha.toLowerCase(), KEY, "SHA256")).toBe(true)
    expect(Signature.verify(seedParams, sha, KEY, "MD5")).toBe(false)
  })
})

describe("Signature.verifyNotification", () => {
  // Python's json.dumps spacing, as in QFPay's notification sample: the raw bytes are signed.
  const body =
    `{"status": "1", "pay_type": "800101", "sysdtm": "2020-06-15 10:32:58", "txcurrcd": "HKD", "txamt": "10", "out_trade_no": "9G3ZIWTG1R3IVSC2AH2O5EGKJQ7I72QO", "syssn": "20200615000200020000641807", "cancel": "0", "respcd": "0000", "notify_type": "payment", "goods_name": "商品"}`
  const key = "3ABB1BFFE2E0497BB9270978B0BXXXXX"
  const signature = createHash("md5").update(Buffer.concat([Buffer.from(body, "utf8"), Buffer.from(key)])).digest(
    "hex"
  ).toUpperCase()

  it("verifies the raw body bytes plus the key, as text or bytes, in either case", () => {
    expect(Signature.verifyNotification(body, signature, key)).toBe(true)
    expect(Signature.verifyNotification(new TextEncoder().encode(body), signature.toLowerCase(), key)).toBe(true)
    expect(Signature.signNotification(body, key)).toBe(signature)
  })

  it("rejects a re-serialised body, a tampered body and a wrong key", () => {
    expect(Signature.verifyNotification(JSON.stringify(JSON.parse(body)), signature, key)).toBe(false)
    expect(Signature.verifyNotification(body.replace(`"10"`, `"11"`), signature, key)).toBe(false)
    expect(Signature.verifyNotification(body, signature, "another key")).toBe(false)
  })

  it.effect("fails with SignatureMismatch as an effect", () =>
    Effect.gen(function*() {
      yield* Signature.verifyNotificationEffect(body, signature, key)
      const exit = yield* Effect.exit(Signature.verifyNotificationEffect(body, signature, "K3Y-0F-4N0THER"))
      expect(Exit.isFailure(exit)).toBe(true)
      const error = yield* Effect.flip(Signature.verifyNotificationEffect(body, signature, "K3Y-0F-4N0THER"))
      expect(error._tag).toBe("SignatureMismatch")
      expect(error.message).not.toContain("K3Y-0F-4N0THER")
      expect(error.message).not.toContain(key)
    }))
})

describe("Signature.equals", () => {
  it("compares case-insensitively and rejects different lengths", () => {
    expect(Signature.equals("ABCDEF", "abcdef")).toBe(true)
    expect(Signature.equals("ABCDEF", "ABCDE")).toBe(false)
    expect(Signature.equals("ABCDEF", "ABCDEG")).toBe(false)
  })
})
