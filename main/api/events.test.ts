/** Each domain gets an emitter for its own events only: short names out, full wire names on the bus. */
import { describe, expect, it } from 'vitest';
import { EventBus } from './events';

describe('domain emitters', () => {
  it("sends a domain's events under its own name and hears only its own", () => {
    const bus = new EventBus();
    const seen: [string, unknown][] = [];
    bus.subscribe((name, payload) => seen.push([name, payload]));
    const inventory = bus.scoped('inventory');
    const net = bus.scoped('net');
    const heard: unknown[] = [];
    const stop = inventory.on('changed', (payload) => heard.push(payload));

    inventory.emit('changed', { kind: 'site', keys: ['GRU01'] });
    net.emit('changed', { kind: 'settings' });
    stop();
    inventory.emit('changed', { kind: 'appliance', keys: ['OCA1'] });

    expect(seen.map(([name]) => name)).toEqual(['inventory.changed', 'net.changed', 'inventory.changed']);
    expect(heard).toEqual([{ kind: 'site', keys: ['GRU01'] }]);
  });

  it("cannot name another domain's event (checked by the compiler)", () => {
    const inventory = new EventBus().scoped('inventory');
    // @ts-expect-error: inventory has no event called net.changed, nor may it send one
    expect(() => inventory.emit('net.changed', { kind: 'settings' })).not.toThrow();
    // @ts-expect-error: the payload is typed by the event
    inventory.emit('changed', { kind: 'nonsense' });
  });
});
