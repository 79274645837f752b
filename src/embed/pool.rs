//! Token states to one sentence vector: mean over the real tokens, then unit length.

use crate::{Error, Result};

/// Mean of the first `tokens` rows of `states` (rows of `dim` floats), scaled to unit length.
///
/// Rows past `tokens` are padding and are left out, which is what pooling "over the attention
/// mask" means for right-padded rows. The division by `tokens` does not change the direction;
/// it is kept so the intermediate is the mean sentence-transformers computes.
pub(crate) fn mean_normalized(states: &[f32], dim: usize, tokens: usize) -> Result<Vec<f32>> {
    debug_assert!(tokens > 0 && states.len() >= tokens * dim);
    let mut sum = vec![0.0f32; dim];
    for row in states[..tokens * dim].chunks_exact(dim) {
        for (s, x) in sum.iter_mut().zip(row) {
            *s += x;
        }
    }
    let n = tokens as f32;
    sum.iter_mut().for_each(|s| *s /= n);
    let norm = sum.iter().map(|x| f64::from(*x) * f64::from(*x)).sum::<f64>().sqrt() as f32;
    if !norm.is_finite() || norm == 0.0 {
        return Err(Error::NonFinite { what: "embedding", at: "its norm".into(), value: norm });
    }
    sum.iter_mut().for_each(|s| *s /= norm);
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_rows_are_ignored_and_the_result_has_unit_length() {
        // Two real tokens, then a padding row that would change the mean if it were counted.
        let states = [3.0, 0.0, 1.0, 4.0, 100.0, -100.0];
        let v = mean_normalized(&states, 2, 2).unwrap();
        let (x, y) = (2.0f32, 2.0f32);
        let n = (x * x + y * y).sqrt();
        assert!((v[0] - x / n).abs() < 1e-6 && (v[1] - y / n).abs() < 1e-6, "{v:?}");
    }

    #[test]
    fn an_all_zero_state_is_an_error() {
        assert!(matches!(mean_normalized(&[0.0; 4], 2, 2), Err(Error::NonFinite { .. })));
    }
}
