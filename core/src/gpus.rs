//! Common GPUs and the device memory a run can use on them, for the *fits on* table.
//!
//! `capacity` is the board's total memory as the driver reports it (`nvidia-smi --query-gpu=memory.total`, in
//! MiB, × 2²⁰; `rocm-smi --showmeminfo vram` for the MI300X), not the marketing figure: an "80 GB" H100 shows
//! 81 559 MiB = 85.5 GB = 79.6 GiB. The H200 figure is the one measured with `torch.cuda.mem_get_info` on the
//! calibration machine (`tests/fixtures/truth/peaks_h200.jsonl`, `_meta.gpu_capacity_bytes`). A run fits when
//! the estimate's `total_bytes` (which already includes the CUDA context) is at most the capacity.

use crate::units::Bytes;
use serde::Serialize;

/// One GPU model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gpu {
    /// Stable short id (`h100-80`).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// The marketed memory size, as written on the box (GB; loosely GiB for most boards).
    pub marketed_gb: u32,
    /// Total device memory as the driver reports it, bytes.
    pub capacity: Bytes,
    /// Total device memory as `torch.cuda.mem_get_info` (cudaMemGetInfo) reports it, bytes: what vLLM
    /// multiplies by `gpu_memory_utilization` ([`crate::estimate::serve`]). Smaller than `capacity` by the
    /// memory the driver keeps. Sources: PyTorch's out-of-memory message "GPU 0 has a total capacity of X GiB"
    /// and vLLM's "Free memory on device (F/T GiB)" line in public issues and logs (T4: CatVTON#133; A10G:
    /// g5.12xlarge OOM, 21.98; L4: 22.03; RTX 4090: MuseTalk#76; RTX 3090: lit-llama#137 and later drivers;
    /// RTX 5090: Wan2.1#465; A100 40GB: NERSC Perlmutter; H100: llm-d-benchmark's vLLM DEBUG line; A100 80GB:
    /// vllm#4408; MI300X: ROCm HIP OOM messages); the H200 measured on the calibration machine.
    pub cuda_total: Bytes,
}

/// `centi_gib / 100` GiB in bytes (the two-decimal GiB figures PyTorch and vLLM print).
const fn gib_centi(centi_gib: u64) -> Bytes {
    Bytes(centi_gib * (1 << 30) / 100)
}

impl Gpu {
    /// A GPU known only by its size: `total` bytes, taken both as the driver's figure and as
    /// `torch.cuda.mem_get_info`'s (id and name `custom`).
    pub fn custom(total: Bytes) -> Gpu {
        Gpu {
            id: "custom",
            name: "custom",
            marketed_gb: 0,
            capacity: total,
            cuda_total: total,
        }
    }
    /// The name without the vendor's prefix or the memory suffix: `"H100"`, `"RTX 4090"`, `"MI300X"` (for
    /// labels that add the box's figure, `H100 80 GB`).
    pub fn short_name(&self) -> &'static str {
        let n = self.name;
        let n = n.strip_prefix("NVIDIA ").unwrap_or(n);
        let n = n.strip_prefix("GeForce ").unwrap_or(n);
        let n = n.strip_prefix("AMD Instinct ").unwrap_or(n);
        match n.rsplit_once(' ') {
            Some((head, tail)) if tail.ends_with("GB") && tail[..tail.len() - 2].bytes().all(|b| b.is_ascii_digit()) => head,
            _ => n,
        }
    }
}

const MIB: u64 = 1 << 20;

