// Virtual time for the program tests: sleeps take no real time, and time moves to each next
// wake-up only when every fiber waits (see @effect-qfpay/testing's VirtualClock).
export { run as runClocked, settle } from "@effect-qfpay/testing/VirtualClock"
