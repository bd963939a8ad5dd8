/**
 * @since 0.1.0
 */

/**
 * Scenario generators for property tests.
 *
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.js"

/**
 * How the simulated QFPay answers operations: at once, in progress, or failing.
 *
 * @since 0.1.0
 */
export * as Behaviour from "./Behaviour.js"

/**
 * Faults injected per request.
 *
 * @since 0.1.0
 */
export * as FaultPlan from "./FaultPlan.js"

/**
 * The invariants of the simulator's specification, as properties.
 *
 * @since 0.1.0
 */
export * as Invariants from "./Invariants.js"

/**
 * The simulated server's state and rules.
 *
 * @since 0.1.0
 */
export * as Model from "./Model.js"

/**
 * The test layer: the real programs against the simulator, in memory.
 *
 * @since 0.1.0
 */
export * as QFPayTest from "./QFPayTest.js"

/**
 * Records logs and spans, to search them (for secrets, say).
 *
 * @since 0.1.0
 */
export * as Recording from "./Recording.js"

/**
 * The simulator over real HTTP on loopback.
 *
 * @since 0.1.0
 */
export * as SandboxServer from "./SandboxServer.js"

/**
 * The simulator service.
 *
 * @since 0.1.0
 */
export * as Simulator from "./Simulator.js"

/**
 * Virtual time that scales to many fibers.
 *
 * @since 0.1.0
 */
export * as VirtualClock from "./VirtualClock.js"
