/**
 * One worked example per command, shown at the end of its --help (`Example:`), and the first steps
 * at the end of `fleetdeck --help`. Kept in one table so every command has one and a test
 * (examples.test.ts) can check each names a real command with real options; the serials and site
 * codes are the lab's (`fleetdeck lab start`), so an example can be typed as it stands on a lab.
 */
import type { Command } from 'commander';

interface Example {
  /** The command line, starting with `fleetdeck` and the command's full name. */
  line: string;
  /** What it does, in a few words. */
  says: string;
}

/** The lines a first-time user types first, in the order they need them. */
export const FIRST_STEPS: readonly Example[] = [
  { line: 'fleetdeck lab start --appliances 60 --sites 12', says: 'simulated appliances to try everything on' },
  { line: 'fleetdeck inventory list --site gru1', says: "one site's appliances" },
  { line: 'fleetdeck health actionable', says: 'what needs attention, with a fix for each' },
  { line: 'fleetdeck exec --where site=gru1 -- ocactl status', says: 'a command on a selection, as a job' },
  { line: 'fleetdeck serve', says: 'the app in a browser tab' },
];

/** By the command's full name (without `fleetdeck`); `exec` writes its own. */
export const EXAMPLES: Readonly<Record<string, Example>> = {
  'inventory import': { line: 'fleetdeck inventory import resources/samples/sites.csv --dry-run', says: 'check a file; nothing changes' },
  'inventory export': { line: 'fleetdeck inventory export --format csv --kind appliances --out appliances.csv', says: 'the appliances as CSV' },
  'inventory list': { line: 'fleetdeck inventory list --site gru1 --status online', says: "a site's appliances that are online" },
  'inventory set-status': { line: 'fleetdeck inventory set-status LAB00001 drained --reason "disk swap, ticket 4711"', says: 'take one out of service, with why' },
  serve: { line: 'fleetdeck serve --port 8080', says: 'open the printed URL (it carries the token)' },
  'lab start': { line: 'fleetdeck lab start --appliances 60 --sites 12', says: 'the demo fleet' },
  'lab status': { line: 'fleetdeck lab status', says: 'is it running, how big, which faults are on' },
  'lab add-site': { line: 'fleetdeck lab add-site gru9 --appliances 3 --factory --survey-out gru9.csv', says: 'a factory-fresh site and its survey' },
  'lab stop': { line: 'fleetdeck lab stop', says: 'the appliances stay in the inventory' },
  'lab fault': { line: 'fleetdeck lab fault LAB00003 disk-failure', says: 'break one disk (--off mends it)' },
  'lab make-image': { line: 'fleetdeck lab make-image 26.2.0 --out oca-26.2.0.img', says: 'a test firmware image' },
  'lab hand-over-demand': { line: 'fleetdeck lab hand-over-demand --titles 5000 --days 3', says: "the lab's catalog and 3 days of demand, imported: fills plan works" },
  'lab demand export': { line: 'fleetdeck lab demand export --days 14 --out demand/', says: "two weeks of the lab's viewing as files" },
  'health show': { line: 'fleetdeck health show --where site=gru1', says: "one site's measured health" },
  'health poll': { line: 'fleetdeck health poll --serial LAB00001', says: 'poll one appliance now' },
  'health actionable': { line: 'fleetdeck health actionable --site gru1', says: 'what needs attention there' },
  'health watch': { line: 'fleetdeck health watch --interval 10', says: 'the fleet live until Ctrl-C' },
  'health monitor': { line: 'fleetdeck health monitor --interval 60', says: 'poll every minute in the app' },
  'health thresholds': { line: 'fleetdeck health thresholds --model storage --disk-warn 85', says: 'warn at 85 % disk on storage' },
  'health history': { line: 'fleetdeck health history --site gru1 --metric serving --range 7d', says: "a site's serving over a week" },
  'firmware import': { line: 'fleetdeck firmware import oca-26.2.0.img --signature oca-26.2.0.img.sig', says: 'a signed image into the store' },
  'firmware list': { line: 'fleetdeck firmware list', says: 'the images in the store' },
  'firmware remove': { line: 'fleetdeck firmware remove 26.2.0', says: 'an image no rollout uses' },
  'firmware keys': { line: 'fleetdeck firmware keys', says: 'the trusted release keys' },
  'firmware trust-key': { line: 'fleetdeck firmware trust-key release.pub', says: 'accept images this key signs' },
  'firmware untrust-key': { line: 'fleetdeck firmware untrust-key SHA256:…', says: 'no rollout uses its images any more' },
  'rollout create': { line: 'fleetdeck rollout create --image 26.2.0 --where site=gru1 --canary 1 --waves 50%,100%', says: 'a plan, shown before it starts' },
  'rollout start': { line: 'fleetdeck rollout start 1', says: 'run it and follow it' },
  'rollout resume': { line: 'fleetdeck rollout resume 1', says: 'go on after a pause' },
  'rollout retry': { line: 'fleetdeck rollout retry 1', says: 'the failed appliances again' },
  'rollout status': { line: 'fleetdeck rollout status 1', says: 'where it stands' },
  'rollout pause': { line: 'fleetdeck rollout pause 1 --reason "peak hour"', says: 'no new appliance starts' },
  'rollout abort': { line: 'fleetdeck rollout abort 1 --reason "canary failed"', says: 'stop and put back' },
  'rollout approve': { line: 'fleetdeck rollout approve 1 --note "marginal, checked by hand"', says: 'pass a marginal canary' },
  'rollout list': { line: 'fleetdeck rollout list', says: 'every rollout, newest first' },
  capacity: { line: 'fleetdeck capacity --site gru1', says: 'its peaks, forecast and advice' },
  availability: { line: 'fleetdeck availability --range 7d', says: 'per partner and site over a week' },
  'snapshot export': { line: 'fleetdeck snapshot export --out gru1.fdsnap --where site=gru1', says: 'one site, to hand on' },
  'snapshot info': { line: 'fleetdeck snapshot info gru1.fdsnap', says: 'when, where and by whom it was made' },
  'snapshot diff': { line: 'fleetdeck snapshot diff monday.fdsnap friday.fdsnap', says: 'what changed between them' },
  'fills plan': { line: 'fleetdeck fills plan --site gru1', says: "forecast and place tomorrow's fill" },
  'fills plans': { line: 'fleetdeck fills plans', says: 'the stored plans' },
  'fills show-plan': { line: 'fleetdeck fills show-plan 1', says: 'one plan per appliance' },
  'fills savings': { line: 'fleetdeck fills savings', says: 'transit avoided per partner' },
  'fills prepare': { line: 'fleetdeck fills prepare --placement gru1-placement.json --placement-id 1', says: 'a fill run from a placement' },
  'fills run': { line: 'fleetdeck fills run 1 --site gru1', says: 'fill in the next window and follow it' },
  'fills start': { line: 'fleetdeck fills start 1', says: 'start a prepared run' },
  'fills status': { line: 'fleetdeck fills status', says: 'the runs and where they stand' },
  'catalog import': { line: 'fleetdeck catalog import demand/catalog.csv', says: 'the titles the fills plan from' },
  'demand import': { line: 'fleetdeck demand import demand/demand.csv', says: 'bytes streamed per site, day and title' },
  'jobs list': { line: 'fleetdeck jobs list', says: 'jobs, newest first' },
  'jobs show': { line: 'fleetdeck jobs show 1 --group-by firmware', says: 'which appliances answered differently' },
  'jobs retry': { line: 'fleetdeck jobs retry 1', says: 'the appliances that did not succeed' },
  'jobs pause': { line: 'fleetdeck jobs pause 1', says: 'no new appliance starts' },
  'jobs resume': { line: 'fleetdeck jobs resume 1', says: 'carry on' },
  'net key': { line: 'fleetdeck net key', says: "the line for an appliance's authorized_keys" },
  'net keygen': { line: 'fleetdeck net keygen', says: 'a fleet key, kept in the vault' },
  'net import-key': { line: 'fleetdeck net import-key ~/.ssh/id_ed25519 --passphrase-env KEY_PASS', says: 'an existing key as the fleet key' },
  'net trust': { line: 'fleetdeck net trust LAB00001 SHA256:…', says: 'after reading the fingerprint on the console' },
  'net known-hosts import': { line: 'fleetdeck net known-hosts import ~/.ssh/known_hosts --dry-run', says: 'what would be recorded' },
  'net known-hosts export': { line: 'fleetdeck net known-hosts export --hashed', says: 'for OpenSSH, host names hashed' },
  'net ssh-config import': { line: 'fleetdeck net ssh-config import ~/.ssh/config --dry-run', says: 'jump hosts and routes it would add' },
  'net jump add': { line: 'fleetdeck net jump add bastion-gru bastion.gru.example --user ops', says: 'a bastion' },
  'net jump list': { line: 'fleetdeck net jump list', says: 'jump hosts and routes' },
  'net jump route': { line: 'fleetdeck net jump route site gru1 bastion-gru', says: "reach gru1's appliances through it" },
  'net alerts': { line: 'fleetdeck net alerts', says: 'open host-key mismatches' },
  'net alerts resolve': { line: 'fleetdeck net alerts resolve 1 --trust-new-key', says: 'the appliance was re-installed' },
  ssh: { line: 'fleetdeck ssh LAB00001 -- ocactl status', says: 'one command; without one, a shell' },
  'diag run': { line: 'fleetdeck diag run --serial LAB00001 --checks disk,nic', says: 'two checks on one appliance' },
  'diag history': { line: 'fleetdeck diag history --site gru1', says: "the site's runs, newest first" },
  'diag compare': { line: 'fleetdeck diag compare --serial LAB00001', says: 'what changed since its last good run' },
  'diag bundle': { line: 'fleetdeck diag bundle --site gru1 --out gru1-diag.tar.gz', says: 'for the vendor, secrets redacted' },
  'config drift': { line: 'fleetdeck config drift --where site=gru1', says: 'configuration against inventory and peers' },
  'site-survey import': { line: 'fleetdeck site-survey import gru9.csv --dry-run', says: 'check a survey; nothing changes' },
  provision: { line: 'fleetdeck provision --site gru9 --accept-new', says: "bring a surveyed site's appliances online" },
  'provision status': { line: 'fleetdeck provision status --site gru9', says: 'the checklist per appliance' },
  'provision confirm-key': { line: 'fleetdeck provision confirm-key LAB00061 SHA256:…', says: 'the key read on its console' },
  'provision expect-rekey': { line: 'fleetdeck provision expect-rekey LAB00061 --reason "motherboard swap"', says: 'its next host key is expected' },
};

/** The command's full name without `fleetdeck` ('net jump add'). */
export function commandName(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const block = (title: string, examples: readonly Example[]): string => {
  const width = Math.max(...examples.map((e) => e.line.length));
  return `\n${title}\n${examples.map((e) => `  ${e.line.padEnd(width)}   ${e.says}`).join('\n')}`;
};

/** Adds `Example:` to every command that has one, and the first steps to the top. */
export function addExamples(root: Command): void {
  root.addHelpText('after', `${block('First steps:', FIRST_STEPS)}\n\nEvery command takes --help (with an example); most take --json. Docs: README.md and docs/.`);
  const visit = (command: Command) => {
    const example = EXAMPLES[commandName(command)];
    if (example) command.addHelpText('after', block('Example:', [example]));
    command.commands.forEach(visit);
  };
  root.commands.forEach(visit);
}
