/**
 * A large change is confirmed by typing how many appliances it reaches (the engine refuses it
 * otherwise: E_CONFIRM). Says how far it reaches and points to staging it site by site instead.
 */
import { formatCount } from '../../ui/format';
import type { Reach } from './typed-count';
import { Field } from '../../ui/Field';

export function TypedCount({ reach, action, value, onChange }: { reach: Reach; action: string; value: string; onChange: (text: string) => void }) {
  const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  return (
    <div className="warn-note typed-count" data-testid="typed-count" data-total={reach.total}>
      <div>
        <strong>
          {action} changes {plural(reach.total, 'appliance')} in {plural(reach.sites, 'site')} of {plural(reach.partners, 'partner')}.
        </strong>{' '}
        Safer: run it on one site first, check the results, then widen in stages (a staged rollout). To run it on all of them now,
        type the number of appliances.
        <Field label={`Type ${reach.total} to confirm`}>
          {(a) => (
            <input
              {...a}
              className="input"
              inputMode="numeric"
              autoComplete="off"
              style={{ width: 120 }}
              value={value}
              onChange={(e) => onChange(e.target.value)}
              data-testid="typed-count-input"
            />
          )}
        </Field>
      </div>
    </div>
  );
}
