/** Left navigation; plain hash links, so they work with the keyboard, middle-click and history. */
import { navSection } from '../route';
import { useUi } from '../stores/ui';
import { useEngine } from '../stores/engine';
import { HostKeyBadge } from '../features/net/HostKeyWarning';

/**
 * The sections in three groups: what the fleet is, what changes it, and the tools around it. Each
 * link is a section and its label; it goes to `#/<section>`, and its test id is `nav-<section>`.
 */
const GROUPS: readonly { label: string; links: readonly (readonly [section: ReturnType<typeof navSection>, label: string])[] }[] = [
  {
    label: 'Fleet',
    links: [['overview', 'Overview'], ['map', 'Map'], ['appliances', 'Appliances'], ['sites', 'Sites'], ['health', 'Health'], ['capacity', 'Capacity'], ['trends', 'Trends']],
  },
  { label: 'Changes', links: [['jobs', 'Jobs'], ['rollouts', 'Rollouts'], ['firmware', 'Firmware'], ['fills', 'Fills'], ['provisioning', 'Provisioning']] },
  { label: 'Tools', links: [['terminals', 'Terminals'], ['hostkeys', 'Host keys'], ['import', 'Import / Export'], ['snapshots', 'Snapshots'], ['audit', 'Audit']] },
];

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
          {g.links.map(([link, label]) => (
            <a key={link} href={`#/${link}`} data-testid={`nav-${link}`} aria-current={section === link ? 'page' : undefined}>
              {label}
              {link === 'hostkeys' && <HostKeyBadge />}
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
