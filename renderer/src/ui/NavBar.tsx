/** Left navigation; plain hash links, so they work with the keyboard, middle-click and history. */
import { navSection } from '../route';
import { useUi } from '../stores/ui';
import { useEngine } from '../stores/engine';
import { HostKeyBadge } from '../features/net/HostKeyWarning';

/** The sections in three groups: what the fleet is, what changes it, and the tools around it. */
const GROUPS = [
  {
    label: 'Fleet',
    links: [
      { section: 'overview', href: '#/overview', label: 'Overview' },
      { section: 'map', href: '#/map', label: 'Map' },
      { section: 'appliances', href: '#/appliances', label: 'Appliances' },
      { section: 'sites', href: '#/sites', label: 'Sites' },
      { section: 'health', href: '#/health', label: 'Health' },
      { section: 'capacity', href: '#/capacity', label: 'Capacity' },
      { section: 'trends', href: '#/trends', label: 'Trends' },
    ],
  },
  {
    label: 'Changes',
    links: [
      { section: 'jobs', href: '#/jobs', label: 'Jobs' },
      { section: 'rollouts', href: '#/rollouts', label: 'Rollouts' },
      { section: 'firmware', href: '#/firmware', label: 'Firmware' },
      { section: 'fills', href: '#/fills', label: 'Fills' },
      { section: 'provisioning', href: '#/provisioning', label: 'Provisioning' },
    ],
  },
  {
    label: 'Tools',
    links: [
      { section: 'terminals', href: '#/terminals', label: 'Terminals' },
      { section: 'hostkeys', href: '#/hostkeys', label: 'Host keys' },
      { section: 'import', href: '#/import', label: 'Import / Export' },
      { section: 'snapshots', href: '#/snapshots', label: 'Snapshots' },
      { section: 'audit', href: '#/audit', label: 'Audit' },
    ],
  },
] as const;

/** How secrets are kept on this machine, in two words; the tooltip has the full sentence. */
const VAULT_LABEL = {
  'os-keychain': 'OS keychain',
  'passphrase-file': 'passphrase-encrypted file',
  'plain-file': 'plain file (0600)',
} as const;

export function NavBar() {
  const section = useUi((s) => navSection(s.route));
  const version = useEngine((s) => s.info?.version);
  const vault = useEngine((s) => s.info?.vault);
  return (
    <nav className="nav" aria-label="Sections">
      {GROUPS.map((g) => (
        <div key={g.label} className="nav-group" role="group" aria-labelledby={`nav-group-${g.label}`}>
          <div className="nav-group-label" id={`nav-group-${g.label}`}>
            {g.label}
          </div>
          {g.links.map((l) => (
            <a key={l.section} href={l.href} data-testid={`nav-${l.section}`} aria-current={section === l.section ? 'page' : undefined}>
              {l.label}
              {l.section === 'hostkeys' && <HostKeyBadge />}
            </a>
          ))}
        </div>
      ))}
      {version && (
        <div className="nav-foot">
          engine {version}
          {vault && (
            <div data-testid="vault-kind" data-kind={vault.kind} title={vault.description}>
              secrets: {VAULT_LABEL[vault.kind]}
              {vault.locked ? ' (locked)' : ''}
            </div>
          )}
        </div>
      )}
    </nav>
  );
}
