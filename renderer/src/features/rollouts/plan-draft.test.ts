import { describe, expect, it } from 'vitest';
import { PlanInput } from '../../../../main/rollouts/contract';
import { draftToPlan, EMPTY_DRAFT, parseCanary, parseFilterText, parseWaves } from './plan-draft';

describe('the plan editor draft', () => {
  it('reads a filter as the CLI does, refusing unknown keys and values with a sentence', () => {
    expect(parseFilterText('site=GRU1|GRU2, model=flash')).toEqual({ query: { site: ['GRU1', 'GRU2'], model: ['flash'] } });
    expect(parseFilterText('colour=red')).toEqual({ problem: expect.stringMatching(/Unknown filter key "colour"/) });
    expect(parseFilterText('model=toaster')).toEqual({ problem: expect.stringMatching(/model "toaster" is not one of/) });
    expect(parseFilterText('site=')).toEqual({ problem: 'The filter site= has no value.' });
    expect(parseFilterText('  ')).toHaveProperty('problem');
  });

  it('reads canaries as a count, a percentage up to 50 % or serials', () => {
    expect(parseCanary('2')).toEqual({ kind: 'count', value: 2 });
    expect(parseCanary('5%')).toEqual({ kind: 'percent', value: 5 });
    expect(parseCanary('serials: A1, B2 A1')).toEqual({ kind: 'serials', serials: ['A1', 'B2'] });
    expect(parseCanary('60%')).toBeNull();
    expect(parseCanary('two')).toBeNull();
  });

  it('reads waves as rising percentages, sizes or a rate', () => {
    expect(parseWaves('10%, 50%,100%')).toEqual({ kind: 'percent', steps: [10, 50, 100] });
    expect(parseWaves('5,20')).toEqual({ kind: 'count', sizes: [5, 20] });
    expect(parseWaves('12/h')).toEqual({ kind: 'rate', perHour: 12 });
    expect(parseWaves('50%,10%')).toBeNull();
    expect(parseWaves('10%,5')).toBeNull();
    expect(parseWaves('0,3')).toBeNull();
  });

  it('turns a complete draft into a plan the contract accepts', () => {
    const r = draftToPlan({ ...EMPTY_DRAFT, image: '26.4.0', targetMode: 'filter', filter: 'site=GRU1', maxUnavailablePerSite: '10%', failureBudget: '2%' });
    expect(r.problems).toBeNull();
    expect(r.plan).toMatchObject({
      image: '26.4.0',
      selection: { query: { site: ['GRU1'] } },
      maxUnavailablePerSite: { kind: 'percent', value: 10 },
      failureBudget: { kind: 'percent', value: 2 },
      window: 'maintenance',
      judgement: { observeSeconds: 300, sampleEverySeconds: 15 },
    });
    expect(draftToPlan({ ...EMPTY_DRAFT, image: 'x', observeSeconds: '10' }).plan?.judgement).toEqual({ observeSeconds: 10, sampleEverySeconds: 0.5 });
    expect(PlanInput.safeParse(r.plan).success).toBe(true);
  });

  it('names every field that does not parse and sends nothing', () => {
    const r = draftToPlan({ ...EMPTY_DRAFT, targetMode: 'serials', serials: ' ', canary: 'x', waves: 'y', maxUnavailablePerSite: '0', failureBudget: 'lots', observeSeconds: '0' });
    expect(r.plan).toBeNull();
    expect(Object.keys(r.problems ?? {}).sort()).toEqual(['canary', 'failureBudget', 'image', 'maxUnavailablePerSite', 'observeSeconds', 'serials', 'waves']);
  });
});
