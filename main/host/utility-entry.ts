/**
 * Entry of the engine inside the desktop app's Electron utilityProcess (built to out/main/engine.js).
 * It never imports electron: the utility process gives it `process.parentPort`, typed here to the
 * little we use.
 */
import { logUnhandledRejections } from './process-guards';
import { runUtilityEngine, type ParentPort } from './utility-engine';

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;

if (!parentPort) {
  process.stderr.write('engine.js runs inside the Fleetdeck desktop app (an Electron utility process); use `fleetdeck serve` instead.\n');
  process.exit(2);
}

const running = runUtilityEngine(parentPort, { onStop: () => process.exit(0) });
logUnhandledRejections(() => running.current()?.deps.log ?? null);
