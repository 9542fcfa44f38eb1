#!/usr/bin/env bash
# Check the systemd units an RPM ships with `systemd-analyze verify`, as installed by it.
#
# Usage: scripts/verify-units.sh RPM_FILE
#
# Unpacks the package into a scratch root beside the build machine's own systemd units (verify
# follows Wants=/After= into them) and /bin/sh, then verifies every unit of the package there:
# directives, dependencies, and that each ExecStart= program exists and is executable in the
# package. Needs systemd-analyze, rpm2cpio and cpio; systemd need not be running.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 RPM_FILE" >&2
    exit 2
fi
rpm_file=$(realpath "$1")
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
(cd "$root" && rpm2cpio "$rpm_file" | cpio --quiet -idm)
mkdir -p "$root/usr/lib/systemd/system" "$root/bin"
cp -an /lib/systemd/system/. "$root/usr/lib/systemd/system/"
cp /bin/sh "$root/bin/sh"

units=()
for file in "$root"/usr/lib/systemd/system/synclet*; do
    name=$(basename "$file")
    # A template is verified through an instance, as OnFailure= starts it.
    case "$name" in *@.service) name=${name%@.service}@synclet.service.service ;; esac
    units+=("$name")
done
echo "systemd-analyze verify ${units[*]}"
cd "$root/usr/lib/systemd/system"
if output=$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1) && [ -z "$output" ]; then
    echo "systemd-analyze verify: no findings for the ${#units[@]} units"
else
    echo "$output" | sed "s#$root##g" >&2
    echo "error: systemd-analyze verify found problems in the units (above)" >&2
    exit 1
fi
