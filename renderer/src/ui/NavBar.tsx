/** Left navigation; plain hash links, so they work with the keyboard, middle-click and history. */
import { navSection } from '../route';
import { useUi } from '../stores/ui';
import { useEngine } from '../stores/engine';
import { HostKeyBadge } from '../features/net/HostKeyWarning';

const LINKS = [
  { section: 'overview', href: '#/overview', label: 'Overview' },
  { section: 'map', href: '#/map', label: 'Map' },
  { section: 'capacity', href: '#/capacity', label: 'Capacity' },
  { section: 'appliances', href: '#/appliances', label: 'Appliances' },
  { section: 'sites', href: '#/sites', label: 'Sites' },
  { section: 'provisioning', href: '#/provisioning', label: 'Provisioning' },
  { section: 'health', href: '#/health', label: 'Health' },
  { section: 'jobs', href: '#/jobs', label: 'Jobs' },
  { section: 'fills', href: '#/fills', label: 'Fills' },
  { section: 'rollouts', href: '#/rollouts', label: 'Rollouts' },
  { section: 'firmware', href: '#/firmware', label: 'Firmware' },
  { section: 'hostkeys', href: '#/hostkeys', label: 'Host keys' },
  { section: 'terminals', href: '#/terminals', label: 'Terminals' },
  { section: 'import', href: '#/import', label: 'Import / Export' },
  { section: 'audit', href: '#/audit', label: 'Audit' },
  { section: 'snapshots', href: '#/snapshots', label: 'Snapshots' },
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
      {LINKS.map((l) => (
        <a
          key={l.section}
          href={l.href}
          data-testid={`nav-${l.section}`}
          aria-current={section === l.section ? 'page' : undefined}
        >
          {l.label}
          {l.section === 'hostkeys' && <HostKeyBadge />}
        </a>
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
