/** A job's state and a result's state as chips, in the lifecycle chip colours. */
import type { JobState, ResultState } from '../../../../main/net/contract';
import { JOB_STATE_TEXT, RESULT_STATE_TEXT } from './format';
import './jobs.css';

const JOB_CLASS: Record<JobState, string> = {
  running: 'st-provisioning',
  done: 'st-online',
  cancelled: 'st-drained',
  interrupted: 'st-offline',
};

const RESULT_CLASS: Record<ResultState, string> = {
  pending: 'st-awaiting-install',
  running: 'st-provisioning',
  ok: 'st-online',
  failed: 'st-offline',
  cancelled: 'st-drained',
  interrupted: 'st-rma',
};

export function JobStateChip({ state, testId }: { state: JobState; testId?: string }) {
  return (
    <span className={`status ${JOB_CLASS[state]}`} data-testid={testId} data-state={state}>
      {JOB_STATE_TEXT[state]}
    </span>
  );
}

export function ResultStateChip({ state }: { state: ResultState }) {
  return <span className={`status compact ${RESULT_CLASS[state]}`}>{RESULT_STATE_TEXT[state]}</span>;
}
