// The fleet bench's figures: what bench/fleet.ts measures, the JSON that
// `npm run bench` prints of it, and its table in the report.

export interface FleetFigures {
  refresh500Ms: number | null;
  dockerCliSshRefresh500Ms: number | null;
  healthRound500Ms: number | null;
  healthCpuPercent: number | null;
  /** The open dashboard's own work per round (history, model, JSON) over the whole fleet. */
  dashboardRoundMs: number | null;
  /** healthCpuPercent plus that work once per health round: the dashboard open. */
  dashboardCpuPercent: number | null;
  heapGrowthMB: number | null;
  /** A container stopped on its engine, by hand, until the store shows it (engine events; the timed refresh would take up to refreshIntervalSeconds). */
  eventToStoreMs: number | null;
}

export interface FleetDetail extends FleetFigures {
  /** The hidden dashboard's work per round: only its history takes the figures. */
  dashboardHiddenRoundMs: number | null;
  /** healthCpuPercent plus that work once per health round: the dashboard hidden. */
  dashboardHiddenCpuPercent: number | null;
  readonly instances: number;
  readonly hosts: number;
  populateMs: number;
  refreshSamples: number[];
  /** This process's CPU (user + system) per warm refresh, over the same samples: our own cost, steadier than the wall time on a shared machine. */
  refreshCpuMs: number | null;
  engineListFloorMs: number | null;
  engineListFloorSamples: number[];
  dockerCliSamples: number[];
  healthSamples: number[];
  eventToStoreSamples: number[];
  /** Hosts whose event stream was open through the CPU and heap windows, as the Poller keeps them. */
  watchedHosts: number;
  healthIntervalS: number;
  refreshIntervalS: number;
  cpuWindowS: number;
  cpuRounds: number;
  heapSamplesMB: number[];
  heapLateSlopeMBPerMin: number | null;
  handlesBefore: number;
  handlesAfter: number;
  /** The Docker hosts behind the records: the fleet's, one engine each. */
  engines: string[];
  /** Whether this run started the fleet (and so stops it at the end). */
  fleetStarted: boolean;
  /** The machine's MemAvailable (MB): before the fleet (when this run starts it), with the fleet idle, with every instance healthy. */
  memAvailableMB: { beforeFleet: number | null; fleetIdle: number; populated: number | null };
}

export function fleetJson(d: FleetDetail | undefined): FleetFigures {
  return {
    refresh500Ms: d?.refresh500Ms ?? null,
    dockerCliSshRefresh500Ms: d?.dockerCliSshRefresh500Ms ?? null,
    healthRound500Ms: d?.healthRound500Ms ?? null,
    healthCpuPercent: d?.healthCpuPercent ?? null,
    dashboardRoundMs: d?.dashboardRoundMs ?? null,
    dashboardCpuPercent: d?.dashboardCpuPercent ?? null,
    heapGrowthMB: d?.heapGrowthMB ?? null,
    eventToStoreMs: d?.eventToStoreMs ?? null,
  };
}

export function renderFleetReport(d: FleetDetail | undefined): string {
  if (!d) return 'Fleet: not measured\n';
  const ratio = d.refresh500Ms && d.dockerCliSshRefresh500Ms ? (d.dockerCliSshRefresh500Ms / d.refresh500Ms).toFixed(1) : '—';
  const rows: [string, string, string][] = [
    [
      `refresh, ${d.hosts} hosts × ${d.instances / d.hosts} (warm, median of ${d.refreshSamples.length})`,
      `${d.refresh500Ms} ms`,
      '≤ 100 ms',
    ],
    ['  CPU of this process per refresh (user + system)', `${d.refreshCpuMs} ms`, ''],
    ["  the same lists on the engines' own sockets (floor)", `${d.engineListFloorMs} ms`, ''],
    [`  docker -H ssh:// ps -a, same hosts at once (${ratio}× ours)`, `${d.dockerCliSshRefresh500Ms} ms`, ''],
    [`health round over ${d.instances} (median of ${d.healthSamples.length})`, `${d.healthRound500Ms} ms`, '≤ 1000 ms'],
    [
      `health monitor CPU, every ${d.healthIntervalS} s for ${d.cpuWindowS} s (${d.cpuRounds} rounds; ${d.watchedHosts} event streams open)`,
      `${d.healthCpuPercent} % of a core`,
      '≤ 2 %',
    ],
    [
      `  with the dashboard open: + its own work per round (${d.dashboardRoundMs} ms over ${d.instances} instances, full charts)`,
      `${d.dashboardCpuPercent} % of a core`,
      '≤ 2 %',
    ],
    [
      `  with the dashboard hidden: + its history only (${d.dashboardHiddenRoundMs} ms a round; closed: nothing)`,
      `${d.dashboardHiddenCpuPercent} % of a core`,
      '≤ the health monitor alone',
    ],
    [
      `docker stop on an engine → the store shows it (events; median of ${d.eventToStoreSamples.length})`,
      `${d.eventToStoreMs} ms`,
      `(timed refresh: up to ${d.refreshIntervalS} s)`,
    ],
    [
      `heap growth over the watch (late slope ${d.heapLateSlopeMBPerMin} MB/min; handles ${d.handlesBefore} → ${d.handlesAfter})`,
      `${d.heapGrowthMB} MB`,
      '≤ 50 MB',
    ],
    [`populate: ${d.instances} creates, 16 at a time`, `${(d.populateMs / 1000).toFixed(1)} s`, ''],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  return ['Fleet (bench/fleet.ts)', ...rows.map(([a, b, c]) => `  ${a.padEnd(w)}  ${b.padStart(16)}  ${c}`)].join('\n') + '\n';
}
