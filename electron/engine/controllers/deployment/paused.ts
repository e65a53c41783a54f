/**
 * checkPausedConditions (sync.go): pausing sets Progressing to Unknown/DeploymentPaused and
 * resuming to Unknown/DeploymentResumed, which restarts the progress deadline from the resume.
 * A ProgressDeadlineExceeded condition is never overwritten.
 */
import type { Deployment } from 'kubernetes-types/apps/v1';
import {
  getCondition,
  hasProgressDeadline,
  newCondition,
  PROGRESSING,
  REASON,
  setCondition,
} from './conditions';
import { type SyncContext, writeStatus } from './context';

export async function checkPausedConditions(ctx: SyncContext, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const status = (d.status ??= {});
  const cond = getCondition(status, PROGRESSING);
  if (cond?.reason === REASON.TimedOut) return;
  const pausedCondExists = cond?.reason === REASON.Paused;
  const paused = d.spec?.paused === true;
  if (paused && !pausedCondExists) {
    setCondition(
      status,
      newCondition(PROGRESSING, 'Unknown', REASON.Paused, 'Deployment is paused', ctx.now()),
    );
  } else if (!paused && pausedCondExists) {
    setCondition(
      status,
      newCondition(PROGRESSING, 'Unknown', REASON.Resumed, 'Deployment is resumed', ctx.now()),
    );
  } else {
    return;
  }
  await writeStatus(ctx, d);
}
