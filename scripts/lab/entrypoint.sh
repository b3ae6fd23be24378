#!/bin/sh
# Same contract as the official codercom/code-server image's entrypoint: run
# code-server under an init that reaps children, with the arguments given.
set -eu
if [ -d "${ENTRYPOINTD:-/entrypoint.d}" ]; then
  find "${ENTRYPOINTD:-/entrypoint.d}" -type f -executable -print -exec {} \;
fi
exec dumb-init /usr/bin/code-server "$@"
