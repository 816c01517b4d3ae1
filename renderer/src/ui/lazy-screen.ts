/**
 * A screen whose code (and the libraries only it uses: the map's atlas, charts, the terminal) loads
 * when its route is first shown, so the first screen a window opens parses only its own code
 * (App renders screens inside Suspense). `lazyScreen(() => import('./MapScreen'), 'MapScreen')`.
 */
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- React.lazy's own bound on a component's props
export function lazyScreen<M, K extends keyof M>(load: () => Promise<M>, name: K): LazyExoticComponent<M[K] & ComponentType<any>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return lazy(async () => ({ default: (await load())[name] as M[K] & ComponentType<any> }));
}
