// Stands in for dockerode's BuildKit session helper (see scripts/build.mjs).
'use strict';
module.exports = function withSession() {
  throw new Error('BuildKit build sessions are not part of the Code Swarm bundle');
};
