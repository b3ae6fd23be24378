import type { DoctorReport } from '../../core/swarm.js';
import { quoteArgv } from '../../transport/shellQuote.js';

const ICON: Record<string, string> = { ok: '✓', warning: '!', error: '✗' };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The Check Host report as a webview page: one row per finding, a Fix
 * button under each fixable one (showing the exact commands it runs).
 * Nothing from the host is trusted: every text is escaped, and the CSP
 * allows only this page's own nonce'd style and script.
 */
export function doctorHtml(report: DoctorReport, options: { nonce: string; canFix: boolean }): string {
  const { nonce } = options;
  const rows = report.findings
    .map((f) => {
      const commands = [...(f.fix ?? []).map((argv) => quoteArgv(argv)), ...(f.reconnect ? ['(then reopen the SSH connection)'] : [])];
      const fixable = f.severity !== 'ok' && commands.length > 0;
      return (
        `<tr class="${esc(f.severity)}"><td>${ICON[f.severity] ?? ''}</td><td><code>${esc(f.code)}</code></td><td>${esc(f.message)}` +
        (fixable
          ? `<pre>${commands.map(esc).join('\n')}</pre>` +
            (options.canFix ? `<button data-code="${esc(f.code)}">Fix</button>` : '<em>save the host to fix it from here</em>')
          : '') +
        '</td></tr>'
      );
    })
    .join('\n');
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}';">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
td { vertical-align: top; padding: 2px 8px; }
tr.error td:first-child { color: var(--vscode-errorForeground); }
tr.warning td:first-child { color: var(--vscode-editorWarning-foreground); }
pre { margin: 4px 0; }
</style></head><body>
<h2>${esc(report.name)}: ${errors} error(s), ${warnings} warning(s)</h2>
<table>${rows}</table>
${options.canFix ? '<p><button data-again="1">Check Again</button></p>' : ''}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll('button')) {
  b.addEventListener('click', () => vscode.postMessage(b.dataset.code ? { fix: b.dataset.code } : { again: true }));
}
</script></body></html>`;
}