/// The GPUs of the *fits on* table, smallest first.
pub const GPUS: &[Gpu] = &[
    Gpu {
        id: "t4",
        name: "NVIDIA T4",
        marketed_gb: 16,
        capacity: Bytes(15_360 * MIB),
        cuda_total: gib_centi(1456),
    },
    Gpu {
        id: "a10g",
        name: "NVIDIA A10G",
        marketed_gb: 24,
        capacity: Bytes(23_028 * MIB),
        cuda_total: gib_centi(2198),
    },
    Gpu {
        id: "l4",
        name: "NVIDIA L4",
        marketed_gb: 24,
        capacity: Bytes(23_034 * MIB),
        cuda_total: gib_centi(2203),
    },
    Gpu {
        id: "rtx-4090",
        name: "NVIDIA GeForce RTX 4090",
        marketed_gb: 24,
        capacity: Bytes(24_564 * MIB),
        cuda_total: gib_centi(2364),
    },
    Gpu {
        id: "rtx-3090",
        name: "NVIDIA GeForce RTX 3090",
        marketed_gb: 24,
        capacity: Bytes(24_576 * MIB),
        cuda_total: gib_centi(2357),
    },
    Gpu {
        id: "rtx-5090",
        name: "NVIDIA GeForce RTX 5090",
        marketed_gb: 32,
        capacity: Bytes(32_607 * MIB),
        cuda_total: gib_centi(3136),
    },
    Gpu {
        id: "a100-40",
        name: "NVIDIA A100 40GB",
        marketed_gb: 40,
        capacity: Bytes(40_960 * MIB),
        cuda_total: gib_centi(3939),
    },
    Gpu {
        id: "h100-80",
        name: "NVIDIA H100 80GB",
        marketed_gb: 80,
        capacity: Bytes(81_559 * MIB),
        cuda_total: gib_centi(7918),
    },
    Gpu {
        id: "a100-80",
        name: "NVIDIA A100 80GB",
        marketed_gb: 80,
        capacity: Bytes(81_920 * MIB),
        cuda_total: gib_centi(7915),
    },
    Gpu {
        id: "h200",
        name: "NVIDIA H200",
        marketed_gb: 141,
        capacity: Bytes(150_109_880_320),
        cuda_total: Bytes(150_109_880_320),
    },
    Gpu {
        id: "mi300x",
        name: "AMD Instinct MI300X",
        marketed_gb: 192,
        capacity: Bytes(196_288 * MIB),
        cuda_total: gib_centi(19198),
    },
];

/// Whether a run of `total` bytes fits on `gpu`, and by how much.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fit {
    /// `total ≤ capacity`.
    pub fits: bool,
    /// `capacity − total` when it fits, else 0.
    pub headroom: Bytes,
    /// `total − capacity` when it does not fit, else 0.
    pub shortfall: Bytes,
    /// Fraction of the capacity used, `total / capacity` (may exceed 1).
    pub used_fraction: f64,
}

/// Compare a predicted peak (`total`, CUDA context included) with a GPU's capacity.
pub fn fits(total: Bytes, gpu: &Gpu) -> Fit {
    fits_capacity(total, gpu.capacity)
}

/// [`fits`] against any capacity (a custom GPU size), bytes.
pub fn fits_capacity(total: Bytes, capacity: Bytes) -> Fit {
    let cap = capacity.0;
    let used_fraction = if cap == 0 {
        f64::INFINITY
    } else {
        total.0 as f64 / cap as f64
    };
    if total.0 <= cap {
        Fit {
            fits: true,
            headroom: Bytes(cap - total.0),
            shortfall: Bytes(0),
            used_fraction,
        }
    } else {
        Fit {
            fits: false,
            headroom: Bytes(0),
            shortfall: Bytes(total.0 - cap),
            used_fraction,
        }
    }
}

/// Look a GPU up by its id.
pub fn by_id(id: &str) -> Option<&'static Gpu> {
    GPUS.iter().find(|g| g.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_covers_the_table() {
        assert!(GPUS.windows(2).all(|w| w[0].capacity <= w[1].capacity));
        for id in [
            "t4", "l4", "rtx-3090", "rtx-4090", "rtx-5090", "a10g", "a100-40", "a100-80",
            "h100-80", "h200", "mi300x",
        ] {
            assert!(by_id(id).is_some(), "{id}");
        }
        // Driver-reported sizes sit within 10 % below/above the marketed GB/GiB figure.
        for g in GPUS {
            let gib = g.capacity.gib();
            assert!(
                gib > g.marketed_gb as f64 * 0.9 && gib < g.marketed_gb as f64 * 1.08,
                "{}: {gib}",
                g.id
            );
        }
    }

    #[test]
    fn short_names_drop_vendor_and_memory_suffix() {
        let short: Vec<&str> = GPUS.iter().map(|g| g.short_name()).collect();
        assert_eq!(
            short,
            ["T4", "A10G", "L4", "RTX 4090", "RTX 3090", "RTX 5090", "A100", "H100", "A100", "H200", "MI300X"]
        );
    }

    #[test]
    fn fits_reports_headroom_and_shortfall() {
        let h100 = by_id("h100-80").unwrap();
        let f = fits(Bytes(80_000_000_000), h100);
        assert!(f.fits);
        assert_eq!(f.headroom.0, 81_559 * MIB - 80_000_000_000);
        assert_eq!(f.shortfall.0, 0);
        let f = fits(Bytes(90_000_000_000), h100);
        assert!(!f.fits);
        assert_eq!(f.headroom.0, 0);
        assert_eq!(f.shortfall.0, 90_000_000_000 - 81_559 * MIB);
        assert!(f.used_fraction > 1.0);
        assert!(fits(h100.capacity, h100).fits);
    }
}
