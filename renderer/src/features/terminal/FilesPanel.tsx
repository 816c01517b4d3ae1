/**
 * The appliance's staging area and its logs over SFTP: their files (a symbolic link, a folder or an
 * odd name is shown with why it will not be opened), download, and upload with a progress bar (sent
 * in pieces, in order) into the staging area only: the logs are read-only. Names are checked by the
 * engine too: anything outside the area is refused there.
 */
import { useCallback, useEffect, useState, type ChangeEvent } from 'react';
import type { AreaFile, FileArea } from '../../../../main/terminal/contract';
import { MAX_UPLOAD_CHUNK_BYTES } from '../../../../main/terminal/contract';
import { asApiError, callEngine } from '../../stores/engine';
import { toastError, useUi } from '../../stores/ui';
import { formatBytes } from '../../ui/format';

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(data: string): Uint8Array<ArrayBuffer> {
  const text = atob(data);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const AREAS: { area: FileArea; label: string; empty: string }[] = [
  { area: 'staging', label: 'Staging', empty: 'The staging area is empty.' },
  { area: 'logs', label: 'Logs', empty: 'There are no logs.' },
];

export function FilesPanel({ serial }: { serial: string }) {
  const [area, setArea] = useState<FileArea>('staging');
  const [path, setPath] = useState<string | null>(null);
  const [files, setFiles] = useState<AreaFile[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ name: string; sent: number; total: number } | null>(null);

  const [version, setVersion] = useState(0);
  const load = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let live = true;
    callEngine((c) => c.api.terminal.listFiles({ serial, area })).then(
      (listed) => {
        if (!live) return;
        setPath(listed.path);
        setFiles(listed.files);
        setError(null);
      },
      (err: unknown) => {
        if (live) setError(`${asApiError(err).message} (${asApiError(err).code})`);
      },
    );
    return () => {
      live = false;
    };
  }, [serial, area, version]);

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setProgress({ name: file.name, sent: 0, total: file.size });
    try {
      let offset = 0;
      do {
        const piece = new Uint8Array(await file.slice(offset, offset + MAX_UPLOAD_CHUNK_BYTES).arrayBuffer());
        await callEngine((c) => c.api.terminal.upload({ serial, name: file.name, offset, data: toBase64(piece) }));
        offset += piece.length;
        setProgress({ name: file.name, sent: offset, total: file.size });
      } while (offset < file.size);
      useUi.getState().toast('info', `${file.name} uploaded to ${serial} (${formatBytes(file.size, 'binary')}).`);
    } catch (err) {
      toastError(err);
    } finally {
      setProgress(null);
      load();
    }
  };

  const download = async (name: string) => {
    try {
      const got = await callEngine((c) => c.api.terminal.download({ serial, area, name }));
      const url = URL.createObjectURL(new Blob([fromBase64(got.data)], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = got.name;
      a.rel = 'noopener';
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      toastError(err);
    }
  };

  return (
    <div className="card section" data-testid="files-panel">
      <h2>Files {path && <span className="muted mono">{path}</span>}</h2>
      <div className="actions" role="tablist" aria-label="File area">
        {AREAS.map((a) => (
          <button
            key={a.area}
            type="button"
            role="tab"
            aria-selected={area === a.area}
            className={`btn small${area === a.area ? ' primary' : ''}`}
            data-testid={`files-area-${a.area}`}
            onClick={() => {
              // The other area's files are not shown while this one's are asked for.
              setFiles(null);
              setPath(null);
              setArea(a.area);
            }}
          >
            {a.label}
          </button>
        ))}
      </div>
      <div className="actions">
        {area === 'staging' ? (
          <label className="btn small">
            Upload…
            <input type="file" className="sr-only" data-testid="files-upload" onChange={(e) => void upload(e)} disabled={progress !== null} />
          </label>
        ) : (
          <span className="muted" data-testid="files-read-only">
            Read-only: logs are listed and downloaded, never written.
          </span>
        )}
        <button type="button" className="btn small" onClick={load}>
          Refresh
        </button>
      </div>
      {progress && (
        <div data-testid="files-progress">
          Uploading {progress.name}: {formatBytes(progress.sent, 'binary')} of {formatBytes(progress.total, 'binary')}
          <progress max={Math.max(1, progress.total)} value={progress.sent} />
        </div>
      )}
      {error && (
        <p className="error" role="alert" data-testid="files-error">
          {error}
        </p>
      )}
      {files && files.length === 0 && <p className="muted">{AREAS.find((a) => a.area === area)!.empty}</p>}
      {files && files.length > 0 && (
        <table className="terminal-files" data-testid="files-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Size</th>
              <th>Modified</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.name} data-testid="files-row" data-name={f.name}>
                <td className="mono">{f.name}</td>
                <td>{formatBytes(f.size, 'binary')}</td>
                <td>{f.modifiedAt ?? '—'}</td>
                <td>
                  {f.refused ? (
                    <span className="muted">not opened: {f.refused}</span>
                  ) : (
                    <button type="button" className="btn small" data-testid="files-download" onClick={() => void download(f.name)}>
                      Download
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
