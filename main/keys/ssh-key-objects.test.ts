import { randomBytes } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519 } from './openssh-keygen';
import { withKeyObjects } from './ssh-key-objects';

function parse(text: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(text);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) throw new Error('unreadable test key');
  return key;
}

const keys = {
  ed25519: () => generateEd25519('test').privateKey,
  rsa: () => ssh2.utils.generateKeyPairSync('rsa', { bits: 2048 }).private,
  ecdsa: () => ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }).private,
};

describe('withKeyObjects', () => {
  for (const [kind, make] of Object.entries(keys)) {
    it(`${kind}: signatures verify under ssh2's own key, and the reverse`, () => {
      const text = make();
      const plain = parse(text);
      const fast = withKeyObjects(parse(text));
      const data = randomBytes(100);
      for (const algo of kind === 'rsa' ? [undefined, 'sha256', 'sha512'] : [undefined]) {
        const mine = fast.sign(data, algo);
        const theirs = plain.sign(data, algo);
        expect(mine).toBeInstanceOf(Buffer);
        expect(plain.verify(data, mine, algo)).toBe(true);
        expect(fast.verify(data, theirs, algo)).toBe(true);
        // Deterministic schemes give the very same bytes.
        if (kind !== 'ecdsa') expect(mine.equals(theirs)).toBe(true);
        const tampered = Buffer.from(data);
        tampered[0] = tampered[0]! ^ 1;
        expect(fast.verify(tampered, mine, algo)).toBe(false);
      }
    });
  }

  it('a public key only verifies, and failures come back as values as ssh2 does', () => {
    const pair = generateEd25519('pub');
    const pub = withKeyObjects(parse(pair.publicKey));
    const priv = withKeyObjects(parse(pair.privateKey));
    const data = Buffer.from('exchange hash');
    expect(pub.verify(data, priv.sign(data))).toBe(true);
    expect(pub.sign(data)).toBeInstanceOf(Error);
    expect(withKeyObjects(pub)).toBe(pub);
  });
});
