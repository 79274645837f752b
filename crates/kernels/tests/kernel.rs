//! The native kernels (`src/amx.rs`, `src/avx512.rs`) against a plain f64 product, through
//! tract; the check is shared with the browser kernel's test in the wasm test crate
//! (`tests/support/kernel_check.rs`).
//!
//! A kernel the CPU can run must register and pass: this test fails, never skips, where the
//! CPU has the instructions. Only a CPU without them (no AVX-512F; no AMX-BF16 granted by the
//! OS for the AMX kernel) skips, and says so.
#![cfg(target_arch = "x86_64")]

#[path = "support/kernel_check.rs"]
mod kernel_check;

use wayfinder_kernels::{register_native, Amx};

/// Whether Linux reports AMX-BF16 for this CPU (it lists the flag only where it supports it).
fn cpu_has_amx_bf16() -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
        info.lines().find(|l| l.starts_with("flags")).is_some_and(|l| l.split_whitespace().any(|f| f == "amx_bf16"))
    })
}

/// One test, so that the two registrations never race each other across test threads.
#[test]
fn each_native_kernel_the_cpu_can_run_matches_a_plain_product() {
    if !is_x86_feature_detected!("avx512f") {
        assert_eq!(register_native(Amx::Allowed), None);
        eprintln!("skipped: no AVX-512F here, so tract's own kernels run");
        return;
    }

    let amx = register_native(Amx::Allowed).expect("AVX-512F is present, so a native kernel registers");
    eprintln!("with AMX allowed, {} runs", amx.name);
    if cpu_has_amx_bf16() {
        assert!(amx.name.contains("amx") && amx.integer_weights, "the CPU has AMX-BF16, yet {amx:?} registered");
        kernel_check::check_all(amx.name);
        kernel_check::check_single_column(amx.name);
    } else {
        eprintln!("AMX kernel skipped: the CPU has no AMX-BF16");
    }

    let avx512 = register_native(Amx::Off).expect("AVX-512F is present, so the AVX-512 kernel registers");
    assert!(avx512.name.contains("avx512") && !avx512.integer_weights, "Amx::Off registered {avx512:?}");
    kernel_check::check_all(avx512.name);
    kernel_check::check_single_column(avx512.name);
}
