import { describe, expect, it } from 'vitest';
import { pairFiles } from './files';

const f = (name: string, size = 10) => ({ name, size });
const empty = { image: null, signature: null };

describe('pairing dropped firmware files', () => {
  it('takes an image and its .sig dropped together, in either order', () => {
    expect(pairFiles([f('fw.img.sig'), f('fw.img')], empty)).toEqual({ image: f('fw.img'), signature: f('fw.img.sig'), problem: null });
    expect(pairFiles([f('fw.img'), f('fw.img.SIG')], empty).signature?.name).toBe('fw.img.SIG');
  });

  it('keeps the image dropped first when the signature comes second', () => {
    const first = pairFiles([f('fw.img')], empty);
    expect(first).toMatchObject({ image: f('fw.img'), signature: null });
    expect(pairFiles([f('fw.img.sig')], first)).toMatchObject({ image: f('fw.img'), signature: f('fw.img.sig'), problem: null });
  });

  it("drops an earlier signature when a different image arrives alone", () => {
    const pair = pairFiles([f('a.img'), f('a.img.sig')], empty);
    expect(pairFiles([f('b.img')], pair)).toMatchObject({ image: f('b.img'), signature: null });
    expect(pairFiles([f('a.img')], pair)).toMatchObject({ image: f('a.img'), signature: f('a.img.sig') });
  });

  it('refuses two images at once with a sentence, keeping what it had', () => {
    const r = pairFiles([f('a.img'), f('b.img')], { image: f('x.img'), signature: null });
    expect(r.problem).toMatch(/one image at a time.*a\.img, b\.img/);
    expect(r.image?.name).toBe('x.img');
  });
});
