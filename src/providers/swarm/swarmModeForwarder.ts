/** How long the gateway keeps dialling the service for one client before it gives up on it (under a probe's 3 s). */
export const FORWARD_DIAL_MS = 2_000;
/** Between two dials, and the most one dial may take (an address with no neighbour entry never answers). */
const REDIAL_MS = 100;
const DIAL_TIMEOUT_MS = 1_000;

/**
 * The gateway's program (`node -e`): listens on `listenPort` and pipes each
 * client to `target:targetPort` on the instance's overlay. A dial that fails
 * before anything is forwarded (the service's name not in the overlay's DNS
 * yet, code-server not listening yet, an address that does not answer) is
 * made again every REDIAL_MS for FORWARD_DIAL_MS, the client's bytes held
 * meanwhile: a probe or a browser that comes a moment early is answered as
 * soon as code-server is, instead of reading a closed connection
 * ("unhealthy") and coming back later. Every name lookup is a new one, so
 * a replaced task's new address is found. Either side closing closes the other.
 */
export function forwarderProgram(target: string, targetPort: number, listenPort: number): string {
  return [
    "const net=require('net');",
    'net.createServer((c)=>{',
    `const until=Date.now()+${FORWARD_DIAL_MS};let u;`,
    "c.on('error',()=>{if(u)u.destroy();});c.on('close',()=>{if(u)u.destroy();});",
    'const dial=()=>{',
    `const s=net.connect(${targetPort},${JSON.stringify(target)});u=s;let up=false;`,
    `s.setTimeout(${DIAL_TIMEOUT_MS},()=>s.destroy(new Error('no answer')));`,
    "s.on('connect',()=>{up=true;s.setTimeout(0);c.pipe(s).pipe(c);});",
    "s.on('error',()=>{",
    `if(!up&&!c.destroyed&&Date.now()<until)setTimeout(()=>{if(!c.destroyed)dial();},${REDIAL_MS});else c.destroy();`,
    '});};dial();',
    `}).listen(${listenPort});`,
  ].join('');
}
