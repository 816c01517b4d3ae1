/** Left navigation; plain hash links, so they work with the keyboard, middle-click and history. */
import { navSection } from '../route';
import { useUi } from '../stores/ui';
import { useEngine } from '../stores/engine';

const LINKS = [
  { section: 'overview', href: '#/overview', label: 'Overview' },
  { section: 'appliances', href: '#/appliances', label: 'Appliances' },
  { section: 'sites', href: '#/sites', label: 'Sites' },
  { section: 'import', href: '#/import', label: 'Import / Export' },
  { section: 'audit', href: '#/audit', label: 'Audit' },
] as const;

export function NavBar() {
  const section = useUi((s) => navSection(s.route));
  const version = useEngine((s) => s.info?.version);
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
        </a>
      ))}
      {version && <div className="nav-foot">engine {version}</div>}
    </nav>
  );
}
