/**
 * The fleet at a glance: every site on a world map drawn offline, coloured by its measured-health
 * roll-up and sized by capacity or serving; hover or focus for the numbers, click to open the site,
 * filter by partner. The circles are links, so the map works with the keyboard too.
 */
import { useEffect, useMemo, useState } from 'react';
import { hashFor, type MapSize } from '../../route';
import { formatCount, formatTb } from '../../ui/format';
import { useUi } from '../../stores/ui';
import { ToggleFilter } from '../../ui/ToggleFilter';
import { useInventory } from '../inventory/store';
import { useHealth } from '../health/store';
import { MAP_HEIGHT, MAP_WIDTH, partnersOf, placeSites, statusCounts, worldShapes, type PlacedSite } from './map-layout';
import '../health/health.css';
import './map.css';

const statusWords = (p: PlacedSite) => (p.status === null ? 'not polled' : p.status);
const servingText = (gbps: number | null) => (gbps === null ? 'no measurement' : `${gbps >= 100 ? Math.round(gbps) : Math.round(gbps * 10) / 10} Gbps`);

function describe(p: PlacedSite): string {
  return `${p.code}, ${p.name} (${p.partner}): ${statusWords(p)}, ${formatCount(p.appliances)} appliances, ${formatTb(p.capacityTb)}, serving ${servingText(p.servingGbps)}`;
}

export function MapScreen({ partner, size }: { partner: string | null; size: MapSize }) {
  const sites = useInventory((s) => s.sites);
  const loadSites = useInventory((s) => s.loadSites);
  const fleet = useHealth((s) => s.fleet);
  const loadFleet = useHealth((s) => s.loadFleet);
  const navigate = useUi((s) => s.navigate);
  const [focused, setFocused] = useState<string | null>(null);

  useEffect(() => {
    void loadSites();
    void loadFleet();
  }, [loadSites, loadFleet]);

  const world = useMemo(() => worldShapes(), []);
  const bySite = fleet?.data.bySite;
  const placed = useMemo(() => (sites ? placeSites(sites, bySite ?? [], { partner, size }) : []), [sites, bySite, partner, size]);
  const partners = useMemo(() => (sites ? partnersOf(sites) : []), [sites]);
  const shown = placed.find((p) => p.code === focused) ?? null;
  const unplaced = sites ? sites.filter((s) => partner === null || s.partner === partner).length - placed.length : 0;

  return (
    <div className="page map-page">
      <div className="page-head">
        <h1>Map</h1>
        {sites && <span className="row-count" data-testid="map-count">{formatCount(placed.length)} sites</span>}
        <div className="spacer" />
        <label className="map-partner-field">
          Partner
          <select
            className="input"
            data-testid="map-partner"
            value={partner ?? ''}
            onChange={(e) => navigate({ name: 'map', partner: e.target.value || null, size })}
          >
            <option value="">All partners</option>
            {partners.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <ToggleFilter
          label="Size circles by"
          testId="map-size"
          options={['capacity', 'serving'] as const}
          selected={[size]}
          onToggle={(s) => navigate({ name: 'map', partner, size: s })}
          optionLabel={(s) => (s === 'capacity' ? 'by capacity' : 'by serving')}
        />
      </div>
      {!sites ? (
        <p className="center-note">Loading sites…</p>
      ) : (
        <div className="card map-card">
          <svg
            className="world-map"
            viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`}
            role="group"
            aria-label={`World map of ${placed.length} sites${partner ? ` of ${partner}` : ''}, sized by ${size}`}
            data-testid="world-map"
          >
            <path className="map-sphere" d={world.sphere} />
            <g className="map-land" aria-hidden="true">
              {world.countries.map((c) => (
                <path key={c.id} d={c.d}>
                  <title>{c.name}</title>
                </path>
              ))}
            </g>
            <g className="map-sites">
              {placed.map((p) => (
                <a
                  key={p.code}
                  href={hashFor({ name: 'site', code: p.code })}
                  aria-label={describe(p)}
                  data-testid="map-site"
                  data-site={p.code}
                  data-status={p.status ?? 'none'}
                  onMouseEnter={() => setFocused(p.code)}
                  onMouseLeave={() => setFocused((f) => (f === p.code ? null : f))}
                  onFocus={() => setFocused(p.code)}
                  onBlur={() => setFocused((f) => (f === p.code ? null : f))}
                >
                  <circle className={p.status ? `site-dot h-${p.status}` : 'site-dot not-polled'} cx={p.x} cy={p.y} r={p.r} />
                </a>
              ))}
            </g>
          </svg>
          {shown && (
            <div
              className="map-tip"
              data-testid="map-tip"
              role="status"
              style={{ left: `${(shown.x / MAP_WIDTH) * 100}%`, top: `${(shown.y / MAP_HEIGHT) * 100}%` }}
            >
              <strong>
                {shown.code} · {shown.name}
              </strong>
              <div className="muted">
                {shown.partner} · {shown.city}, {shown.country}
              </div>
              <dl>
                <dt>Health</dt>
                <dd>{statusWords(shown)}</dd>
                <dt>Appliances</dt>
                <dd>{formatCount(shown.appliances)}</dd>
                <dt>Capacity</dt>
                <dd>{formatTb(shown.capacityTb)}</dd>
                <dt>Serving</dt>
                <dd>{servingText(shown.servingGbps)}</dd>
              </dl>
            </div>
          )}
          <ul className="map-legend" data-testid="map-legend">
            {statusCounts(placed).map((c) => (
              <li key={c.status ?? 'none'}>
                <svg width="12" height="12" aria-hidden="true">
                  <circle className={c.status ? `site-dot h-${c.status}` : 'site-dot not-polled'} cx="6" cy="6" r="5" />
                </svg>
                {c.status ?? 'not polled'}: {formatCount(c.sites)}
              </li>
            ))}
            <li className="muted">circle area: {size === 'capacity' ? 'storage capacity' : 'serving now'}</li>
            {unplaced > 0 && <li className="muted">{unplaced} without valid coordinates, not drawn</li>}
          </ul>
        </div>
      )}
    </div>
  );
}
