import {
  Amount,
  Currency,
  Handle,
  Identifiers,
  Notification,
  PayType,
  QFPayConfig,
  Receipt,
  Request,
  Response,
  ResponseCode,
  Submit,
  TxDateTime
} from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, DateTime, Effect, Either, FastCheck as fc, Layer, Schema } from "effect"

// The schema is its own arbitrary (`it.prop` derives it).
const roundTrips = <A, I>(name: string, schema: Schema.Schema<A, I>, numRuns = 200) =>
  it.prop(`${name} round-trips: decode(encode(a)) = a`, [schema], ([a]) => {
    expect(Schema.decodeUnknownSync(schema)(Schema.encodeSync(schema)(a))).toEqual(a)
  }, { fastCheck: { numRuns } })

describe("round trips", () => {
  roundTrips("Amount", Amount.Amount)
  roundTrips("AmountFromString", Amount.AmountFromString)
  roundTrips("AmountFromWire", Amount.AmountFromWire)
  roundTrips("TxDateTime", TxDateTime.TxDateTime)
  roundTrips("Syssn", Identifiers.Syssn)
  roundTrips("OutTradeNo", Identifiers.OutTradeNo)
  roundTrips("MchId", Identifiers.MchId)
  roundTrips("Udid", Identifiers.Udid)
  roundTrips("PayType", PayType.PayType)
  roundTrips("Currency", Currency.Currency)
  roundTrips("ResponseCode", ResponseCode.ResponseCode)
  roundTrips("RefundRequest", Request.RefundRequest)
  roundTrips("ReversalRequest", Request.ReversalRequest)
  roundTrips("CloseRequest", Request.CloseRequest)
  roundTrips("QueryRequest", Request.QueryRequest)
  roundTrips("PaymentRequest", Request.PaymentRequest)
  roundTrips("OperationResponse", Response.OperationResponse)
  roundTrips("Envelope", Response.Envelope)
  roundTrips("QueryRow", Response.QueryRow)
  roundTrips("QueryResponse", Response.QueryResponse, 100)
  roundTrips("Notification", Notification.Notification)
  roundTrips("Handle", Handle.Handle)
  roundTrips("HandleFromToken", Handle.HandleFromToken)
  roundTrips("Receipt", Receipt.Receipt)

  it.prop("request wire parameters are all strings", [Request.RefundRequest], ([request]) => {
    for (const value of Object.values(Schema.encodeSync(Request.RefundRequest)(request))) {
      expect(typeof value === "string" || value === undefined).toBe(true)
    }
  })
})

