//! Compiles the kernel probe (`syscall-ebpf`) for the BPF target with the
//! nightly toolchain and bpf-linker, so the object can be embedded in this crate.
//! A missing toolchain piece fails the build: there is no probe-less fallback.

fn main() -> aya_build::Result<()> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../syscall-ebpf");
    aya_build::build_ebpf(
        [aya_build::Package {
            name: "lanner-syscall-ebpf",
            root_dir: root,
            ..Default::default()
        }],
        aya_build::Toolchain::default(),
    )
}
