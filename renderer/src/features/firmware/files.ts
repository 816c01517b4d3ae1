/**
 * What a person dropped or picked, sorted into an image and its signature: a file ending in `.sig`
 * (or holding an SSH signature) is the signature, the other one the image. Pure, so it is tested in Node.
 */

export interface PickedFile {
  name: string;
  size: number;
}

export interface Pairing<F extends PickedFile> {
  image: F | null;
  signature: F | null;
  /** Why the files cannot be used as they are, in a sentence; null when they can. */
  problem: string | null;
}

export const isSignatureName = (name: string): boolean => /\.sig$/i.test(name);

/**
 * Sort dropped files into image and signature, keeping what was picked before when only one arrives
 * (drop the image, then the .sig). More than one image or signature at once is refused with a sentence.
 */
export function pairFiles<F extends PickedFile>(files: readonly F[], before: { image: F | null; signature: F | null }): Pairing<F> {
  const sigs = files.filter((f) => isSignatureName(f.name));
  const images = files.filter((f) => !isSignatureName(f.name));
  if (images.length > 1) return { ...before, problem: `Drop one image at a time (got ${images.length}: ${images.map((f) => f.name).join(', ')}).` };
  if (sigs.length > 1) return { ...before, problem: `Drop one signature at a time (got ${sigs.length}).` };
  const image = images[0] ?? before.image;
  let signature = sigs[0] ?? before.signature;
  // A new image with no signature of its own drops an old signature that names a different file.
  if (images[0] && !sigs[0] && signature && signature.name !== `${images[0].name}.sig`) signature = null;
  return { image, signature, problem: null };
}

/** The sentence for a refusal from the engine, keeping its reason: E_SIGNATURE's sentence already says which. */
export function refusalSentence(code: string, message: string): string {
  return code === 'E_SIGNATURE' || code === 'E_IMAGE' || code === 'E_CONFLICT' ? message : `${message} (${code})`;
}
