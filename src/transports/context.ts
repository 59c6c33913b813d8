import type { Logger } from 'pino';
import type { ApprovalSettings } from '../approval/policy.js';
import type { Engine } from '../engine/engine.js';
import type { SessionMap } from './session-map.js';

/** What the HTTP endpoint handlers share: one engine, one session map for both transports. */
export interface HttpContext {
  engine: Engine;
  logger: Logger;
  samplingTimeoutMs: number;
  approval: ApprovalSettings;
  sessions: SessionMap;
}
