/**
 * Firmware images: the signed image store (version, size, sha256, signer, when imported), import by
 * dropping an image and its .sig here or picking them, remove; and the release keys whose signatures
 * are accepted (trust a public key, untrust one). Refusals show the engine's sentence, which says
 * whether the image was unsigned, badly signed or signed by an untrusted key.
 */
import { useEffect, useState, type ChangeEvent, type DragEvent, type ReactNode } from 'react';
import { MAX_UPLOAD_BYTES, type FirmwareImage, type ReleaseKeyRecord } from '../../../../main/firmware/contract';
import { FormError } from '../../ui/FormFooter';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { formatBytes, formatDateTime } from '../../ui/format';
import { asApiError } from '../../stores/engine';
import { useUi } from '../../stores/ui';
import { pairFiles, refusalSentence } from './files';
import { readAsBase64, useFirmware } from './store';
import './firmware.css';

export function FirmwareScreen() {
  const loadImages = useFirmware((s) => s.loadImages);
  const loadKeys = useFirmware((s) => s.loadKeys);
  useEffect(() => {
    void loadImages();
    void loadKeys();
  }, [loadImages, loadKeys]);
  return (
    <div className="page">
      <div className="page-head">
        <h1>Firmware images</h1>
      </div>
      <ImportCard />
      <ImagesCard />
      <KeysCard />
    </div>
  );
}

