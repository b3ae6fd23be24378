#!/usr/bin/env bash
# build-engineless.sh STAGE REPO PACKAGES: turn a copy of the lab's debootstrap
# tree into the root file system of an engine-less host (sshd, sudo, no
# container engine) and fill REPO with the .debs PACKAGES need on it, as an
# offline apt repository the host's apt is pointed at (and nothing else).
# The mirror is the one debootstrap used (the machine's own, from its apt
# sources); it is reached here, at lab-setup time, never by a test.
set -euo pipefail
stage=$1 repo=$2 packages=$3

cleanup() {
  umount "$stage/proc" 2>/dev/null || true
  rm -f "$stage/usr/sbin/policy-rc.d"
}
trap cleanup EXIT

# No service starts inside the chroot; the container's systemd starts them.
printf '#!/bin/sh\nexit 101\n' >"$stage/usr/sbin/policy-rc.d"
chmod 755 "$stage/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$stage/etc/resolv.conf"
mount -t proc proc "$stage/proc"

in_stage() { chroot "$stage" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_stage apt-get update -q >/dev/null
in_stage apt-get install -y -q --no-install-recommends openssh-server sudo >/dev/null

# What `apt-get install -y PACKAGES` on this very system would fetch (with
# recommends, as the doctor's fix installs), downloaded but not installed.
in_stage apt-get clean
# shellcheck disable=SC2086 # PACKAGES is a list of names
in_stage apt-get install -y -q --download-only $packages >/dev/null
mkdir -p "$repo"
mv "$stage"/var/cache/apt/archives/*.deb "$repo/"
(cd "$repo" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null | gzip -9 >Packages.gz)
chmod -R a+rX "$repo"

# The host's apt knows only the lab's repository, mounted read-only at /srv/code-swarm-apt.
rm -f "$stage/etc/apt/sources.list" "$stage"/etc/apt/sources.list.d/*
echo 'deb [trusted=yes] file:/srv/code-swarm-apt ./' >"$stage/etc/apt/sources.list.d/code-swarm-lab.list"
mkdir -p "$stage/srv/code-swarm-apt"
in_stage apt-get clean
rm -rf "$stage/var/lib/apt/lists/"* "$stage/usr/share/doc/"* "$stage/usr/share/man/"*

# The SSH user: no password, sudo without one (as on a cloud image), keys pushed by whoever launches it.
in_stage useradd --create-home --shell /bin/bash --user-group lab
in_stage usermod -p '*' lab
echo 'lab ALL=(ALL) NOPASSWD: ALL' >"$stage/etc/sudoers.d/lab"
chmod 440 "$stage/etc/sudoers.d/lab"
install -d -m 700 "$stage/home/lab/.ssh"
chroot "$stage" chown lab:lab /home/lab/.ssh

echo engineless >"$stage/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$stage/etc/hosts"
rm -f "$stage/etc/resolv.conf"
