/**
 * The route table's shape: each feature exports the screens for its routes (features/<domain>/routes.tsx)
 * and App assembles them; the type makes a route without a screen a compile error.
 */
import type { ReactElement } from 'react';
import type { Route, RouteName } from './route';

export type ScreenFor<N extends RouteName> = (route: Extract<Route, { name: N }>) => ReactElement;
export type ScreenTable<N extends RouteName> = { [K in N]: ScreenFor<K> };
