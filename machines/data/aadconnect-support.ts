/**
 * Build landmarks and support deadlines of Azure AD Connect / Entra Connect Sync, as data.
 *
 * The health check judges a server's build against these rows and nothing else: a new deadline
 * or a withdrawn build is a new row here, never a change of logic. Each row says where the fact
 * comes from and when it was last checked there; re-check a row whose `checkedOn` is old before
 * relying on it.
 *
 * Why a TypeScript module and not a JSON file: the machine stays free of I/O (importing a compiled
 * module is not a read at run time), the compiler checks every row's shape, and the judgement is
 * made in one place (the engine) from the facts a runner collects, so the simulator, PowerShell
 * against the simulated host and PowerShell on a real server are judged by the same rows.
 *
 * `checkedOn`: the day the row was taken over from the family's domain brief
 * (shared/domain/aadconnect-family.md, section 0.6), which cites the page named in `source`.
 */

export type SupportRule =
  /** Every build below `build` is retired, whatever the date. */
  | 'retired-below'
  /** Builds below `build` stop being supported after `date` (on `date` they still are). */
  | 'minimum-by-date'
  /** Builds below `build` stop being supported after `date`; the Entra connector must also use application identity by then. */
  | 'minimum-with-application-auth-by-date'
  /** This exact build was withdrawn. */
  | 'withdrawn';

export interface SupportRow {
  rule: SupportRule;
  build: string;
  /** YYYY-MM-DD, or null when the fact has no deadline. */
  date: string | null;
  fact: string;
  source: string;
  checkedOn: string;
}

export const AADCONNECT_SUPPORT: readonly SupportRow[] = [
  {
    rule: 'retired-below',
    build: '2.0.0.0',
    date: null,
    fact: 'every 1.x build is retired: unsupported, and synchronization no longer works',
    source: 'Microsoft Learn, deprecated-azure-ad-connect (learn.microsoft.com/entra/identity/hybrid/connect/deprecated-azure-ad-connect)',
    checkedOn: '2026-12-01',
  },
  {
    rule: 'minimum-by-date',
    build: '2.5.79.0',
    date: '2026-09-30',
    fact: 'below 2.5.79.0 every synchronization service stops working after the deadline',
    source: 'Microsoft Learn, Hardening updates for Microsoft Entra Connect Sync (harden-update-ad-fs-pingfederate)',
    checkedOn: '2026-12-01',
  },
  {
    rule: 'minimum-with-application-auth-by-date',
    build: '2.6.84.0',
    date: '2027-04-07',
    fact: 'upgrade to 2.6.84.0 or later and move the Entra connector to application-based authentication: legacy authentication is retired',
    source: 'Microsoft Learn, how-to-connect-install-prerequisites and how-to-upgrade-previous-version',
    checkedOn: '2026-12-01',
  },
  {
    rule: 'withdrawn',
    build: '2.6.79.0',
    date: null,
    fact: 'the 2.6.79.0 installer was withdrawn: uninstall it and install the current build',
    source: 'community report quoted in the family brief (not confirmed by Microsoft)',
    checkedOn: '2026-12-01',
  },
];

/** The policy numbers of the health check (choices of this runbook, not Microsoft's). */
export const HEALTH_POLICY = {
  /** LocalDB (SQL Express) stops at 10 GB; warn and fail before that. */
  localDbWarnBytes: 8 * 1024 ** 3,
  localDbFailBytes: 9.5 * 1024 ** 3,
  /** A delta sync must run at least every 7 days, or a full sync is needed (documented). */
  deltaMaxDays: 7,
  /** A connector whose last healthy run is older than this many sync intervals is stale. */
  staleIntervals: 2,
  /** The window of the event log check. */
  eventWindowHours: 24,
} as const;