describe("responses decode QFPay's loose JSON precisely", () => {
  const decode = Schema.decodeUnknownSync(Response.OperationResponse)

  it("accepts numbers as strings or numbers, respcd as text or number, and ignores unknown fields", () => {
    const a = decode({ respcd: "0000", txamt: "10", syssn: "20191227000300020061652643", extra: { nested: true } })
    const b = decode({ respcd: 0, txamt: 10, syssn: "20191227000300020061652643", another: 1 })
    expect(a).toEqual(b)
    expect(a.txamt).toBe(10)
    expect(a.respcd).toBe("0000")
    expect("extra" in a).toBe(false)
    expect(decode({ respcd: 1143 }).respcd).toBe("1143")
    expect(decode({ respcd: "1145" }).respcd).toBe("1145")
  })

  it("reads blank fields as absent", () => {
    const r = decode({ respcd: "1155", syssn: "", txamt: "", txdtm: null, chnlsn: "" })
    expect(r.syssn).toBeUndefined()
    expect(r.txamt).toBeUndefined()
    expect(r.txdtm).toBeUndefined()
    expect(r.chnlsn).toBe("")
  })

  it("refuses amounts that are not whole cents", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(Response.OperationResponse)({ respcd: "0000", txamt: "1.5" })))
      .toBe(true)
  })

  it("decodes the refund seed's sample response (001)", () => {
    const r = decode({
      orig_syssn: "20191227000200020061752831",
      sysdtm: "2019-12-27 11:11:23",
      paydtm: "2019-12-27 11:11:26",
      txdtm: "2019-12-27 11:10:38",
      udid: "qiantai2",
      txcurrcd: "EUR",
      txamt: "10",
      resperr: "success",
      respmsg: "",
      out_trade_no: "RGNOEIVU9JZLNP9GGYXWXCW7OEMI720F",
      syssn: "20191227000300020061652643",
      respcd: "0000",
      chnlsn: "2019122722001411461404119764",
      cardcd: ""
    })
    expect(r.txamt).toBe(10)
    expect(r.orig_syssn).toBe("20191227000200020061752831")
    expect(r.txcurrcd).toBe("EUR")
  })

  it("decodes the reversal seeds' sample response (002, 003)", () => {
    const r = decode({
      surcharge_fee: "0",
      resperr: "success",
      txdtm: "2020-03-05 16:50:30",
      syssn: "20200305066100020000977814",
      sysdtm: "2020-03-05 16:54:38",
      txcurrcd: "EUR",
      respmsg: "",
      chnlsn2: "",
      cardcd: "",
      udid: "qiantai2",
      txamt: "2500",
      orig_syssn: "20200305066100020000977813",
      surcharge_rate: "0",
      respcd: "0000",
      chnlsn: ""
    })
    expect(r.txamt).toBe(2500)
    expect(r.syssn).toBe("20200305066100020000977814")
  })

  it("decodes the enquiry docs' sample response", () => {
    const r = Schema.decodeUnknownSync(Response.QueryResponse)({
      respcd: "0000",
      resperr: "Request successful",
      data: [{
        syssn: "20230423000200020088888888",
        out_trade_no: "YOUR_ORDER_001",
        txamt: "100",
        txcurrcd: "HKD",
        respcd: "0000",
        errmsg: "success",
        pay_type: "801107",
        order_type: "payment",
        txdtm: "2023-04-23 12:00:00",
        sysdtm: "2023-04-23 12:00:03",
        cancel: "0",
        cash_fee: "100",
        cash_fee_type: "HKD"
      }]
    })
    expect(r.data[0].txamt).toBe(100)
    expect(r.data[0].cancel).toBe(0)
    expect(r.data[0].pay_type).toBe("801107")
    expect(Schema.decodeUnknownSync(Response.QueryResponse)({ respcd: "0000" }).data).toEqual([])
  })

  it("decodes the notification docs' sample body", () => {
    const n = Schema.decodeUnknownSync(Notification.Notification)({
      status: "1",
      pay_type: "800101",
      sysdtm: "2020-05-14 12:32:56",
      paydtm: "2020-05-14 12:33:56",
      goods_name: "",
      txcurrcd: "HKD",
      txdtm: "2020-05-14 12:32:56",
      mchid: "lkbqahlRYj",
      txamt: "10",
      exchange_rate: "",
      chnlsn2: "",
      out_trade_no: "YEPE7WTW46NVU30JW5N90H7DHD94N56B",
      syssn: "20200514000300020093755455",
      cash_fee_type: "",
      cancel: "0",
      respcd: "0000",
      goods_info: "",
      cash_fee: "0",
      notify_type: "payment",
      chnlsn: "2020051422001453561444935817",
      cardcd: "2088032341453564"
    })
    expect(n.notify_type).toBe("payment")
    expect(n.txamt).toBe(10)
    expect(Notification.identity(n)).toBe("payment:20200514000300020093755455")
  })
})

