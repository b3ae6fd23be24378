import assert from 'node:assert/strict';
import { gpuFinding } from '../../../../src/providers/docker/gpuCheck.js';

const DOCKER = { kind: 'docker', engine: 'Docker', gpuStyle: 'device-requests' } as const;
const PODMAN = { kind: 'podman', engine: 'Podman', gpuStyle: 'cdi' } as const;
const none = { runtimes: ['runc'], cdiSpecs: [], devices: [] };

describe('doctor: GPUs (the --gpus option)', () => {
  it('says a host without a GPU is fine, and that --gpus would fail there', () => {
    const f = gpuFinding(none, DOCKER);
    assert.equal(f.code, 'docker.gpu');
    assert.equal(f.severity, 'ok');
    assert.match(f.message, /no GPU on this host/);
  });

  it('finds Docker ready with the nvidia runtime, and Podman with CDI specs', () => {
    assert.equal(gpuFinding({ ...none, runtimes: ['runc', 'nvidia'], devices: ['/dev/nvidia0'] }, DOCKER).severity, 'ok');
    const p = gpuFinding({ ...none, cdiSpecs: ['nvidia.yaml'], devices: ['/dev/nvidia0'] }, PODMAN);
    assert.equal(p.code, 'podman.gpu');
    assert.equal(p.severity, 'ok');
    assert.match(p.message, /CDI specs \(nvidia\.yaml\)/);
  });

  it('warns about a GPU the engine cannot hand out, naming what to install for each engine', () => {
    const d = gpuFinding({ ...none, devices: ['/dev/nvidia0'] }, DOCKER);
    assert.equal(d.severity, 'warning');
    assert.match(d.message, /\/dev\/nvidia0 is here but Docker has no nvidia runtime.*nvidia-ctk runtime configure/);
    // The runtime alone does not serve Podman, which takes CDI names.
    const p = gpuFinding({ ...none, runtimes: ['nvidia'], devices: ['/dev/nvidia0'] }, PODMAN);
    assert.equal(p.severity, 'warning');
    assert.match(p.message, /no CDI spec describes it.*nvidia-ctk cdi generate/);
  });
});
