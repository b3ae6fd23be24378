import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstStartDropIn, firstStartFiles, renderCodeServerConfig } from '../../../../src/providers/lxd/codeServerConfig.js';
import type { LxdClient, LxdRequestOptions } from '../../../../src/providers/lxd/lxdClient.js';
import { literalTemplate, stageFirstStartFiles } from '../../../../src/providers/lxd/lxdFirstStart.js';

/** pongo2's three openers: a rendering of our templates must meet none of them outside a tag we wrote. */
function unescapeLiteral(template: string): string {
  const parts = template.split('{% templatetag openbrace %}');
  for (const p of parts) assert.ok(!p.includes('{'), `a bare { reached the template: ${JSON.stringify(p)}`);
  return parts.join('{');
}

interface Call {
  method: string;
  path: string;
  options: (LxdRequestOptions & { waitS?: number }) | undefined;
}

/** Just the calls stageFirstStartFiles makes, answered like LXD 5.0 would. */
function fakeApi(metadata: Record<string, unknown>): { api: LxdClient; calls: Call[] } {
  const calls: Call[] = [];
  const api = {
    get: (path: string) => {
      calls.push({ method: 'GET', path, options: undefined });
      return Promise.resolve(structuredClone(metadata));
    },
    run: (method: string, path: string, options?: LxdRequestOptions & { waitS?: number }) => {
      calls.push({ method, path, options });
      return Promise.resolve();
    },
  } as unknown as LxdClient;
  return { api, calls };
}

describe('LXD first-start files', () => {
  it('literalTemplate leaves no pongo2 tag of its content, and renders back to it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        assert.equal(unescapeLiteral(literalTemplate(s)), s);
      }),
    );
    assert.equal(
      literalTemplate('{{ config }} {% x %} {#'),
      '{% templatetag openbrace %}{% templatetag openbrace %} config }} {% templatetag openbrace %}% x %} {% templatetag openbrace %}#',
    );
  });

  it('gives the config, a drop-in that secures it before code-server reads it, and the unit started at boot', () => {
    const files = firstStartFiles({ hashedPassword: 'abc', cookieSuffix: 'def', env: undefined });
    assert.deepEqual(
      files.map((f) => f.path),
      [
        '/home/coder/.config/code-server/config.yaml',
        '/etc/systemd/system/code-server@coder.service.d/code-swarm-first-start.conf',
        '/etc/systemd/system/multi-user.target.d/code-swarm.conf',
      ],
    );
    assert.equal(files[0]?.content, renderCodeServerConfig('abc', 'def'));
    assert.equal(files[2]?.content, '[Unit]\nWants=code-server@coder.service\n');
    const dropIn = files[1]?.content ?? '';
    // One ExecStartPre (each is a process systemd sets up before code-server may start), its commands in order.
    assert.equal(
      dropIn,
      '[Service]\n' +
        'ExecStartPre=+/bin/sh -c "' +
        '/bin/chown 1000:1000 /home/coder/.config /home/coder/.config/code-server /home/coder/.config/code-server/config.yaml' +
        ' && /bin/chmod u=rwX,go= /home/coder/.config/code-server /home/coder/.config/code-server/config.yaml' +
        // It removes itself, last; systemd would expand $ and % in it.
        ' && /bin/rm -f /etc/systemd/system/code-server@coder.service.d/code-swarm-first-start.conf"\n',
    );
    assert.ok(!/[$%]/.test(dropIn));
    assert.ok(!dropIn.includes('/etc/code-swarm'), 'no env, nothing of it');
  });

  it('with env: the env file and its drop-in, and the env file made root-only too', () => {
    const files = firstStartFiles({ hashedPassword: 'abc', cookieSuffix: 'def', env: { A: '{% x %}' } });
    const env = files.find((f) => f.path === '/etc/code-swarm/env');
    assert.equal(env?.content, 'A="{% x %}"\n');
    assert.equal(files.find((f) => f.path.endsWith('/code-swarm-env.conf'))?.content, '[Service]\nEnvironmentFile=/etc/code-swarm/env\n');
    assert.equal(firstStartDropIn(true), files.find((f) => f.path.endsWith('/code-swarm-first-start.conf'))?.content);
    // u=rwX,go=: 0700 for the directory, 0600 for the file LXD wrote 0644.
    assert.match(firstStartDropIn(true), / && \/bin\/chmod u=rwX,go= \S+ \S+ \/etc\/code-swarm \/etc\/code-swarm\/env && /);
  });

  it('stages them as create-time templates beside the image’s own, and takes every trace out again', async () => {
    const image = {
      architecture: 'x86_64',
      creation_date: 1,
      properties: { os: 'debian' },
      templates: { '/etc/hostname': { when: ['create', 'copy'], template: 'hostname.tpl' } },
    };
    const { api, calls } = fakeApi(image);
    const unstage = await stageFirstStartFiles(api, 'code-swarm-web', [
      { path: '/a', content: 'x{y' },
      { path: '/b', content: 'z' },
    ]);
    const meta = '/1.0/instances/code-swarm-web/metadata';
    const tpl = (i: number) => `${meta}/templates?path=code-swarm-first-start-${i}.tpl`;
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      [`GET ${meta}`, `POST ${tpl(0)}`, `POST ${tpl(1)}`, `PUT ${meta}`],
    );
    assert.equal(calls[1]?.options?.rawBody, 'x{% templatetag openbrace %}y');
    assert.deepEqual(calls[3]?.options?.body, {
      ...image,
      templates: {
        ...image.templates,
        '/a': { when: ['create'], create_only: false, template: 'code-swarm-first-start-0.tpl', properties: {} },
        '/b': { when: ['create'], create_only: false, template: 'code-swarm-first-start-1.tpl', properties: {} },
      },
    });
    calls.length = 0;
    await unstage();
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      [`PUT ${meta}`, `DELETE ${tpl(0)}`, `DELETE ${tpl(1)}`],
    );
    assert.deepEqual(calls[0]?.options?.body, image);
  });
});