describe("domain types", () => {
  it("PayType flags unknown codes without refusing them", () => {
    const known = Schema.decodeSync(PayType.PayType)("800101")
    const unknown = Schema.decodeSync(PayType.PayType)("899999")
    expect(PayType.isKnown(known)).toBe(true)
    expect(PayType.isKnown(unknown)).toBe(false)
    expect(PayType.describe(unknown)).toContain("unknown")
    expect(PayType.lookup("802001").pipe((o) => o._tag === "Some" && o.value.refundable)).toBe(false)
    expect(PayType.known).toHaveLength(36)
  })

  it("Currency flags unknown codes", () => {
    expect(Currency.isKnown("HKD")).toBe(true)
    expect(Currency.isKnown("XYZ")).toBe(false)
    expect(Either.isRight(Schema.decodeUnknownEither(Currency.Currency)("XYZ"))).toBe(true)
    expect(Either.isLeft(Schema.decodeUnknownEither(Currency.Currency)("hkd"))).toBe(true)
  })

  it("TxDateTime accepts real calendar times only", () => {
    const ok = (s: string) => Either.isRight(Schema.decodeUnknownEither(TxDateTime.TxDateTime)(s))
    expect(ok("2019-12-27 10:39:39")).toBe(true)
    expect(ok("2024-02-29 23:59:59")).toBe(true)
    expect(ok("2023-02-29 10:00:00")).toBe(false)
    expect(ok("2019-12-27 24:00:00")).toBe(false)
    expect(ok("2019-12-27T10:39:39")).toBe(false)
    expect(ok("2019-12-27 10:39")).toBe(false)
    expect(ok("2019-13-01 00:00:00")).toBe(false)
  })

  it("TxDateTime converts to and from DateTime in a time zone", () => {
    const tx = Schema.decodeSync(TxDateTime.TxDateTime)("2019-12-27 10:39:39")
    const hk = TxDateTime.toDateTime(tx, "Asia/Hong_Kong")
    expect(DateTime.formatIso(hk)).toBe("2019-12-27T02:39:39.000Z")
    expect(TxDateTime.fromDateTime(hk, "Asia/Hong_Kong")).toBe(tx)
    expect(TxDateTime.fromDateTime(hk, "UTC")).toBe("2019-12-27 02:39:39")
    fc.assert(
      fc.property(fc.integer({ min: 946684800, max: 4102444799 }), fc.constantFrom("Asia/Hong_Kong", "UTC"), (s, z) => {
        const dt = DateTime.unsafeMake(s * 1000)
        expect(DateTime.toEpochMillis(TxDateTime.toDateTime(TxDateTime.fromDateTime(dt, z), z))).toBe(s * 1000)
      })
    )
  })

  it("Amount flags amounts under the risk-control threshold", () => {
    expect(Amount.isBelowRiskThreshold(Schema.decodeSync(Amount.Amount)(200))).toBe(true)
    expect(Amount.isBelowRiskThreshold(Schema.decodeSync(Amount.Amount)(201))).toBe(false)
  })

  it("ResponseCode normalises numbers to four characters", () => {
    expect(ResponseCode.normalize(0)).toBe("0000")
    expect(ResponseCode.normalize("0")).toBe("0000")
    expect(ResponseCode.normalize(1143)).toBe("1143")
    expect(ResponseCode.normalize(" 1145 ")).toBe("1145")
  })

  it("Handle tokens are URL-safe and read back", () => {
    const handle = Schema.decodeUnknownSync(Handle.Handle)({
      _tag: "RefundHandle",
      syssn: "20191227000200020061752831",
      out_trade_no: "ABC",
      txamt: 500,
      txdtm: "2019-12-27 10:39:39"
    })
    const token = Handle.toToken(handle)
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(Handle.fromToken(token)).toEqual(Either.right(handle))
    expect(Either.isLeft(Handle.fromToken("not a token!"))).toBe(true)
  })
})

