//! What the kernels with their own packed formats (`amx.rs`, `wasm.rs`) share: reading a
//! tract view row by row, laying out aligned panels, wrapping them as tract's packed values,
//! and the methods of tract's format interface that every format has alike.

use std::sync::Arc;

use tract_data::internal::*;
use tract_linalg::mmm::{EagerPackedInput, MMMInputFormat, MMMInputValue, PackedExoticFact, PackedMatrixStorage};

/// The f32 element `(mn, k)` of a view, through its strides.
pub(crate) struct Source {
    ptr: *const f32,
    pub(crate) k: usize,
    pub(crate) mn: usize,
    k_stride: isize,
    mn_stride: isize,
}

impl Source {
    pub(crate) fn new(t: &TensorView, k_axis: usize, mn_axis: usize) -> TractResult<Source> {
        ensure!(k_axis != mn_axis && k_axis < t.rank() && mn_axis < t.rank(), "bad axes {k_axis}, {mn_axis}");
        Ok(Source {
            ptr: t.as_ptr::<f32>()?,
            k: t.shape()[k_axis],
            mn: t.shape()[mn_axis],
            k_stride: t.strides()[k_axis],
            mn_stride: t.strides()[mn_axis],
        })
    }

    /// Row `i` (its `k` values) into `row`; zeros past the last row (a short last panel).
    pub(crate) fn row(&self, i: usize, row: &mut [f32]) {
        if i >= self.mn {
            row.fill(0.0);
            return;
        }
        // SAFETY: `i < mn` and `p < k` address the view.
        unsafe {
            let start = self.ptr.offset(i as isize * self.mn_stride);
            if self.k_stride == 1 {
                row.copy_from_slice(std::slice::from_raw_parts(start, self.k));
            } else {
                for (p, x) in row.iter_mut().enumerate() {
                    *x = *start.offset(p as isize * self.k_stride);
                }
            }
        }
    }
}

/// A packed operand as tract stores it, in one of this kernel's formats.
pub(crate) fn packed(
    format: Box<dyn MMMInputFormat>,
    data: Blob,
    panel_bytes: usize,
    k: usize,
    mn: usize,
) -> Box<dyn MMMInputValue> {
    Box::new(EagerPackedInput {
        fact: PackedExoticFact { format, mn: mn.to_dim(), k },
        packed: Arc::new(data),
        panel_bytes,
        mn,
    })
}

/// [`MMMInputFormat::prepare_tensor`] for both formats: their one packed value, stored.
pub(crate) fn prepare_tensor(
    format: &dyn MMMInputFormat,
    t: &Tensor,
    k_axis: usize,
    mn_axis: usize,
) -> TractResult<Tensor> {
    Ok(PackedMatrixStorage::new(format.prepare_one(t, k_axis, mn_axis)?).into_tensor(t.datum_type()))
}

/// [`MMMInputFormat::extract_at_mn_f16`] for both formats: the f32 row, rounded.
pub(crate) fn extract_f16(
    format: &dyn MMMInputFormat,
    data: &EagerPackedInput,
    mn: usize,
    slice: &mut [f16],
) -> TractResult<()> {
    let mut row = vec![0f32; slice.len()];
    format.extract_at_mn_f32(data, mn, &mut row)?;
    slice.iter_mut().zip(row).for_each(|(to, x)| *to = f16::from_f32(x));
    Ok(())
}

/// A cache-line-aligned buffer of `panels` panels of `panel_bytes`, each filled by
/// `fill(panel, bytes)`, which must write all of its bytes.
pub(crate) fn panels(panels: usize, panel_bytes: usize, mut fill: impl FnMut(usize, &mut [u8])) -> Blob {
    // SAFETY: a fresh allocation, at least one line so that it has a pointer; `fill` writes
    // every byte of every panel, and the rest is never read.
    let mut blob = unsafe { Blob::new_for_size_and_align((panels * panel_bytes).max(64), 64) };
    for (panel, bytes) in blob.as_bytes_mut().chunks_exact_mut(panel_bytes.max(1)).take(panels).enumerate() {
        fill(panel, bytes);
    }
    blob
}

/// `bytes` (64-byte aligned, a multiple of 4 long) as f32s.
pub(crate) fn as_f32(bytes: &mut [u8]) -> &mut [f32] {
    // SAFETY: any bit pattern is an f32, and the alignment and length suit f32.
    unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut f32, bytes.len() / 4) }
}

/// `bytes` (64-byte aligned, even length) as u16s.
#[cfg(target_arch = "x86_64")]
pub(crate) fn as_u16(bytes: &mut [u8]) -> &mut [u16] {
    // SAFETY: as for `as_f32`.
    unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut u16, bytes.len() / 2) }
}

/// `bytes` (64-byte aligned, even length) as i16s.
#[cfg(target_arch = "wasm32")]
pub(crate) fn as_i16(bytes: &mut [u8]) -> &mut [i16] {
    // SAFETY: as for `as_f32`.
    unsafe { std::slice::from_raw_parts_mut(bytes.as_mut_ptr() as *mut i16, bytes.len() / 2) }
}

/// The little-endian f32 at byte `at`.
fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Row `mn` of panels of `r` rows stored as `k` steps of `r` f32, `skip` bytes into each panel,
/// into `slice` (its `k` values): the f32 form that every format keeps for some products.
pub(crate) fn extract_steps(
    data: &EagerPackedInput,
    r: usize,
    skip: usize,
    mn: usize,
    slice: &mut [f32],
) -> TractResult<()> {
    ensure!(mn < data.mn && slice.len() == data.fact.k);
    let bytes = data.packed.as_bytes();
    let base = (mn / r) * data.panel_bytes + skip;
    for (p, x) in slice.iter_mut().enumerate() {
        *x = f32_at(bytes, base + 4 * (p * r + mn % r));
    }
    Ok(())
}

/// The little-endian u32 at byte `at` (a panel's header flag).
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The methods of tract's `MMMInputFormat` that every Wayfinder format shares, for panels of
/// `$r` rows: f32 in, no `k` alignment, whole tensors through [`prepare_tensor`] and f16 rows
/// through the format's own f32 rows. Expanded inside each format's `impl`.
macro_rules! shared_format_methods {
    ($r:expr) => {
        fn prepare_tensor(&self, t: &Tensor, k_axis: usize, mn_axis: usize) -> TractResult<Tensor> {
            $crate::pack::prepare_tensor(self, t, k_axis, mn_axis)
        }

        fn precursor(&self) -> WeightType {
            WeightType::Plain(f32::datum_type())
        }

        fn r(&self) -> usize {
            $r
        }

        fn k_alignment(&self) -> usize {
            1
        }

        fn extract_at_mn_f16(&self, data: &EagerPackedInput, mn: usize, slice: &mut [f16]) -> TractResult<()> {
            $crate::pack::extract_f16(self, data, mn, slice)
        }
    };
}
pub(crate) use shared_format_methods;
