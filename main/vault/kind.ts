/** How this machine keeps secrets (the system domain reports it to the settings screen). No Node here: windows read it. */
import { z } from 'zod';

export const VaultKind = z.enum(['os-keychain', 'passphrase-file', 'plain-file']);
export type VaultKind = z.infer<typeof VaultKind>;
