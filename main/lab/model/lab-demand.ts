/**
 * The demand a lab fleet's sites watch, for their appliances' serving (site-serving.ts): the lab's
 * demand model (demand.ts), the same one `lab demand export` writes, from the lab's seed.
 */
import { catalogId } from './catalog';
import { labDemandModel, type DemandModel } from './demand';
import type { DemandSource } from './site-serving';

/** Site-days kept as [contentId, bytes] lists (each site asks for today, now and then yesterday). */
const KEEP = 64;

/** A DemandSource over a demand model: the titles a site streamed on a local day, with their bytes. */
export function demandSourceOf(model: DemandModel): DemandSource {
  const lists = new Map<string, (readonly [string, number])[]>();
  return {
    siteDay(site, day) {
      const key = `${site}/${day}`;
      let list = lists.get(key);
      if (!list) {
        const d = model.siteDay(site, day);
        list = [];
        for (let i = 0; i < d.bytes.length; i++) if (d.bytes[i]! > 0) list.push([catalogId(i), d.bytes[i]!]);
        if (lists.size >= KEEP) lists.delete(lists.keys().next().value!);
        lists.set(key, list);
      }
      return list;
    },
  };
}

export function labDemand(plan: Parameters<typeof labDemandModel>[0]): DemandSource {
  return demandSourceOf(labDemandModel(plan));
}
