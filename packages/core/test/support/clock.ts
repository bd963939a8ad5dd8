// The TestClock driver users get from @effect-qfpay/testing; core's tests use the same one.
export { runWithTestClock as runClocked, settleWithTestClock as settle } from "@effect-qfpay/testing/QFPayTest"