function ImportCard() {
  const upload = useFirmware((s) => s.upload);
  const [image, setImage] = useState<File | null>(null);
  const [signature, setSignature] = useState<File | null>(null);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [imported, setImported] = useState<FirmwareImage | null>(null);

  const take = (files: File[]) => {
    setImported(null);
    const pair = pairFiles(files, { image, signature });
    setImage(pair.image);
    setSignature(pair.signature);
    setProblem(pair.problem);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    take([...e.dataTransfer.files]);
  };
  const onPick = (which: 'image' | 'signature') => (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0] ?? null;
    setImported(null);
    setProblem(null);
    if (which === 'image') setImage(file);
    else setSignature(file);
  };

  const run = async () => {
    if (!image) return;
    setProblem(null);
    setImported(null);
    if (image.size > MAX_UPLOAD_BYTES) {
      setProblem(`${image.name} is ${formatBytes(image.size, 'binary')}; a window sends at most ${formatBytes(MAX_UPLOAD_BYTES, 'binary')}. Import it with: fleetdeck firmware import ${image.name}`);
      return;
    }
    setBusy(true);
    try {
      const [contentBase64, sigText] = await Promise.all([readAsBase64(image), signature ? signature.text() : Promise.resolve(undefined)]);
      const done = await upload({ fileName: image.name, contentBase64, ...(sigText !== undefined ? { signature: sigText } : {}) });
      setImported(done);
      setImage(null);
      setSignature(null);
    } catch (err) {
      const e = asApiError(err);
      setProblem(refusalSentence(e.code, e.message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="fw-import-title">
      <h2 id="fw-import-title">Import an image</h2>
      <div
        className={`fw-drop${dragging ? ' over' : ''}`}
        data-testid="firmware-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          Drop the image and its signature (<span className="mono">IMAGE.sig</span>, made with{' '}
          <span className="mono">ssh-keygen -Y sign -n fleetdeck-firmware -f KEY IMAGE</span>) here, or choose them:
        </p>
        <div className="inline-form">
          <div className="field">
            <label htmlFor="fw-image">Image file</label>
            <input id="fw-image" type="file" data-testid="firmware-image-file" onChange={onPick('image')} />
          </div>
          <div className="field">
            <label htmlFor="fw-signature">Signature file (.sig)</label>
            <input id="fw-signature" type="file" accept=".sig" data-testid="firmware-signature-file" onChange={onPick('signature')} />
          </div>
        </div>
        <p className="muted" data-testid="firmware-picked">
          Image: <strong>{image ? `${image.name} (${formatBytes(image.size, 'binary')})` : 'none yet'}</strong> · Signature:{' '}
          <strong>{signature ? signature.name : 'none (an unsigned image is refused)'}</strong>
        </p>
      </div>
      <div className="form-actions">
        <button type="button" className="btn primary" data-testid="firmware-import" disabled={!image || busy} onClick={() => void run()}>
          {busy ? 'Checking the signature…' : 'Import'}
        </button>
      </div>
      {imported && (
        <div className="result" role="status" data-testid="firmware-imported">
          Imported <strong>{imported.version}</strong>, signed by {imported.signer.comment || imported.signer.fingerprint}.
        </div>
      )}
      <FormError message={problem} testId="firmware-problem" />
    </section>
  );
}

function ImagesCard() {
  const images = useFirmware((s) => s.images);
  const [removing, setRemoving] = useState<FirmwareImage | null>(null);
  return (
    <section className="card" aria-labelledby="fw-images-title">
      <h2 id="fw-images-title">Images in the store</h2>
      <ListTable
        items={images}
        empty="No images yet. Trust a release key below, then import a signed image."
        emptyTestId="firmware-none"
        testId="firmware-images"
        columns={[{ label: 'Version' }, { label: 'Size', num: true }, { label: 'SHA-256' }, { label: 'Signer' }, { label: 'Imported' }]}
        row={(img) => (
          <tr key={img.version} data-testid="firmware-image-row" data-version={img.version}>
            <td className="mono">{img.version}</td>
            <td className="num">{formatBytes(img.sizeBytes, 'binary')}</td>
            <td className="mono" title={img.sha256}>
              {img.sha256.slice(0, 16)}…
            </td>
            <td>
              {img.signer.comment && <div>{img.signer.comment}</div>}
              <div className="mono small">{img.signer.fingerprint}</div>
              {!img.signer.trusted && (
                <span className="status st-offline compact" data-testid="firmware-untrusted">
                  no longer trusted
                </span>
              )}
            </td>
            <AtBy at={img.importedAt} by={img.importedBy} />
            <RowAction label="Remove" name={img.version} testId="firmware-remove" onClick={() => setRemoving(img)} />
          </tr>
        )}
      />
      {removing && <RemoveDialog image={removing} onClose={() => setRemoving(null)} />}
    </section>
  );
}

/**
 * A card's list of records: "Loading…" until it is read, a sentence when there is none, else a table
 * whose last column holds each row's action (its header read by screen readers only).
 */
function ListTable<T>({ items, empty, emptyTestId, testId, columns, row }: {
  items: readonly T[] | null;
  empty: string;
  emptyTestId: string;
  testId: string;
  columns: readonly { label: string; num?: boolean }[];
  row: (item: T) => ReactNode;
}) {
  if (items === null) return <p className="muted">Loading…</p>;
  if (items.length === 0) {
    return (
      <p className="muted" data-testid={emptyTestId}>
        {empty}
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="plain" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} className={c.num ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{items.map(row)}</tbody>
      </table>
    </div>
  );
}

/** When something was done, and by whom under it. */
function AtBy({ at, by }: { at: string; by: string }) {
  return (
    <td>
      {formatDateTime(at)}
      <div className="muted small">{by}</div>
    </td>
  );
}

/** A row's action button; screen readers hear which row it acts on. */
function RowAction({ label, name, testId, onClick }: { label: string; name: string; testId: string; onClick: () => void }) {
  return (
    <td>
      <button type="button" className="btn small" data-testid={testId} onClick={onClick}>
        {label}
        <span className="sr-only"> {name}</span>
      </button>
    </td>
  );
}

function RemoveDialog({ image, onClose }: { image: FirmwareImage; onClose: () => void }) {
  const remove = useFirmware((s) => s.remove);
  const toast = useUi((s) => s.toast);
  const action = async () => {
    await remove(image.version);
    toast('info', `Removed firmware ${image.version} from the store.`);
    onClose();
  };
  return (
    <ConfirmDialog
      title={`Remove firmware ${image.version}?`}
      testId="firmware-remove-dialog"
      narrow
      onClose={onClose}
      action={action}
      label="Remove"
      busyLabel="Removing…"
      confirmTestId="firmware-remove-confirm"
      tone="danger"
    >
      <p>
        The image file and its signature are deleted from the store. Appliances already running {image.version} are not touched; a rollout can
        no longer use it until it is imported again.
      </p>
    </ConfirmDialog>
  );
}

function KeysCard() {
  const keys = useFirmware((s) => s.keys);
  const trustKey = useFirmware((s) => s.trustKey);
  const toast = useUi((s) => s.toast);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [untrusting, setUntrusting] = useState<ReleaseKeyRecord | null>(null);

  const onPub = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) setText((await file.text()).trim());
  };
  const trust = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const key = await trustKey(text.trim());
      toast('info', `Trusted release key ${key.fingerprint}.`);
      setText('');
    } catch (err) {
      const e = asApiError(err);
      setProblem(`${e.message} (${e.code})`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="fw-keys-title">
      <h2 id="fw-keys-title">Trusted release keys</h2>
      <p className="muted">Images are accepted only when signed by one of these ed25519 keys. Untrusting a key keeps the images it signed, but no rollout will use them.</p>
      <ListTable
        items={keys}
        empty="No release key is trusted yet, so every image is refused."
        emptyTestId="release-keys-none"
        testId="release-keys"
        columns={[{ label: 'Fingerprint' }, { label: 'Comment' }, { label: 'Trusted' }]}
        row={(k) => (
          <tr key={k.fingerprint} data-testid="release-key-row" data-fingerprint={k.fingerprint}>
            <td className="mono">{k.fingerprint}</td>
            <td>{k.comment || '—'}</td>
            <AtBy at={k.trustedAt} by={k.trustedBy} />
            <RowAction label="Untrust" name={k.comment || k.fingerprint} testId="release-key-untrust" onClick={() => setUntrusting(k)} />
          </tr>
        )}
      />
      <h3 className="section">Trust a key</h3>
      <div className="inline-form">
        <div className="field grow">
          <label htmlFor="fw-key-text">Public key (the line from KEY.pub)</label>
          <textarea id="fw-key-text" rows={2} className="mono" data-testid="release-key-text" value={text} placeholder="ssh-ed25519 AAAA… release team" onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="fw-key-file">or a .pub file</label>
          <input id="fw-key-file" type="file" accept=".pub" data-testid="release-key-file" onChange={(e) => void onPub(e)} />
        </div>
      </div>
      <div className="form-actions">
        <button type="button" className="btn primary" data-testid="release-key-trust" disabled={busy || text.trim() === ''} onClick={() => void trust()}>
          {busy ? 'Trusting…' : 'Trust key'}
        </button>
      </div>
      <FormError message={problem} testId="release-key-problem" />
      {untrusting && <UntrustDialog releaseKey={untrusting} onClose={() => setUntrusting(null)} />}
    </section>
  );
}

function UntrustDialog({ releaseKey, onClose }: { releaseKey: ReleaseKeyRecord; onClose: () => void }) {
  const untrustKey = useFirmware((s) => s.untrustKey);
  const toast = useUi((s) => s.toast);
  const action = async () => {
    await untrustKey(releaseKey.fingerprint);
    toast('info', `${releaseKey.fingerprint} is no longer trusted.`);
    onClose();
  };
  return (
    <ConfirmDialog
      title="Stop trusting this release key?"
      testId="release-key-untrust-dialog"
      narrow
      onClose={onClose}
      action={action}
      label="Untrust"
      busyLabel="Untrusting…"
      confirmTestId="release-key-untrust-confirm"
      tone="danger"
    >
      <p className="mono">{releaseKey.fingerprint}</p>
      <p>New images signed by it will be refused; images it signed stay in the store, marked no longer trusted, and rollouts refuse them.</p>
    </ConfirmDialog>
  );
}
