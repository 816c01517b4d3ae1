/** The fills contract's types as the renderer sees them: through the API (main/api/contract). */
import type { Api } from '../../../../main/api/contract';

export type FillRun = Awaited<ReturnType<Api['fills']['getRun']>>;
export type FillRunSummary = Awaited<ReturnType<Api['fills']['listRuns']>>[number];
export type ApplianceFillPlan = FillRun['plan']['appliances'][number];
export type SitePlanSummary = Awaited<ReturnType<Api['fills']['getPlan']>>['sites'][number];
export type SavingsReport = Awaited<ReturnType<Api['fills']['savings']>>;
export type PartnerSavings = SavingsReport['partners'][number];
export type LabDemandReport = Awaited<ReturnType<Api['lab']['handOverDemand']>>;
