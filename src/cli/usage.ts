/** `code-swarm --help`. Every command's options show here (a unit test checks it against the command table). */
export const USAGE = `usage: code-swarm <command> [options]

  hosts add NAME --ssh USER@HOST[:PORT] [--identity FILE] [--provider docker|lxd|podman|swarm] [--jump USER@HOST[:PORT][,...]]
  hosts add NAME --local [--provider docker|swarm]
                               (swarm hosts: [--overlay encrypted|plain], plain for kernels without IPsec ESP)
  hosts list | hosts test NAME | hosts remove NAME [--force]
  hosts doctor NAME [--fix] [--dry-run] [--image IMG]   every problem of a host at once, and its fixes
  hosts doctor NAME --ssh USER@HOST[:PORT] [--identity FILE] [--provider docker|lxd|podman] [--jump J] [...]   the same, before adding it
  create NAME --host HOST [--image IMG] [--cpus N] [--memory SIZE] [--disk SIZE] [--node NODE | --constraint EXPR]
              [--idle-timeout DURATION] [--no-wait]   DURATION: 30m, 2h, 1h30m (more than 60s) or off
         [--env K=V]… [--tag K=V]… [--mount SRC:DST[:ro]]… [--gpus all|N]   (docs/INSTANCE-OPTIONS.md)
                               (any image: [--code-server-image IMG] where code-server is copied from if IMG has none;
                               or build on the host: --dockerfile FILE [--context DIR] [--build-arg K=V]... instead of --image;
                               or --devcontainer FILE, a devcontainer.json: docs/DEVCONTAINER.md)
  list [--host HOST]
  watch [--host HOST]          print each change the engines report (state, port) until Ctrl-C
  start|restart NAME [--no-wait]
  rebuild NAME [--no-wait]     build a --dockerfile/devcontainer instance again; its workspace stays
  stop NAME                    delete NAME [--purge]
  idle NAME DURATION|off       stop it after DURATION without activity (a tab, the tunnel); off: never
  rename OLD NEW               keeps its password, workspace and container (which keep the old name)

  health NAME                  logs NAME [--tail N] [--follow]
  open NAME [--port N] [--proxy-port P]   password NAME
                               (--port: the tunnel's local port; --proxy-port: a port inside the instance, via code-server)
  snapshot NAME [--label L]    snapshots NAME
  restore NAME SNAPSHOT        snapshot-delete NAME SNAPSHOT
  stats [NAME] [--host HOST]   CPU, memory, pids, I/O and disk use of running instances, and each host's capacity

global options:
  --json                     machine-readable output (stable shapes)
  --state-dir DIR            default $CODE_SWARM_HOME or ~/.code-swarm
  --accept-new-host-key      trust a host key seen for the first time (a changed key is always refused)
  --known-hosts FILE         known_hosts file to trust (repeatable; default ~/.ssh/known_hosts)
  --ssh-config FILE          ssh config for host aliases (default ~/.ssh/config)
`;
