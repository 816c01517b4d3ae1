/** Series and availability as this window has read them, by what was asked (scope and range). */
import { create } from 'zustand';
import type { AvailabilityRange, AvailabilityReport, Series, SeriesRange, SeriesScope } from '../../../../main/history/contract';
import { asApiError, callEngine } from '../../stores/engine';

interface Entry<T> {
  data: T | null;
  error: string | null;
}

export interface AvailabilityFilter {
  partner?: string;
  site?: string;
}

interface HistoryState {
  series: Record<string, Entry<Series>>;
  availability: Record<string, Entry<AvailabilityReport>>;
  loadSeries(scope: SeriesScope, range: SeriesRange): Promise<void>;
  loadAvailability(range: AvailabilityRange, filter?: AvailabilityFilter): Promise<void>;
}

export const seriesKey = (scope: SeriesScope, range: SeriesRange) => JSON.stringify([scope, range]);
export const availabilityKey = (range: AvailabilityRange, filter: AvailabilityFilter = {}) => JSON.stringify([range, filter.partner ?? null, filter.site ?? null]);

export const useHistory = create<HistoryState>()((set) => ({
  series: {},
  availability: {},

  async loadSeries(scope, range) {
    const key = seriesKey(scope, range);
    try {
      const data = await callEngine((c) => c.api.history.series({ scope, range }));
      set((s) => ({ series: { ...s.series, [key]: { data, error: null } } }));
    } catch (err) {
      set((s) => ({ series: { ...s.series, [key]: { data: s.series[key]?.data ?? null, error: asApiError(err).message } } }));
    }
  },

  async loadAvailability(range, filter = {}) {
    const key = availabilityKey(range, filter);
    try {
      const data = await callEngine((c) => c.api.history.availability({ range, ...filter }));
      set((s) => ({ availability: { ...s.availability, [key]: { data, error: null } } }));
    } catch (err) {
      set((s) => ({ availability: { ...s.availability, [key]: { data: s.availability[key]?.data ?? null, error: asApiError(err).message } } }));
    }
  },
}));
