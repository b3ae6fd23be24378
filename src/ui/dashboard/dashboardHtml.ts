/**
 * The dashboard's page. It holds no data: the extension posts the swarm as
 * JSON (`{ data }`) and the script draws it with DOM calls and `textContent`
 * only, so nothing a host says can become markup. The CSP allows this page's
 * own nonce'd style and script and nothing else: no network, no images, no
 * inline handlers. Colours come from the theme's variables, so light, dark and
 * high-contrast themes need nothing of their own beyond visible borders.
 */
export function dashboardHtml(nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<title>Code Swarm Dashboard</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 16px 16px; }
h2 { font-weight: 600; margin: 16px 0 8px; }
#summary { color: var(--vscode-descriptionForeground); }
.hosts { display: flex; flex-wrap: wrap; gap: 8px; }
.host { border: 1px solid var(--vscode-contrastBorder, var(--vscode-widget-border, transparent)); background: var(--vscode-editorWidget-background); border-radius: 4px; padding: 8px 12px; min-width: 220px; }
.host .name { font-weight: 600; }
.muted { color: var(--vscode-descriptionForeground); }
.up { color: var(--vscode-testing-iconPassed); }
.down { color: var(--vscode-testing-iconFailed); }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--vscode-contrastBorder, var(--vscode-widget-border, var(--vscode-editorWidget-border))); }
td, th { padding: 4px 8px; vertical-align: middle; }
tr.instance:hover { background: var(--vscode-list-hoverBackground); }
.healthy { color: var(--vscode-testing-iconPassed); }
.unhealthy, .failed, .missing, .unreachable { color: var(--vscode-testing-iconFailed); }
svg.chart { width: 120px; height: 24px; border: 1px solid var(--vscode-contrastBorder, transparent); }
svg.chart polyline { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; }
svg.cpu polyline { stroke: var(--vscode-charts-blue); }
svg.memory polyline { stroke: var(--vscode-charts-purple); }
button { font-family: inherit; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px; padding: 2px 8px; margin-right: 4px; cursor: pointer; }
button:hover { background: var(--vscode-button-secondaryHoverBackground); }
button:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
</style></head><body>
<h2>Hosts <span id="summary"></span></h2>
<div class="hosts" id="hosts"></div>
<h2>Instances</h2>
<table><thead><tr><th>Instance</th><th>Host</th><th>Status</th><th>Use</th><th>Idle stop</th><th>CPU</th><th>Memory</th><th>Actions</th></tr></thead>
<tbody id="instances"></tbody></table>
<p class="muted" id="empty"></p>
<script nonce="${nonce}">
${SCRIPT}
</script></body></html>`;
}

/** The page's script, kept apart so the template above stays readable. */
const SCRIPT = `
const vscode = acquireVsCodeApi();
const SVG = 'http://www.w3.org/2000/svg';
const LABEL = { open: 'Open', start: 'Start', stop: 'Stop', restart: 'Restart', delete: 'Delete' };
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function chart(values, max, cls, title) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'chart ' + cls);
  svg.setAttribute('viewBox', '0 0 59 20');
  svg.setAttribute('preserveAspectRatio', 'none');
  const t = document.createElementNS(SVG, 'title');
  t.textContent = title;
  svg.appendChild(t);
  if (values.length > 1) {
    const line = document.createElementNS(SVG, 'polyline');
    const step = 59 / (values.length - 1);
    line.setAttribute('points', values.map((v, i) => (i * step).toFixed(1) + ',' + (20 - Math.min(1, v / max) * 19).toFixed(1)).join(' '));
    svg.appendChild(line);
  }
  return svg;
}
function draw(data) {
  document.getElementById('summary').textContent = '— ' + data.summary;
  const hosts = document.getElementById('hosts');
  hosts.replaceChildren(...data.hosts.map((h) => {
    const card = el('div', undefined, 'host');
    card.dataset.host = h.name;
    const title = el('div');
    title.append(el('span', h.name, 'name'), el('span', ' · ' + h.provider + ' · ', 'muted'),
      el('span', h.reachability === 'up' ? 'reachable' : h.reachability === 'down' ? 'unreachable' : 'not contacted yet', h.reachability));
    card.append(title, el('div', h.capacity || 'capacity not read yet', 'muted'), el('div', h.use || (h.instances + ' instance(s), none running'), 'muted'));
    return card;
  }));
  const rows = document.getElementById('instances');
  rows.replaceChildren(...data.instances.map((i) => {
    const tr = el('tr', undefined, 'instance');
    tr.dataset.instance = i.name;
    const status = el('td', i.status, i.health !== 'unknown' ? i.health : i.state);
    const actions = el('td');
    for (const a of i.actions) {
      const b = el('button', LABEL[a]);
      b.dataset.action = a;
      b.dataset.name = i.name;
      b.title = LABEL[a] + ' ' + i.name;
      actions.appendChild(b);
    }
    const cpu = el('td');
    cpu.appendChild(chart(i.cpu, i.cpuMax, 'cpu', 'CPU over the last readings (' + i.cpu.length + ')'));
    const mem = el('td');
    mem.appendChild(chart(i.memory, 1, 'memory', 'memory of its limit over the last readings (' + i.memory.length + ')'));
    tr.append(el('td', i.name), el('td', i.host), status, el('td', i.use), el('td', i.idle, 'muted'), cpu, mem, actions);
    return tr;
  }));
  document.getElementById('empty').textContent = !data.loaded ? 'Reading the swarm…' : data.instances.length === 0 ? 'No instances yet: create one with Code Swarm: Create Instance.' : '';
}
document.addEventListener('click', (e) => {
  const b = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
  if (b) vscode.postMessage({ action: b.dataset.action, name: b.dataset.name });
});
window.addEventListener('message', (e) => { if (e.data && e.data.data) draw(e.data.data); });
vscode.postMessage({ ready: true });
`;