describe("validation messages name the field and what is allowed", () => {
  const config = QFPayConfig.layer({ appCode: "APPCODE", clientKey: "KEY" })
  const run = <A>(effect: Effect.Effect<A, { readonly message: string }, QFPayConfig.QFPayConfig>) =>
    Effect.runSync(effect.pipe(Effect.flip, Effect.map((e) => e.message), Effect.provide(config)))

  const refund = { syssn: "20191227000200020061752831", txamt: 500 }
  const cancel = { syssn: "20191227000200020061752831", txamt: 500, txdtm: "2019-12-27 10:39:39" }

  const refundCases: ReadonlyArray<[string, Record<string, unknown>, string]> = [
    [
      "negative amount",
      { ...refund, txamt: -5 },
      "txamt: expected a positive whole number of cents (1 to 99999999999), got -5"
    ],
    ["zero amount", { ...refund, txamt: 0 }, "txamt: expected a positive whole number of cents"],
    ["fractional amount", { ...refund, txamt: 1.5 }, "got 1.5"],
    ["amount too large", { ...refund, txamt: 100_000_000_000 }, "got 100000000000"],
    [
      "amount as text",
      { ...refund, txamt: "abc" },
      `txamt: expected a positive whole number of cents (1 to 99999999999), got "abc"`
    ],
    ["missing amount", { syssn: refund.syssn }, "txamt: is required"],
    ["missing syssn", { txamt: 500 }, "syssn: is required"],
    ["empty syssn", { ...refund, syssn: "" }, "syssn: a QFPay transaction number must not be empty"],
    [
      "long out_trade_no",
      { ...refund, out_trade_no: "x".repeat(200) },
      "out_trade_no: an out_trade_no must be at most 128 characters, got 200"
    ],
    [
      "out_trade_no with spaces around",
      { ...refund, out_trade_no: " ABC " },
      "out_trade_no: an out_trade_no must not start or end with whitespace"
    ],
    [
      "long udid",
      { ...refund, udid: "u".repeat(41) },
      "udid: a device id (udid) must be at most 40 characters, got 41"
    ],
    [
      "malformed txdtm",
      { ...refund, txdtm: "2019-12-27T10:39:39" },
      `txdtm: expected a real date and time written YYYY-MM-DD hh:mm:ss (24-hour), got "2019-12-27T10:39:39"`
    ],
    ["impossible txdtm", { ...refund, txdtm: "2019-02-30 10:00:00" }, "txdtm: expected a real date and time"]
  ]

  for (const [name, input, message] of refundCases) {
    it(`refund: ${name}`, () => {
      const text = run(Submit.prepareRefund(input as any))
      expect(text).toContain(message)
      expect(text.startsWith("invalid refund request: ")).toBe(true)
    })
  }

  it("reversal: neither syssn nor out_trade_no", () => {
    expect(run(Submit.prepareCancel("reversal", { txamt: 500, txdtm: cancel.txdtm } as any))).toContain(
      "syssn: give the payment's syssn or out_trade_no (at least one)"
    )
  })

  it("reversal: a syssn over the reversal limit of 40", () => {
    expect(run(Submit.prepareCancel("reversal", { ...cancel, syssn: "1".repeat(41) }))).toContain(
      "must be at most 40 characters here, got 41"
    )
  })

  it("close: missing txdtm", () => {
    expect(run(Submit.prepareCancel("close", { syssn: cancel.syssn, txamt: 500 } as any))).toContain(
      "txdtm: is required"
    )
  })

  it("reports every problem at once", () => {
    const text = run(Submit.prepareRefund({ syssn: "", txamt: -1, out_trade_no: "y".repeat(129) }))
    expect(text).toContain("syssn:")
    expect(text).toContain("txamt:")
    expect(text).toContain("out_trade_no:")
  })

  const queryCases: ReadonlyArray<[string, Submit.QueryInput, string]> = [
    [
      "page size over 100",
      { syssn: "1", page_size: 101 },
      "page_size: expected a page size (a whole number from 1 to 100), got 101"
    ],
    ["page 0", { syssn: "1", page: 0 }, "page: expected a page number"],
    [
      "range across months",
      { start_time: "2019-12-27 00:00:00", end_time: "2020-01-02 00:00:00" },
      "end_time: start_time and end_time must fall in the same calendar month"
    ],
    [
      "range backwards",
      { start_time: "2019-12-27 00:00:00", end_time: "2019-12-01 00:00:00" },
      "end_time: end_time must not be before start_time"
    ],
    ["bad pay type", { pay_type: "80010" }, "pay_type.0: expected a six-digit pay type code, got 80010"],
    ["comma inside an id", { out_trade_no: ["A,B"] }, "out_trade_no"]
  ]
  for (const [name, input, message] of queryCases) {
    it(`query: ${name}`, () => {
      expect(run(Submit.prepareQuery(input))).toContain(message)
    })
  }

  it("prepares the exact wire parameters, mchid from the configuration, txdtm now in Hong Kong", () => {
    const prepared = Effect.runSync(
      Submit.prepareRefund({ ...refund, out_trade_no: "OTN-1" }).pipe(
        Effect.provide(QFPayConfig.layer({ appCode: "APP", clientKey: "KEY", mchid: "MCH1" }))
      )
    )
    expect(Object.keys(prepared.params).sort()).toEqual(["mchid", "out_trade_no", "syssn", "txamt", "txdtm"])
    expect(prepared.params.txamt).toBe("500")
    expect(prepared.params.mchid).toBe("MCH1")
    expect(prepared.params.txdtm).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
  })

  it("configuration errors name the setting", () => {
    const bad = (options: QFPayConfig.Options) =>
      Effect.runSync(Effect.flip(QFPayConfig.make(options)).pipe(Effect.map(String)))
    expect(bad({ appCode: "", clientKey: "K" })).toContain("appCode")
    expect(bad({ appCode: "A", clientKey: "" })).toContain("clientKey")
    expect(bad({ appCode: "A", clientKey: "K", timeZone: "Mars/Olympus" })).toContain("timeZone")
    expect(bad({ appCode: "A", clientKey: "K", mchid: "x".repeat(17) })).toContain("mchid")
    expect(
      bad({ appCode: "A", clientKey: "K", routing: { reversal: ["800101"], close: ["800101"] } })
    ).toContain("routing")
  })

  it("reads the configuration from the environment, naming a missing variable", () => {
    const provider = (env: Record<string, string>) =>
      Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    const read = (env: Record<string, string>) =>
      Effect.runSync(
        Effect.either(Effect.provide(QFPayConfig.QFPayConfig, QFPayConfig.layerFromEnv)).pipe(
          Effect.provide(provider(env))
        )
      )
    const ok = read({ QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "SECRET", QFPAY_SIGN_TYPE: "SHA256" })
    expect(Either.isRight(ok) && ok.right.signType).toBe("SHA256")
    const missing = read({ QFPAY_APP_CODE: "APP" })
    expect(Either.isLeft(missing) && String(missing.left)).toContain("QFPAY_CLIENT_KEY")
    const badSign = read({ QFPAY_APP_CODE: "APP", QFPAY_CLIENT_KEY: "S", QFPAY_SIGN_TYPE: "SHA1" })
    expect(Either.isLeft(badSign) && String(badSign.left)).toContain("QFPAY_SIGN_TYPE")
  })
})
