import assert from 'node:assert/strict';
import { doctorHtml } from '../../../src/ui/model/doctorHtml.js';

const report = {
  name: 'delta',
  findings: [
    { code: 'ssh.connect', severity: 'ok' as const, message: 'answers' },
    {
      code: 'docker.socket',
      severity: 'error' as const,
      message: 'delta may not use <script>alert(1)</script> & more',
      fix: [['sudo', '-n', 'usermod', '-aG', 'docker', 'delta']],
      reconnect: true,
    },
  ],
};

describe('Check Host report page', () => {
  it('escapes what the host said, and allows only its own nonce in the CSP', () => {
    const html = doctorHtml(report, { nonce: 'N0nce', canFix: true });
    assert.ok(!html.includes('<script>alert(1)'), 'a host-controlled text is escaped');
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; more/);
    assert.match(html, /content="default-src 'none'; style-src 'nonce-N0nce'; script-src 'nonce-N0nce';"/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<script nonce="N0nce">/);
  });

  it('shows one Fix button per fixable finding, with the exact commands it runs', () => {
    const html = doctorHtml(report, { nonce: 'n', canFix: true });
    assert.deepEqual(html.match(/<button data-code="[^"]+">Fix<\/button>/g), ['<button data-code="docker.socket">Fix</button>']);
    assert.match(html, /<pre>sudo -n usermod -aG docker delta\n\(then reopen the SSH connection\)<\/pre>/);
    assert.match(html, /<h2>delta: 1 error\(s\), 0 warning\(s\)<\/h2>/);
  });

  it('an unsaved host (the Add Host wizard) shows the commands but no Fix button', () => {
    const html = doctorHtml(report, { nonce: 'n', canFix: false });
    assert.ok(!html.includes('>Fix</button>'));
    assert.ok(!html.includes('Check Again'));
    assert.match(html, /sudo -n usermod/);
  });
});
