/** The jobs feature's screens, by route. */
import type { ScreenTable } from '../../screen-table';
import { lazyScreen } from '../../ui/lazy-screen';

const JobScreen = lazyScreen(() => import('./JobScreen'), 'JobScreen');
const JobsScreen = lazyScreen(() => import('./JobsScreen'), 'JobsScreen');

export const jobsScreens: ScreenTable<'jobs' | 'job'> = {
  jobs: () => <JobsScreen />,
  job: (r) => <JobScreen key={r.id} id={r.id} />,
};
