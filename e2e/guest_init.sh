#!/bin/sh
# PID 1 of the e2e guest (busybox sh on the read-only root image): bring up the Linux Bluetooth
# stack (kernel hci_vhci, dbus-daemon, bluetoothd), run the scenario, hand the results to the
# host as a tar on /dev/vdb, power off. Everything it prints goes to the serial console.
export PATH=/usr/bin:/usr/sbin
export HOME=/e2e-run/home LANG=C.UTF-8 PYTHONUNBUFFERED=1
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket
OUT=/e2e-run/out

say() { echo "e2e-guest [$(cut -d' ' -f1 /proc/uptime)s] $*"; }
finish() {
  echo "${1:-99}" > $OUT/rc
  cp /e2e-run/dbus.log $OUT/ 2>/dev/null
  dmesg > $OUT/dmesg.log 2>/dev/null
  tar -cf /dev/vdb -C $OUT . && sync
  say "results written; powering off"
  reboot -f
  sleep 60
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs scratch /e2e-run
# the build folder (venvs at their host paths) may live under /tmp: keep it visible then
if [ -z "$(ls -A /tmp)" ]; then mount -t tmpfs tmp /tmp; else mkdir -p /e2e-run/tmp; export TMPDIR=/e2e-run/tmp; fi
mount -t tmpfs run /run
mount -t tmpfs var /var
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p $OUT $HOME /run/dbus /var/lib/bluetooth /var/tmp
ln -s /run /var/run
hostname e2e-guest
say "root image mounted; init started"

while read -r m; do
  insmod "$m" 2>/dev/null || grep -q "^$(basename "$m" .ko | tr - _) " /proc/modules \
    || say "insmod $m failed"
done < /etc/e2e/modules.list
[ -c /dev/vhci ] || { say "FATAL: /dev/vhci missing after loading hci_vhci"; finish 3; }

dbus-daemon --config-file=/etc/e2e/dbus.conf --nofork --nopidfile > /e2e-run/dbus.log 2>&1 &
i=0; while [ ! -S /run/dbus/system_bus_socket ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
[ -S /run/dbus/system_bus_socket ] || { say "FATAL: dbus-daemon did not start"; cat /e2e-run/dbus.log; finish 3; }
/usr/libexec/bluetooth/bluetoothd -n -d > $OUT/bluetoothd.log 2>&1 &
echo $! > /run/bluetoothd.pid
say "dbus-daemon and bluetoothd started"

"$(cat /etc/e2e/python)" /e2e/scenario.py --out $OUT --hrcoach "$(cat /etc/e2e/hrcoach)"
rc=$?
say "scenario exited $rc"
finish $rc
