/**
 * Host-key trust and the fleet key as this window sees them: open host-key alerts (the nav badge,
 * the warning on an appliance), their history, the fleet key's public half, and the calls that
 * trust a key or resolve an alert. `net.hostKeyMismatch` and `net.changed` keep it live.
 */
import { create } from 'zustand';
import type { FleetKeyInfo, HostKeyAlert } from '../../../../main/net/contract';
import { asApiError, callEngine, useEngine } from '../../stores/engine';
import { toastError, useUi } from '../../stores/ui';

interface NetState {
  /** Open alerts, newest first; null until loaded. */
  alerts: HostKeyAlert[] | null;
  /** Every alert (open and resolved), newest first; loaded by the host-keys screen. */
  history: HostKeyAlert[] | null;
  /** undefined: not loaded; null: there is no fleet key. */
  fleetKey: FleetKeyInfo | null | undefined;
  fleetKeyError: string | null;
  /** Keys trusted from this window, serial → fingerprint (a job result can say "trusted"). */
  trusted: Record<string, string>;

  loadAlerts(): Promise<void>;
  loadHistory(): Promise<void>;
  resolveAlert(id: number, trustNewKey: boolean): Promise<HostKeyAlert>;
  trustHostKey(serial: string, fingerprint: string): Promise<void>;
  loadFleetKey(): Promise<void>;
  generateFleetKey(): Promise<FleetKeyInfo>;
}

/** The open alerts about one appliance. */
export function alertsForAppliance(alerts: readonly HostKeyAlert[] | null, serial: string): HostKeyAlert[] {
  return (alerts ?? []).filter((a) => a.target === `appliance:${serial}` && a.resolvedAt === null);
}

/** Ids in `next` that `before` did not have (new alerts since the last look). */
export function newAlertIds(before: readonly HostKeyAlert[] | null, next: readonly HostKeyAlert[]): number[] {
  if (before === null) return [];
  const seen = new Set(before.map((a) => a.id));
  return next.filter((a) => !seen.has(a.id)).map((a) => a.id);
}

export const useNet = create<NetState>()((set, get) => ({
  alerts: null,
  history: null,
  fleetKey: undefined,
  fleetKeyError: null,
  trusted: {},

  async loadAlerts() {
    try {
      const before = get().alerts;
      const alerts = await callEngine((c) => c.api.net.hostKeyAlerts({ open: true }));
      set({ alerts });
      const fresh = newAlertIds(before, alerts);
      if (fresh.length === 1) {
        const a = alerts.find((x) => x.id === fresh[0])!;
        useUi.getState().toast('error', `${a.target.replace(/^appliance:/, '')} presented a different host key; the connection was refused. See Host keys.`, 'E_HOSTKEY_MISMATCH');
      } else if (fresh.length > 1) {
        useUi.getState().toast('error', `${fresh.length} appliances presented a different host key; their connections were refused. See Host keys.`, 'E_HOSTKEY_MISMATCH');
      }
    } catch (err) {
      toastError(err);
    }
  },

  async loadHistory() {
    try {
      const history = await callEngine((c) => c.api.net.hostKeyAlerts({ open: false }));
      set({ history });
    } catch (err) {
      toastError(err);
    }
  },

  async resolveAlert(id, trustNewKey) {
    const resolved = await callEngine((c) => c.api.net.resolveHostKeyAlert({ id, trustNewKey }));
    // Trusting a new key closes every open alert of that target.
    set({
      alerts: (get().alerts ?? []).filter((a) => a.id !== id && !(trustNewKey && a.target === resolved.target)),
    });
    void get().loadAlerts();
    if (get().history) void get().loadHistory();
    return resolved;
  },

  async trustHostKey(serial, fingerprint) {
    await callEngine((c) => c.api.net.trustHostKey({ serial, fingerprint }));
    set({ trusted: { ...get().trusted, [serial]: fingerprint } });
  },

  async loadFleetKey() {
    try {
      const fleetKey = await callEngine((c) => c.api.net.fleetKey({}));
      set({ fleetKey, fleetKeyError: null });
    } catch (err) {
      set({ fleetKeyError: asApiError(err).message });
    }
  },

  async generateFleetKey() {
    const fleetKey = await callEngine((c) => c.api.net.generateFleetKey({ comment: 'fleetdeck' }));
    set({ fleetKey, fleetKeyError: null });
    return fleetKey;
  },
}));

let alertsTimer: ReturnType<typeof setTimeout> | null = null;

/** Follow host-key mismatches and trust changes; loads the open alerts now. Returns the unsubscribe. */
export function followNetEvents(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  void useNet.getState().loadAlerts();
  // A job hitting many rotated keys sends many events: one reload covers them.
  const reloadAlerts = () => {
    alertsTimer ??= setTimeout(() => {
      alertsTimer = null;
      void useNet.getState().loadAlerts();
      if (useNet.getState().history) void useNet.getState().loadHistory();
    }, 150);
  };
  const offs = [
    client.on('net.hostKeyMismatch', reloadAlerts),
    client.on('net.changed', ({ kind }) => {
      if (kind === 'host-keys') reloadAlerts();
      if (kind === 'fleet-key' && useNet.getState().fleetKey !== undefined) void useNet.getState().loadFleetKey();
    }),
  ];
  return () => {
    for (const off of offs) off();
  };
}
