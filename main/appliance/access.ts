/**
 * Appliance API v1, logins: `ocactl access status | add-key <type> <base64> | password-login off |
 * set-password <scrypt hash>` (password-hash.ts: the password itself never crosses as text).
 * A factory-fresh appliance takes its factory password (password and keyboard-interactive) and no
 * key; provisioning installs the fleet key and turns password login off. The fleet's own appliances
 * (keys managed outside the appliance) answer E_STATE.
 *
 * Pure zod, no Node: the renderer may import the types.
 */
import { z } from 'zod';

export const AccessReply = z.object({
  /** The factory password (password and keyboard-interactive) still logs in. */
  passwordLogin: z.boolean(),
  /** SHA256 fingerprints of the public keys that may log in as `oca`. */
  authorizedKeys: z.array(z.string()),
  /** The factory password was replaced (set-password): the factory credential no longer logs in. */
  passwordChanged: z.boolean().default(false),
});
export type AccessReply = z.infer<typeof AccessReply>;

export const ACCESS_COMMANDS = ['access status', 'access add-key', 'access password-login', 'access set-password'] as const;
