import { LxdApiError, type LxdClient } from './lxdClient.js';
import { isNotFound } from './lxdDaemon.js';
import { instancePath } from './lxdPaths.js';
import { isAddressInUse, proxyDevice, proxyPort, PROXY_DEVICE, type PortAllocator } from './lxdPorts.js';
import { LxdInstanceSchema } from './lxdSchemas.js';

/** Seconds systemd in the container gets to shut down before the stop is forced. */
const STOP_TIMEOUT_S = 10;
const START_ATTEMPTS = 5;

/** Starts, moving the proxy device to another port when its port was taken while it was stopped. */
export async function startInstance(api: LxdClient, name: string, ports: PortAllocator): Promise<void> {
  const tried = new Set<number>();
  for (let attempt = 1; ; attempt++) {
    try {
      await api.run('PUT', `${instancePath(name)}/state`, { body: { action: 'start' }, waitS: 120 });
      return;
    } catch (e) {
      if (e instanceof LxdApiError && /already running/i.test(e.message)) return;
      if (!isAddressInUse(e) || attempt >= START_ATTEMPTS) throw e;
    }
    const inst = await api.get(instancePath(name), LxdInstanceSchema);
    const current = proxyPort(inst);
    if (current !== undefined) tried.add(current);
    const port = await ports.take(api, tried);
    await api.run('PATCH', instancePath(name), { body: { devices: { [PROXY_DEVICE]: proxyDevice(port) } } });
  }
}

/** A clean shutdown, forced when it runs out of time, like docker stop. */
export async function stopInstance(api: LxdClient, name: string): Promise<void> {
  try {
    await api.run('PUT', `${instancePath(name)}/state`, {
      body: { action: 'stop', timeout: STOP_TIMEOUT_S, force: false },
      waitS: STOP_TIMEOUT_S + 60,
    });
  } catch (e) {
    if (!(e instanceof LxdApiError) || isNotFound(e)) throw e;
    if (/already stopped/i.test(e.message)) return;
    // The clean shutdown ran out of time (or was refused): pull the plug, like docker stop does.
    await forceStop(api, name);
  }
}

export async function forceStop(api: LxdClient, name: string): Promise<void> {
  try {
    await api.run('PUT', `${instancePath(name)}/state`, { body: { action: 'stop', force: true }, waitS: 60 });
  } catch (e) {
    if (!(e instanceof LxdApiError) || !/already stopped/i.test(e.message)) throw e;
  }
}
