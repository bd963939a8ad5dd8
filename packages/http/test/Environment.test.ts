/**
 * Environment names come from users (`QFPAY_ENV`, `--env`): a name that happens to be a
 * property of every object (`constructor`, `__proto__`, `toString`) is not an environment.
 */
import { Environment, HttpTransport } from "@effect-qfpay/http"
import { describe, expect, it } from "@effect/vitest"
import type { Config, ConfigError } from "effect"
import { ConfigProvider, Effect, Either } from "effect"

const hostile = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "prototype", "isPrototypeOf"]

const read = <A>(config: Config.Config<A>, vars: Record<string, string>) =>
  Effect.runSync(
    Effect.either(Effect.withConfigProvider(config, ConfigProvider.fromMap(new Map(Object.entries(vars)))))
  )

describe("Environment.resolve", () => {
  it("rejects names on Object's prototype chain, listing the valid choices", () => {
    for (const name of hostile) {
      const resolved = Environment.resolve(name)
      expect(Either.isLeft(resolved), name).toBe(true)
      if (Either.isLeft(resolved)) {
        expect(resolved.left).toContain("production, test, sandbox")
        expect(resolved.left).toContain(JSON.stringify(name))
      }
    }
  })

  it("says what is wrong with a URL", () => {
    expect(Environment.resolve("ftp://example.com")).toEqual(
      Either.left(`must be an http or https URL, got "ftp://example.com"`)
    )
    expect(Either.getLeft(Environment.resolve("https://example.com/?a=1"))._tag).toBe("Some")
    expect(Environment.resolve("")).toEqual(
      Either.left(`must be production, test, sandbox or a base URL such as https://openapi-sg.qfapi.com, got ""`)
    )
  })

  it("names are the hosts' own keys only", () => {
    expect(Environment.names).toEqual(["production", "test", "sandbox"])
    expect(Environment.resolve(" test ")).toEqual(Either.right("https://test-openapi-hk.qfapi.com"))
  })
})

describe("QFPAY_ENV and QFPAY_TIMEOUT", () => {
  it("a bad QFPAY_ENV is an error naming the variable, never a defect", () => {
    for (const name of [...hostile, "staging"]) {
      const result = read(Environment.config("QFPAY_ENV"), { QFPAY_ENV: name })
      expect(Either.isLeft(result), name).toBe(true)
      if (Either.isLeft(result)) {
        expect(result.left._op).toBe("InvalidData")
        expect((result.left as ConfigError.InvalidData).path).toEqual(["QFPAY_ENV"])
      }
    }
    expect(read(Environment.config("QFPAY_ENV"), { QFPAY_ENV: "sandbox" })).toEqual(
      Either.right("https://openapi-int.qfapi.com")
    )
  })

  it("HttpTransport.fromEnv names QFPAY_ENV and QFPAY_TIMEOUT in its errors", () => {
    const base = { QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "K" }
    const env = read(HttpTransport.fromEnv, { ...base, QFPAY_ENV: "constructor" })
    expect(Either.isLeft(env) && env.left._op === "InvalidData" && env.left.path).toEqual(["QFPAY_ENV"])
    const timeout = read(HttpTransport.fromEnv, { ...base, QFPAY_ENV: "test", QFPAY_TIMEOUT: "-1" })
    expect(Either.isLeft(timeout) && timeout.left._op === "InvalidData" && timeout.left.path).toEqual([
      "QFPAY_TIMEOUT"
    ])
  })
})
