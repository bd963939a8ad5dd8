/**
 * The credentials read from `QFPAY_*`: every error names its variable, says what is wrong and
 * what is allowed, and never carries the client key.
 */
import { CancelRouting, PayType, QFPayConfig, Response, ResponseCode } from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { ConfigError, ConfigProvider, Effect, Either, Redacted } from "effect"

const read = (vars: Record<string, string>) =>
  Effect.runSync(
    Effect.either(Effect.withConfigProvider(QFPayConfig.fromEnv, ConfigProvider.fromMap(new Map(Object.entries(vars)))))
  )

// The leaves of a ConfigError, as "path: message" (missing data shown as "not set").
const leaves = (error: ConfigError.ConfigError): Array<string> =>
  ConfigError.reduceWithContext(error, undefined, {
    andCase: (_, l: Array<string>, r: Array<string>) => [...l, ...r],
    orCase: (_, l: Array<string>, r: Array<string>) => [...l, ...r],
    invalidDataCase: (_, path, message) => [`${path.join(".")}: ${message}`],
    missingDataCase: (_, path) => [`${path.join(".")}: not set`],
    sourceUnavailableCase: (_, path, message) => [`${path.join(".")}: ${message}`],
    unsupportedCase: (_, path, message) => [`${path.join(".")}: ${message}`]
  })

const failure = (vars: Record<string, string>): Array<string> => {
  const result = read(vars)
  expect(Either.isLeft(result)).toBe(true)
  return Either.isLeft(result) ? leaves(result.left) : []
}

const ok = { QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "SECRET-KEY" }

describe("QFPayConfig.fromEnv", () => {
  it("reads the credentials", () => {
    const result = read({ ...ok, QFPAY_SIGN_TYPE: "SHA256", QFPAY_MCHID: " M1 " })
    expect(Either.isRight(result)).toBe(true)
    if (Either.isRight(result)) {
      expect(result.right.appCode).toBe("APP")
      expect(result.right.signType).toBe("SHA256")
      expect(result.right.mchid).toBe("M1")
      expect(Redacted.isRedacted(result.right.clientKey)).toBe(true)
    }
    const blankMchid = read({ ...ok, QFPAY_MCHID: "" })
    expect(Either.isRight(blankMchid) && blankMchid.right.mchid).toBeUndefined()
  })

  it("a missing variable is not set", () => {
    expect(failure({ QFPAY_APP_CODE: "APP" })).toEqual(["QFPAY_CLIENT_KEY: not set"])
    expect(failure({})).toEqual(["QFPAY_APP_CODE: not set", "QFPAY_CLIENT_KEY: not set"])
  })

  it("an empty client key says so, never <redacted>", () => {
    for (const key of ["", "   "]) {
      const [message] = failure({ ...ok, QFPAY_CLIENT_KEY: key })
      expect(message).toBe("QFPAY_CLIENT_KEY: is empty; set it to the client key QFPay issued")
    }
  })

  it("a bad sign type says what is allowed, once", () => {
    expect(failure({ ...ok, QFPAY_SIGN_TYPE: "SHA1" })).toEqual([
      `QFPAY_SIGN_TYPE: must be MD5 or SHA256, got "SHA1"`
    ])
  })

  it("every message names its variable", () => {
    expect(failure({ ...ok, QFPAY_APP_CODE: "A".repeat(70) })).toEqual([
      "QFPAY_APP_CODE: must be at most 64 characters, got 70"
    ])
    expect(failure({ ...ok, QFPAY_APP_CODE: " " })).toEqual([
      "QFPAY_APP_CODE: is empty; set it to the app code QFPay issued"
    ])
    expect(failure({ ...ok, QFPAY_MCHID: "M".repeat(17) })).toEqual([
      "QFPAY_MCHID: must be at most 16 characters, got 17"
    ])
    expect(failure({ ...ok, QFPAY_TIME_ZONE: "Mars/Olympus" })).toEqual([
      `QFPAY_TIME_ZONE: must be an IANA time zone such as Asia/Hong_Kong, got "Mars/Olympus"`
    ])
  })

  it("never carries the client key", () => {
    const result = read({ QFPAY_CLIENT_KEY: "SECRET-KEY", QFPAY_SIGN_TYPE: "SHA1" })
    expect(Either.isLeft(result) && String(result.left)).not.toContain("SECRET-KEY")
  })
})

// Names that are properties of every object are not codes, pay types or states.
describe("lookups of user-given strings", () => {
  const hostile = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]

  it("are by own entries only", () => {
    for (const name of hostile) {
      expect(PayType.isKnown(name)).toBe(false)
      expect(PayType.lookup(name)._tag).toBe("None")
      expect(PayType.describe(name)).toBe(`unknown pay type ${name}`)
      expect(ResponseCode.isKnown(name)).toBe(false)
      expect(ResponseCode.classify(name)).toBe("other")
      expect(ResponseCode.meaning(name)).toBe(`Unknown response code ${name}`)
      expect(Either.isLeft(CancelRouting.route(CancelRouting.defaultRouting, name))).toBe(true)
    }
    expect(Response.describeCancel(Number("constructor"))).toBe("cancel state NaN")
  })
})
