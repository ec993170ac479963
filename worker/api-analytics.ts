// window.bot: distributed analytics over confidential datasets (issue 15; Y.4560 8.2, 8.4).
// Types only, as worker/api.ts. The chain side is worker/core/modules/analytics, the peer's
// worker/host/datasets-analytics.ts.

export type AnalyticsFn = 'count' | 'min' | 'max' | 'mean';

/** A job: one aggregate over datasets this peer may aggregate (owner, reader, or an aggregate grant). */
export type AnalyticsRequest = {
  /** 1 to 16 dataset ids (analyticsDatasetsMax). */
  datasets: string[];
  /** The numeric field aggregated. */
  field: string;
  fns: AnalyticsFn[];
  /** Only records whose `field` is in [from, to). */
  window?: { field: string; from?: number; to?: number };
  /** The latest versions of each dataset aggregated (1 to 64, default 1). */
  versions?: number;
  /** How long to wait for the owners' partials (default 20,000 ms; at most 120,000). */
  timeoutMs?: number;
};

/** One dataset's part of a job, as the reader found it. */
export interface AnalyticsPartView {
  dataset: string;
  owner: string;
  /** The versions aggregated (inclusive), pinned when the job committed. */
  from: number;
  to: number;
  /**
   * answered: its partial verified and merged; missing: none recorded in the wait (reason
   * timeout: the owner's peer is offline or slow) or recorded but not served (unreachable);
   * tampered: the bytes served do not match the fingerprint on chain, or do not open: not merged;
   * failed: the owner recorded that it could not compute it (reason: its words, e.g. MALFORMED).
   */
  status: 'answered' | 'missing' | 'tampered' | 'failed';
  reason?: string;
  /** The partial's SHA-256 and transaction on chain (null while none is recorded). */
  fingerprint: string | null;
  txId: string | null;
  count?: number;
  sum?: number;
  min?: number | null;
  max?: number | null;
}

export interface AnalyticsResultView {
  job: string;
  reader: string;
  field: string;
  fns: AnalyticsFn[];
  window: { field: string; from?: number; to?: number } | null;
  /** The height the job was recorded at. */
  height: number;
  /** Whether every owner answered. */
  complete: boolean;
  /** The merge of the answered partials (null when none answered); mean = sum / count. */
  result: { count?: number; min?: number | null; max?: number | null; mean?: number | null } | null;
  parts: AnalyticsPartView[];
}

export interface AnalyticsJobView {
  job: string;
  reader: string;
  /** Whether this peer recorded it (else it answers for one of its datasets). */
  mine: boolean;
  field: string;
  fns: AnalyticsFn[];
  window: { field: string; from?: number; to?: number } | null;
  height: number;
  parts: Array<{ dataset: string; owner: string; from: number; to: number; recorded: boolean }>;
}

export interface AnalyticsMethods {
  /**
   * Record a job on chain (analytics.job), then wait for each owner's peer to compute its
   * partial where the data is held and merge them here. Owners that do not answer in time are
   * listed as missing (reason timeout); a partial that does not match its fingerprint is tampered.
   */
  runAnalytics(request: AnalyticsRequest): Promise<AnalyticsResultView>;
  /** The result of a job this peer recorded (waits up to timeoutMs for partials still missing). */
  analyticsResult(job: string, options?: { timeoutMs?: number }): Promise<AnalyticsResultView>;
  /** Open jobs this peer recorded or answers for, the newest first. */
  analyticsJobs(): Promise<AnalyticsJobView[]>;
}

export const analyticsMethodNames = ['runAnalytics', 'analyticsResult', 'analyticsJobs'] as const;
