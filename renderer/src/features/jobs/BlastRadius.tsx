/** How many appliances a command will reach, per partner and site, before it runs. */
import type { JobPreview } from '../../../../main/net/contract';
import { formatCount } from '../../ui/format';
import './jobs.css';

export function BlastRadius({ preview }: { preview: JobPreview }) {
  const sites = preview.byPartner.reduce((n, p) => n + p.sites.length, 0);
  const plural = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;
  return (
    <div data-testid="blast-radius" data-total={preview.total}>
      <div className="blast-total">
        <strong>{formatCount(preview.total)}</strong> {preview.total === 1 ? 'appliance' : 'appliances'}
        <span className="muted">
          {' '}
          · {plural(preview.byPartner.length, 'partner', 'partners')} · {plural(sites, 'site', 'sites')}
        </span>
      </div>
      {preview.total > 0 && (
        <div className="blast-wrap">
          <table className="plain blast-table">
            <thead>
              <tr>
                <th>Partner</th>
                <th className="num">Appliances</th>
                <th>Sites</th>
              </tr>
            </thead>
            <tbody>
              {preview.byPartner.map((p) => (
                <tr key={p.partner} data-testid="blast-partner" data-partner={p.partner} data-count={p.count}>
                  <td>{p.partner}</td>
                  <td className="num">{formatCount(p.count)}</td>
                  <td className="wrap">
                    {p.sites.map((s) => (
                      <span
                        key={s.site}
                        className="blast-site"
                        data-testid="blast-site"
                        data-site={s.site}
                        data-count={s.count}
                        title={`${formatCount(s.count)} in ${s.site}`}
                      >
                        {s.site} <b>{formatCount(s.count)}</b>
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
