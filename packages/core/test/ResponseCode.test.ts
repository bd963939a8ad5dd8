import { ResponseCode } from "@effect-qfpay/core"
import { describe, expect, it } from "@effect/vitest"

// PROTOCOL.md §5, transcribed independently of the implementation's table.
const protocol: Record<ResponseCode.Class, ReadonlyArray<string>> = {
  success: ["0000"],
  pending: ["1143", "1145", "1298"],
  retryable: ["1100", "1101", "1136", "1205", "1250", "1252", "1254", "1295", "1296", "1297"],
  "request-error": ["1102", "1103", "1104", "1108", "2011"],
  "refund-limit": ["1150", "1155", "1265", "1269", "1270", "1271", "1272"],
  "state-conflict": ["1125", "1262", "1142", "1181", "1260", "1261", "1263", "1264", "1266", "1267", "1268"],
  other: [
    "1105",
    "1106",
    "1107",
    "1147",
    "1201",
    "1202",
    "1203",
    "1204",
    "1212",
    "1241",
    "1242",
    "1243",
    "1251",
    "1294",
    "2005"
  ]
}

describe("ResponseCode", () => {
  for (const [cls, codes] of Object.entries(protocol)) {
    for (const code of codes) {
      it(`${code} is ${cls}`, () => {
        expect(ResponseCode.classify(code)).toBe(cls)
        expect(ResponseCode.isKnown(code)).toBe(true)
        expect(ResponseCode.meaning(code)).not.toMatch(/unknown/i)
      })
    }
  }

  it("covers exactly the documented codes", () => {
    const documented = Object.values(protocol).flat().sort()
    expect(ResponseCode.table.map((info) => info.code).sort()).toEqual(documented)
    expect(new Set(documented).size).toBe(documented.length)
  })

  it("classifies unknown codes as other, keeping the code", () => {
    expect(ResponseCode.classify("9999")).toBe("other")
    expect(ResponseCode.lookup("9999")).toEqual({ code: "9999", class: "other", meaning: "Unknown response code 9999" })
    expect(ResponseCode.isKnown("9999")).toBe(false)
  })

  it("lists the codes of a class", () => {
    expect(ResponseCode.codesOf("pending")).toEqual(["1143", "1145", "1298"])
  })

  it("has predicates for the two classes that are not failures", () => {
    expect(ResponseCode.isSuccess("0000")).toBe(true)
    expect(ResponseCode.isPending("1298")).toBe(true)
    expect(ResponseCode.isPending("1205")).toBe(false)
  })
})
