#!/usr/bin/env bash
# build-rootfs.sh STAGE NODEDIR LABFILES: turn a debootstrap tree into the lab's
# code-server root file system (shared by the Docker and the LXD image).
set -euo pipefail
stage=$1 nodedir=$2 files=$3

mkdir -p "$stage/opt"
cp -a "$nodedir" "$stage/opt/node"
cat >"$stage/usr/bin/code-server" <<'SH'
#!/bin/sh
exec /opt/node/bin/node /opt/node/lib/node_modules/code-server/out/node/entry.js "$@"
SH
chmod 755 "$stage/usr/bin/code-server"
ln -sf /opt/node/bin/node "$stage/usr/local/bin/node"
install -m 755 "$files/entrypoint.sh" "$stage/usr/bin/entrypoint.sh"

chroot "$stage" /usr/sbin/useradd --create-home --uid 1000 --user-group --shell /bin/bash coder
install -d -o 1000 -g 1000 "$stage/home/coder/project" "$stage/home/coder/.config" "$stage/home/coder/.local/share"

install -m 644 "$files/code-server@.service" "$stage/etc/systemd/system/code-server@.service"
mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/code-server@.service "$stage/etc/systemd/system/multi-user.target.wants/code-server@coder.service"

echo code-server >"$stage/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$stage/etc/hosts"
rm -rf "$stage/var/lib/apt/lists/"* "$stage/var/cache/apt/"*.bin "$stage/usr/share/doc/"* "$stage/usr/share/man/"*
