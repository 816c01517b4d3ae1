/** The jobs feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { JobScreen } from './JobScreen';
import { JobsScreen } from './JobsScreen';

export const jobsScreens: ScreenTable<'jobs' | 'job'> = {
  jobs: () => <JobsScreen />,
  job: (r) => <JobScreen key={r.id} id={r.id} />,
};
