// Stands in for docker-modem's ssh:// transport (see scripts/buildOptions.mjs).
'use strict';
module.exports = function sshAgent() {
  throw new Error("docker-modem's ssh:// transport is not part of the Code Swarm bundle (hosts are reached through their HostLink)");
};
