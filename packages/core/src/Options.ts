/**
 * What every program that sends an operation accepts.
 *
 * @since 0.2.0
 */
import type { PollPolicy } from "./PollPolicy.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Overrides the configured poll policy for this call. */
  readonly poll?: PollPolicy | undefined
}
