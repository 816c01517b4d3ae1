/**
 * The reference agent's HTTP daemon: the appliance API (main/lab/http-api.ts) on one port, over the
 * model in the agent's state folder. Sets the folder up on first start.
 *
 *   ocactl-httpd [--port 8443] [--host 0.0.0.0] [--serial S] [--model storage|flash] [--speed 1]
 *                [--factory-password-file FILE]
 *
 * `--factory-password-file`: a first start sets the appliance up factory-fresh (SSH takes that
 * password only, through sshd's hooks in ocactl-auth; no key, no BGP, drained).
 *
 * State folder: OCACTL_STATE_DIR or /var/lib/ocactl. Prints `listening <host>:<port>` when ready.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import { ApplianceKind } from '../../appliance/contract';
import { handleApplianceRequest } from '../http-api';
import { agentDir, initAgent, withAgentAppliance } from './store';

export function startAgentHttpd(dir: string, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    void withAgentAppliance(dir, async (appliance) => {
      if (appliance.isDown() || appliance.hasFault('unreachable')) return void req.socket.resetAndDestroy();
      if (appliance.hasFault('stall')) return;
      await handleApplianceRequest(appliance, req, res);
    }).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'E_INTERNAL', message: 'The agent could not read its state.' } }));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => resolve(server));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '0.0.0.0' },
      serial: { type: 'string' },
      model: { type: 'string' },
      speed: { type: 'string' },
      'factory-password-file': { type: 'string' },
    },
  });
  const dir = agentDir();
  const config = initAgent(dir, {
    serial: values.serial,
    model: values.model === undefined ? undefined : ApplianceKind.parse(values.model),
    speed: values.speed === undefined ? undefined : Number(values.speed),
    factoryPassword: values['factory-password-file'] === undefined ? undefined : readFileSync(values['factory-password-file'], 'utf8').replace(/\r?\n$/, ''),
  });
  const server = await startAgentHttpd(dir, Number(values.port), values.host!);
  const address = server.address() as { address: string; port: number };
  process.stdout.write(`listening ${address.address}:${address.port} serial ${config.serial} state ${dir}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) void main();
export { main as httpdMain };
