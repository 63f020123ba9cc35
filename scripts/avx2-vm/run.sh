#!/bin/bash
# Runs a command in a QEMU guest whose CPU has AVX2 and FMA but no AVX-512, seeing this machine's files:
#   scripts/avx2-vm/run.sh [--timeout S] [--memory SIZE] [--smp N] [--accel auto|kvm|tcg] [--cpu MODEL] [--] COMMAND [ARG ...]
# The guest's root is this host's root filesystem, shared read-only over 9p, under a RAM overlay: the
# guest sees /work, the dotnet SDK, /usr/bin/python3 and its packages exactly as the host has them, and
# whatever it writes is discarded at power-off. COMMAND runs as root, in the caller's working directory,
# with the caller's environment, without network and with stdin from /dev/null; its stdout and stderr
# come back on this script's stdout and stderr as it runs, and this script exits with COMMAND's exit
# code (124 when --timeout ends the guest, 125 when the guest itself failed). See README.md here.
#
# CPU: with hardware KVM, the host's own model (`-cpu host`) with every AVX-512 flag this QEMU knows
# removed (read from `qemu-system-x86_64 -cpu help`): same cores, caches and clock as the host, so a
# comparison with a native run isolates the instruction set. Without the avx512f flag QEMU also leaves
# the AVX-512 state components (opmask, ZMM) out of CPUID leaf 0xD, so the guest's XCR0 has no AVX-512
# bits either. Without hardware KVM: TCG emulation of an EPYC-Milan (Zen 3; TCG has AVX2 and FMA but no
# AVX-512) — right CPUID and XCR0, but emulation timings. The guest init refuses to run COMMAND unless
# /proc/cpuinfo shows avx2 and fma and no avx512 flag, whatever --cpu says.
#
# First use, as root: installs qemu-system-x86 and cpio (apt-get), downloads Debian's kernel
# (linux-image-amd64) and busybox-static with `apt-get download` into a cache directory (nothing is
# installed on the host for them) and builds a small initramfs there ($AVX2_VM_CACHE, default
# /var/cache/avx2-vm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${AVX2_VM_CACHE:-/var/cache/avx2-vm}
timeout_s=7200
memory=6G
smp=2
cpu=
accel=auto

die() { echo "avx2-vm: $*" >&2; exit 125; }
usage() { sed -n '2,3p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --timeout) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "avx2-vm: --timeout needs whole seconds, got '${2:-}'" >&2; exit 2; }; timeout_s=$2; shift 2 ;;
        --memory) [[ ${2:-} =~ ^[1-9][0-9]*[MG]$ ]] || { echo "avx2-vm: --memory needs a size like 6G or 4096M, got '${2:-}'" >&2; exit 2; }; memory=$2; shift 2 ;;
        --smp) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "avx2-vm: --smp needs a number of CPUs, got '${2:-}'" >&2; exit 2; }; smp=$2; shift 2 ;;
        --cpu) [[ -n ${2:-} ]] || { echo "avx2-vm: --cpu needs a QEMU CPU model" >&2; exit 2; }; cpu=$2; shift 2 ;;
        --accel) [[ ${2:-} =~ ^(auto|kvm|tcg)$ ]] || { echo "avx2-vm: --accel must be auto, kvm or tcg, got '${2:-}'" >&2; exit 2; }; accel=$2; shift 2 ;;
        -h|--help) usage ;;
        --) shift; break ;;
        -*) echo "avx2-vm: unknown option '$1'" >&2; usage ;;
        *) break ;;
    esac
