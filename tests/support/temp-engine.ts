/** A real engine on a real SQLite file in a fresh temp dir, with a manual clock and a memory vault. */
import { rmSync } from 'node:fs';
import { createEngine, type Engine } from '../../main/engine';
import { ManualClock } from '../../main/kit/time';
import { silentLogger } from '../../main/store/log';
import { memoryVault } from './memory-vault';
import { tempDir } from './temp-dir';

export interface TempEngine {
  engine: Engine;
  clock: ManualClock;
  dir: string;
  /** Close the engine and remove the directory. */
  dispose(): void;
}

export function tempEngine(dir = tempDir()): TempEngine {
  const clock = new ManualClock();
  const engine = createEngine({ dataDir: dir, host: 'test', vault: memoryVault(), clock, log: silentLogger, checkOutputs: true });
  return {
    engine,
    clock,
    dir,
    dispose() {
      engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
