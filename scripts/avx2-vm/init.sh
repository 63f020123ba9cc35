#!/bin/busybox sh
# /init of the avx2-vm guest (scripts/avx2-vm/run.sh builds it into the initramfs).
# Mounts the host's root (9p tag hostroot, read-only) under a tmpfs overlay, checks the CPU flags,
# runs the job file named on the kernel command line (avx2vm.job=) chrooted into that root with its
# stdout/stderr on the virtio ports "stdout"/"stderr", writes its exit code to the port "status" and
# powers off. Messages go to the serial console, which run.sh shows when something fails.
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
    echo "avx2-vm guest: $*"
    [ -n "$err" ] && echo "avx2-vm guest: $*" >"$err"
    [ -n "$status" ] && echo 125 >"$status"
    sync; poweroff -f; sleep 5
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for m in $(cat /lib/modules/load-order); do
    insmod "/lib/modules/$m" || fail "insmod $m failed"
done

# The virtio ports by name (no udev here to make /dev/virtio-ports/NAME).
port() {
    for p in /sys/class/virtio-ports/*; do
        [ "$(cat "$p/name" 2>/dev/null)" = "$1" ] && { echo "/dev/${p##*/}"; return 0; }
    done
    return 1
}
i=0
while ! status=$(port status) || ! out=$(port stdout) || ! err=$(port stderr); do
    i=$((i + 1)); [ $i -gt 50 ] && { status=; err=; fail "virtio ports stdout/stderr/status did not appear"; }
    sleep 0.1
done

job=$(sed -n 's/.*avx2vm\.job=\([^ ]*\).*/\1/p' /proc/cmdline)
cpu=$(sed -n 's/.*avx2vm\.cpu=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$job" ] || fail "no avx2vm.job= on the kernel command line"

# An AVX2-only machine or nothing: refuse to run the job on a CPU that shows AVX-512 or lacks AVX2/FMA.
flags=$(grep -m1 '^flags' /proc/cpuinfo)
case " $flags " in *" avx2 "*) ;; *) fail "the guest CPU ($cpu) has no avx2" ;; esac
case " $flags " in *" fma "*) ;; *) fail "the guest CPU ($cpu) has no fma" ;; esac
case "$flags" in *avx512*) fail "the guest CPU ($cpu) still shows AVX-512: $(echo "$flags" | grep -o 'avx512[a-z0-9_]*' | tr '\n' ' ')" ;; esac

mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /lower \
    || fail "cannot mount the host root (9p tag hostroot)"
mount -t tmpfs -o mode=755 rw /rw || fail "cannot mount the tmpfs for the overlay"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot \
    || fail "cannot mount the overlay root"
# The guest's own proc, sys and dev over the host's (9p shows the host's files there).
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run
[ -f "/newroot$job" ] || fail "job file $job is not visible in the guest"
# No network device, but a loopback: programs talk to themselves over 127.0.0.1 (dotnet test's
# testhost connects to vstest by TCP, for one).
ip link set lo up || fail "cannot bring up the loopback interface"

chroot /newroot /bin/bash -c '. "$1"' avx2-vm "$job" <"/dev/null" >"$out" 2>"$err"
rc=$?
echo "$rc" >"$status"
sync
poweroff -f
sleep 5
