// Preloaded with `node --import` by tests/cli/startup-modules.test.ts: appends every module the
// process loads to the file named by FLEETDECK_RECORD_MODULES, one per line: `import <url>` for
// ES modules (a loader hook) and `require <request>` for CommonJS (native packages such as ssh2).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import process from 'node:process';

const out = process.env['FLEETDECK_RECORD_MODULES'];
if (out) {
  const load = Module._load;
  Module._load = function recordRequire(request, ...rest) {
    appendFileSync(out, `require ${request}\n`);
    return load.call(this, request, ...rest);
  };
  const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(out)}, 'import ' + url + '\\n');
  return next(url, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
