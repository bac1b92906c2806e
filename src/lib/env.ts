/** The invocation's environment (engine/pool/env.ts), for the CLI: it talks to the library only. */
export { invocationEnv, withEnv, type Env } from '../engine/pool/env.js';