done
[[ $# -gt 0 ]] || usage

# ---- accelerator -----------------------------------------------------------------------------------
# KVM runs Debian's kernel only on hardware virtualisation (kvm_intel / kvm_amd). A KVM provided by
# PVM (kvm_pvm, software "pagetable-based" virtualisation used for nested guests in some clouds)
# runs only PVM-patched guest kernels, and a stock kernel hangs in its boot code there.
kvm_problem=
if [[ ! -e /dev/kvm ]]; then
    kvm_problem="/dev/kvm does not exist (no KVM on this machine)"
elif [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
    kvm_problem="/dev/kvm is not readable and writable by $(id -un) (run as root or join the kvm group)"
elif [[ ! -d /sys/module/kvm_intel && ! -d /sys/module/kvm_amd ]]; then
    if [[ -d /sys/module/kvm_pvm ]]; then
        kvm_problem="this KVM is PVM (kvm_pvm), which boots only PVM-patched guest kernels, not Debian's"
    else
        kvm_problem="neither kvm_intel nor kvm_amd is loaded (no hardware virtualisation)"
    fi
fi
case $accel in
    kvm) [[ -z $kvm_problem ]] || die "--accel kvm: $kvm_problem" ;;
    auto)
        if [[ -z $kvm_problem ]]; then accel=kvm
        else
            accel=tcg
            echo "avx2-vm: $kvm_problem; using QEMU's TCG emulation instead: the guest's CPUID and XCR0 are an" >&2
            echo "avx2-vm: AVX2-only CPU's, but instructions are emulated, so timings are NOT hardware timings" >&2
        fi ;;
esac
# The default CPU: under KVM the host's own model with every AVX-512 flag off (same cores, caches and
# clock as the host); under TCG, which implements AVX2 and FMA but no AVX-512, AMD's EPYC-Milan (Zen 3,
# an AVX2-only EPYC as in many clouds).
[[ -n $cpu ]] || { [[ $accel == kvm ]] && cpu=host || cpu=EPYC-Milan; }

apt_updated=
apt_install() {
    [[ $(id -u) == 0 ]] || die "missing packages ($*): run once as root so that apt-get can install them"
    if [[ -z $apt_updated ]]; then
        echo "avx2-vm: apt-get update" >&2
        apt-get update -qq >&2 || die "apt-get update failed"
        apt_updated=1
    fi
    echo "avx2-vm: apt-get install $*" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/tmp/avx2-vm-apt.log 2>&1 \
        || { tail -n 30 /tmp/avx2-vm-apt.log >&2; die "apt-get install $* failed (log: /tmp/avx2-vm-apt.log)"; }
}
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
command -v cpio >/dev/null || missing+=(cpio)
[[ ${#missing[@]} == 0 ]] || apt_install "${missing[@]}"

# ---- kernel and initramfs, built once into the cache ---------------------------------------------
# The initramfs holds a static busybox, the modules that mount a 9p root under an overlay (with their
# dependencies, from the kernel's modules.dep) and init.sh. Rebuilt when init.sh changes.
build_guest() {
    [[ $(id -u) == 0 ]] || die "the guest kernel is not in $cache yet: run once as root to build it"
    local work=$cache/build
    rm -rf "$work" && mkdir -p "$work/debs" "$work/kernel" "$work/busybox"
    if [[ -z $apt_updated ]]; then
        echo "avx2-vm: apt-get update" >&2
        apt-get update -qq >&2 || die "apt-get update failed"
        apt_updated=1
    fi
    # linux-image-amd64 is a metapackage: its dependency names the versioned kernel package.
    local kpkg
    kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
    [[ -n $kpkg ]] || die "cannot find the kernel package behind linux-image-amd64 (apt-cache depends)"
    echo "avx2-vm: downloading $kpkg and busybox-static into $cache (not installed on the host)" >&2
    (cd "$work/debs" && apt-get download -qq -o APT::Sandbox::User=root "$kpkg" busybox-static >&2) || die "apt-get download $kpkg busybox-static failed"
    dpkg-deb -x "$work"/debs/linux-image-*.deb "$work/kernel"
    dpkg-deb -x "$work"/debs/busybox-static_*.deb "$work/busybox"
    local kver vmlinuz
    vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* | head -n 1)
    kver=${vmlinuz##*/vmlinuz-}
    local moddir=$work/kernel/lib/modules/$kver
    [[ -d $moddir/kernel ]] || die "$kpkg has no modules in lib/modules/$kver"

    local root=$work/initramfs
    mkdir -p "$root"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
    cp "$work/busybox/bin/busybox" "$root/bin/busybox"
    cp "$here/init.sh" "$root/init" && chmod 755 "$root/init"

    # Load order: each module after its dependencies (depth first over each module's own
    # "depends=" field; the package ships no modules.dep, which depmod writes at install time).
    declare -A seen=()
    local order=()
    add_module() {
        local name=$1 file deps d
        [[ -n ${seen[$name]:-} ]] && return 0
        seen[$name]=1
        file=$(find "$moddir/kernel" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) -print -quit)
        if [[ -z $file ]]; then
            grep -Eq "/($name|${name//_/-})\.ko$" "$moddir/modules.builtin" && return 0
            die "kernel module $name is neither in $kpkg nor built in"
        fi
        local plain=$work/plain/${file##*/}
        mkdir -p "$work/plain"
        case $file in
            *.ko.xz) plain=${plain%.xz}; xz -dc "$file" >"$plain" ;;
            *.ko.zst) plain=${plain%.zst}; zstd -qdc "$file" >"$plain" ;;
            *) cp "$file" "$plain" ;;
        esac
        deps=$(tr '\0' '\n' <"$plain" | sed -n 's/^depends=//p' | head -n 1)
        for d in ${deps//,/ }; do add_module "$d"; done
        order+=("$plain")
    }
    local m
    for m in virtio_pci virtio_console 9pnet_virtio 9p overlay; do add_module "$m"; done
    : >"$root/lib/modules/load-order"
    for m in "${order[@]}"; do
        cp "$m" "$root/lib/modules/"
        echo "${m##*/}" >>"$root/lib/modules/load-order"
    done

    (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$work/initramfs.gz"
    cp "$vmlinuz" "$cache/vmlinuz.new" && mv "$cache/vmlinuz.new" "$cache/vmlinuz"
    mv "$work/initramfs.gz" "$cache/initramfs.gz"
    cp "$here/init.sh" "$cache/init.sh.built"
    echo "$kver" >"$cache/kernel-version"
    rm -rf "$work"
    echo "avx2-vm: guest kernel $kver and initramfs ready in $cache" >&2
}
mkdir -p "$cache" 2>/dev/null || die "cannot create the cache directory $cache (set AVX2_VM_CACHE)"
if [[ ! -f $cache/vmlinuz || ! -f $cache/initramfs.gz ]] || ! cmp -s "$here/init.sh" "$cache/init.sh.built"; then
    build_guest
fi

# ---- the job: COMMAND, its directory and environment, in a file the guest reads over 9p -----------
job=$(mktemp -d /tmp/avx2-vm.XXXXXX)
qemu_pid=
cleanup() {
    [[ -n $qemu_pid ]] && kill "$qemu_pid" 2>/dev/null || true
    rm -rf "$job"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
{
    echo '# written by scripts/avx2-vm/run.sh; run by the guest init'
    # The caller's environment, minus what describes this host's terminal session.
    export -p | grep -Ev '^declare -x (BASH_FUNC_|SHLVL=|OLDPWD=|_=)'
    printf 'cd %q || exit 125\n' "$PWD"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
} >"$job/job.sh"
mkfifo "$job/stdout" "$job/stderr"
: >"$job/status"

# ---- CPU model ---------------------------------------------------------------------------------
cpu_arg=$cpu
if [[ $cpu == host ]]; then
    flags=$(qemu-system-x86_64 -cpu help | sed -n '/Recognized CPUID flags/,$p' | grep -oE '\bavx512[a-z0-9_-]*' | sort -u)
    [[ -n $flags ]] || die "qemu-system-x86_64 -cpu help lists no avx512 flags to turn off"
    for f in $flags; do cpu_arg+=",-$f"; done
fi

accel_arg=kvm
[[ $accel == tcg ]] && accel_arg=tcg,thread=multi,tb-size=512

# ---- boot ----------------------------------------------------------------------------------------
cat "$job/stdout" &
out_pid=$!
cat "$job/stderr" >&2 &
err_pid=$!
started=$(date +%s)
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
    -accel "$accel_arg" -machine q35 -cpu "$cpu_arg" -smp "$smp" -m "$memory" \
    -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$cache/vmlinuz" -initrd "$cache/initramfs.gz" \
    -append "console=ttyS0 quiet loglevel=3 panic=-1 avx2vm.job=$job/job.sh avx2vm.cpu=$cpu avx2vm.accel=$accel" \
    -serial "file:$job/console.log" \
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
    -device virtio-serial-pci \
    -chardev "file,id=out,path=$job/stdout" -device virtserialport,chardev=out,name=stdout \
    -chardev "file,id=err,path=$job/stderr" -device virtserialport,chardev=err,name=stderr \
    -chardev "file,id=st,path=$job/status" -device virtserialport,chardev=st,name=status \
    </dev/null >"$job/qemu.log" 2>&1 &
qemu_pid=$!
wait "$qemu_pid" && qemu_rc=0 || qemu_rc=$?
qemu_pid=
wait "$out_pid" "$err_pid" 2>/dev/null || true
elapsed=$(($(date +%s) - started))

status=$(tr -dc '0-9' <"$job/status")
if [[ $qemu_rc == 124 ]]; then
    echo "avx2-vm: timed out after ${timeout_s}s (--timeout); the guest was stopped" >&2
    tail -n 20 "$job/console.log" >&2 || true
    exit 124
fi
if [[ -z $status ]]; then
    echo "avx2-vm: the guest stopped without reporting COMMAND's exit code (qemu exit $qemu_rc after ${elapsed}s)" >&2
    echo "--- qemu ---" >&2; cat "$job/qemu.log" >&2 || true
    echo "--- guest console (last 40 lines) ---" >&2; tail -n 40 "$job/console.log" >&2 || true
    exit 125
fi
# Non-fatal QEMU warnings: CPU-model flags the accelerator cannot provide are dropped (one line for
# all of them); anything else is shown.
dropped=$(sed -n 's/.*CPUID\.[0-9A-F]*H:E[A-D]X\.\([^ ]*\) .*/\1/p' "$job/qemu.log" | sort -u | tr '\n' ' ')
[[ -z $dropped ]] || echo "avx2-vm: $cpu under $accel lacks (dropped): $dropped" >&2
grep -v -e '^$' -e "doesn't support requested feature" "$job/qemu.log" | sed 's/^/avx2-vm: qemu: /' >&2 || true
[[ -n ${AVX2_VM_VERBOSE:-} ]] && { echo "--- guest console ---" >&2; cat "$job/console.log" >&2; }
echo "avx2-vm: guest ran for ${elapsed}s; exit $status" >&2
exit "$status"
