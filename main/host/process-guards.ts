/**
 * A long-running engine process (`fleetdeck serve`, the desktop app's utility process) must not
 * die of one promise nobody awaited: Node's default for an unhandled rejection is to exit. The
 * rejection is logged (engine log, else stderr) and the engine keeps serving every other window.
 */
import type { Logger } from '../store/log';

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.stack ?? `${reason.name}: ${reason.message}`;
  try {
    return String(reason);
  } catch {
    return 'a value that cannot be shown';
  }
}

/** Log unhandled rejections instead of exiting; returns the function that stops doing so. */
export function logUnhandledRejections(log: () => Logger | null): () => void {
  const onRejection = (reason: unknown) => {
    const logger = log();
    const error = describe(reason).slice(0, 4000);
    if (logger) logger.error('unhandled rejection; the engine keeps running', { error });
    else process.stderr.write(`fleetdeck: unhandled rejection (still running): ${error.split('\n')[0]}\n`);
  };
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('unhandledRejection', onRejection);
  };
}
