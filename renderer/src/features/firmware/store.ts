/**
 * The firmware image store and the trusted release keys as this window sees them. `firmware.changed`
 * keeps both live (an import from the CLI shows up here).
 */
import { create } from 'zustand';
import type { FirmwareImage, ReleaseKeyRecord } from '../../../../main/firmware/contract';
import { callEngine, useEngine } from '../../stores/engine';
import { toastError } from '../../stores/ui';

interface FirmwareState {
  images: FirmwareImage[] | null;
  keys: ReleaseKeyRecord[] | null;
  loadImages(): Promise<void>;
  loadKeys(): Promise<void>;
  upload(input: { fileName: string; contentBase64: string; signature?: string }): Promise<FirmwareImage>;
  remove(version: string): Promise<void>;
  trustKey(publicKey: string): Promise<ReleaseKeyRecord>;
  untrustKey(fingerprint: string): Promise<void>;
}

export const useFirmware = create<FirmwareState>()((set, get) => ({
  images: null,
  keys: null,

  async loadImages() {
    try {
      set({ images: await callEngine((c) => c.api.firmware.list({})) });
    } catch (err) {
      toastError(err);
    }
  },

  async loadKeys() {
    try {
      set({ keys: await callEngine((c) => c.api.firmware.keys({})) });
    } catch (err) {
      toastError(err);
    }
  },

  async upload(input) {
    const image = await callEngine((c) => c.api.firmware.upload(input));
    void get().loadImages();
    return image;
  },

  async remove(version) {
    await callEngine((c) => c.api.firmware.remove({ version }));
    set({ images: (get().images ?? []).filter((i) => i.version !== version) });
  },

  async trustKey(publicKey) {
    const key = await callEngine((c) => c.api.firmware.trustKey({ publicKey }));
    void get().loadKeys();
    void get().loadImages();
    return key;
  },

  async untrustKey(fingerprint) {
    await callEngine((c) => c.api.firmware.untrustKey({ fingerprint }));
    set({ keys: (get().keys ?? []).filter((k) => k.fingerprint !== fingerprint) });
    void get().loadImages();
  },
}));

/** Follow changes to the store and the keys (loaded ones only). Returns the unsubscribe. */
export function followFirmwareEvents(): () => void {
  const client = useEngine.getState().client;
  if (!client) return () => undefined;
  return client.on('firmware.changed', ({ what }) => {
    const s = useFirmware.getState();
    if (s.images !== null) void s.loadImages();
    if (what === 'keys' && s.keys !== null) void s.loadKeys();
  });
}

/** A File's bytes as base64, without the data: prefix. */
export function readAsBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error('could not read the file'));
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.readAsDataURL(file);
  });
}
