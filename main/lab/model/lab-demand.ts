/**
 * The demand a lab fleet's sites watch, for their appliances' serving (site-serving.ts). One place
 * to plug the lab's demand model in; until it is there, a Zipf stand-in over the lab catalog.
 */
import { zipfDemand, type DemandSource } from './site-serving';

let shared: DemandSource | null = null;

export function labDemand(): DemandSource {
  shared ??= zipfDemand();
  return shared;
}
