import { OrchestrateError } from '../../errors.js';

/** How a host process ended. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the host reported before it died (an uncaught exception, an unhandled rejection). */
  fatal?: string;
  /** Its heap limit (`limits.memoryMb`) when V8 reported running out of it. */
  outOfMemoryMb?: number;
  /** Set when the server stopped it on purpose, and why. */
  stoppedBecause?: string;
}

/** "exited with code 7", "ran out of memory (limits.memoryMb 64)", "crashed (uncaught exception: Error: boom)"… */
export function exitText(exit: HostExit): string {
  if (exit.stoppedBecause) return `was stopped because ${exit.stoppedBecause}`;
  if (exit.outOfMemoryMb !== undefined) return `ran out of memory (limits.memoryMb ${exit.outOfMemoryMb})`;
  if (exit.fatal) return `crashed (${exit.fatal})`;
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return `was killed by ${exit.signal ?? 'a signal'}`;
}

/**
 * A PLUGIN_CRASHED error. For a step (`forStep`) its message leads with the code, as a step's error
 * text shows it; a tool result adds the code itself.
 */
export function crashed(text: string, forStep: boolean, details: Record<string, unknown> = {}): OrchestrateError {
  return new OrchestrateError('PLUGIN_CRASHED', forStep ? `PLUGIN_CRASHED: ${text}` : text, { details });
}
