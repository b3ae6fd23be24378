// Stands in for dockerode's BuildKit progress decoder (see scripts/build.mjs).
'use strict';
exports.followProgress = function followProgress() {
  throw new Error('BuildKit progress decoding is not part of the Code Swarm bundle (use docker.modem.followProgress)');
};
