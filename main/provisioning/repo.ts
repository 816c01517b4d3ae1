/** The provisioning domain's SQL: surveyed appliances and their checklists. */
import type { Db } from '../store/db';
import type { ChecklistState, StoredSurveyAppliance } from './contract';

export interface ProvisionRow {
  serial: string;
  site: string;
  survey: string;
  has_credential: number;
  steps_done: number;
  state: ChecklistState;
  error_code: string | null;
  error_message: string | null;
  hint: string | null;
  presented_fingerprint: string | null;
  confirmed_fingerprint: string | null;
  rekey_reason: string | null;
  job_id: number | null;
  imported_at: string;
  imported_by: string;
  updated_at: string;
}

export interface ChecklistUpdate {
  stepsDone?: number;
  state?: ChecklistState;
  error?: { code: string; message: string; hint: string | null } | null;
  presentedFingerprint?: string;
  jobId?: number;
}

export class ProvisioningRepo {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  row(serial: string): ProvisionRow | undefined {
    return this.db.prepare('SELECT * FROM provisioning_appliances WHERE serial = ?').get(serial) as ProvisionRow | undefined;
  }

  bySite(site: string): ProvisionRow[] {
    return this.db.prepare('SELECT * FROM provisioning_appliances WHERE site = ? COLLATE NOCASE ORDER BY serial').all(site) as ProvisionRow[];
  }

  sites(): { site: string; appliances: number; online: number; failed: number }[] {
    return this.db
      .prepare(
        `SELECT site, count(*) AS appliances, sum(state = 'done') AS online, sum(state = 'failed') AS failed
         FROM provisioning_appliances GROUP BY site ORDER BY site`,
      )
      .all() as { site: string; appliances: number; online: number; failed: number }[];
  }

  /** A survey row (re-importing keeps the checklist of an appliance already surveyed). */
  upsertSurvey(survey: StoredSurveyAppliance, site: string, hasCredential: boolean, actor: string, at: string): boolean {
    const existing = this.row(survey.serial);
    if (existing) {
      this.db
        .prepare('UPDATE provisioning_appliances SET site = ?, survey = ?, has_credential = ?, updated_at = ? WHERE serial = ?')
        .run(site, JSON.stringify(survey), hasCredential ? 1 : 0, at, survey.serial);
      return false;
    }
    this.db
      .prepare(
        `INSERT INTO provisioning_appliances (serial, site, survey, has_credential, imported_at, imported_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(survey.serial, site, JSON.stringify(survey), hasCredential ? 1 : 0, at, actor, at);
    return true;
  }

  update(serial: string, u: ChecklistUpdate, at: string): void {
    const sets: string[] = ['updated_at = @at'];
    const params: Record<string, unknown> = { serial, at };
    if (u.stepsDone !== undefined) {
      sets.push('steps_done = @stepsDone');
      params['stepsDone'] = u.stepsDone;
    }
    if (u.state !== undefined) {
      sets.push('state = @state');
      params['state'] = u.state;
    }
    if (u.error !== undefined) {
      sets.push('error_code = @code', 'error_message = @message', 'hint = @hint');
      params['code'] = u.error?.code ?? null;
      params['message'] = u.error?.message ?? null;
      params['hint'] = u.error?.hint ?? null;
    }
    if (u.presentedFingerprint !== undefined) {
      sets.push('presented_fingerprint = @presented');
      params['presented'] = u.presentedFingerprint;
    }
    if (u.jobId !== undefined) {
      sets.push('job_id = @jobId');
      params['jobId'] = u.jobId;
    }
    this.db.prepare(`UPDATE provisioning_appliances SET ${sets.join(', ')} WHERE serial = @serial`).run(params);
  }

  setConfirmed(serial: string, fingerprint: string | null, at: string): void {
    this.db.prepare('UPDATE provisioning_appliances SET confirmed_fingerprint = ?, updated_at = ? WHERE serial = ?').run(fingerprint, at, serial);
  }

  /** Start over for a re-imaged appliance: checklist back to the start, no confirmed key. */
  startOver(serial: string, reason: string, at: string): void {
    this.db
      .prepare(
        `UPDATE provisioning_appliances SET steps_done = 0, state = 'waiting', error_code = NULL, error_message = NULL, hint = NULL,
           presented_fingerprint = NULL, confirmed_fingerprint = NULL, rekey_reason = ?, updated_at = ? WHERE serial = ?`,
      )
      .run(reason, at, serial);
  }

  clearRekey(serial: string): void {
    this.db.prepare('UPDATE provisioning_appliances SET rekey_reason = NULL WHERE serial = ?').run(serial);
  }

  setCredential(serial: string, has: boolean): void {
    this.db.prepare('UPDATE provisioning_appliances SET has_credential = ? WHERE serial = ?').run(has ? 1 : 0, serial);
  }
}
