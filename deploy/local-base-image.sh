#!/usr/bin/env bash
# A local stand-in for the image's base (deploy/Dockerfile's FROM, python:3.11-slim), for a
# machine that runs Docker but cannot pull from Docker Hub (the CI machine; tests/test_image.py).
# A real server pulls the real base and never needs this.
#
#   deploy/local-base-image.sh            # makes the tag deploy/Dockerfile's FROM names, if missing
#   deploy/local-base-image.sh TAG        # the same, for another tag
#
# When the tag exists (pulled, or made by an earlier run: Docker keeps it), nothing is done; when
# it can be pulled, it is. Otherwise: a Debian bookworm root filesystem (its python3 is 3.11)
# made with debootstrap from this machine's own Debian mirror, given this machine's CA bundle (the
# one its pip trusts; PIP_CERT and SSL_CERT_FILE point at it inside the image, so pip reaches the
# same package index through `docker build --network host`), a `python` command, and imported
# under the tag: 45 s to 2 minutes. Needs root, debootstrap, and a running Docker daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${1:-$(sed -n 's/^FROM \([^ ]*\).*/\1/p' deploy/Dockerfile | head -n 1)}"
suite="bookworm"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "local-base-image: $tag is already here"
  exit 0
fi
if timeout 300 docker pull --quiet "$tag" >/dev/null 2>&1; then
  echo "local-base-image: $tag pulled (the real one: no stand-in needed)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "local-base-image: debootstrap needs root" >&2
  exit 2
fi
command -v debootstrap >/dev/null 2>&1 || { echo "local-base-image: debootstrap is not installed" >&2; exit 2; }

# This machine's Debian mirror (apt's deb822 or one-line sources), or HELPLINE_DEBIAN_MIRROR.
mirror="${HELPLINE_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror="$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/\{0,1\}$/\1/p' /etc/apt/sources.list.d/debian.sources | head -n 1)"
fi
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
  mirror="$(awk '$1 == "deb" && $3 == "'"$suite"'" { print $2; exit }' /etc/apt/sources.list)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

# The CA bundle this machine's pip trusts (a package index behind a TLS-inspecting proxy needs it).
ca="${PIP_CERT:-}"
if [ -z "$ca" ]; then
  ca="$(python3 -m pip config get global.cert 2>/dev/null || true)"
fi
ca="${ca:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
[ -r "$ca" ] || { echo "local-base-image: no CA bundle at $ca" >&2; exit 2; }

# The package index, if this machine's pip uses one over http(s) rather than the default.
index="${PIP_INDEX_URL:-$(python3 -m pip config get global.index-url 2>/dev/null || true)}"
changes=()
case "$index" in
  http://* | https://*) changes+=(--change "ENV PIP_INDEX_URL=$index") ;;
esac

rootfs="$(mktemp -d /var/tmp/helpline-base.XXXXXX)"
trap 'rm -rf "$rootfs" "$rootfs.log"' EXIT
echo "local-base-image: making $tag from $mirror ($suite)"
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
  "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
  tail -n 20 "$rootfs.log" >&2
  rm -f "$rootfs.log"
  exit 1
}
rm -f "$rootfs.log"
install -m 0644 "$ca" "$rootfs/etc/ssl/certs/host-ca-bundle.crt"
ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PIP_CERT=/etc/ssl/certs/host-ca-bundle.crt' \
  --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/host-ca-bundle.crt' \
  --change 'LABEL org.opencontainers.image.description="a local stand-in made by deploy/local-base-image.sh"' \
  "${changes[@]}" \
  --change 'CMD ["python3"]' \
  - "$tag" >/dev/null
echo "local-base-image: $tag made"
