/** Makes `count` ed25519 key pairs with the fleet's generator and says how many (main/keys/openssh-keygen.test.ts). */
import { generateEd25519 } from '../../main/keys/openssh-keygen';

export function main(args: string[]): number {
  const count = Number(args[0]);
  for (let i = 0; i < count; i++) generateEd25519(`k${i}`);
  process.stdout.write(`${count}\n`);
  return 0;
}
