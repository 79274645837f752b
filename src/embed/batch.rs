//! Grouping texts for the throughput path: similar lengths together, so batches pad little.

use super::model::Batch;
use super::tokenize::Tokens;

/// Splits text indices into batches of at most `size`, each holding texts of similar token
/// counts: the indices sorted by length (stable, so equal lengths keep input order), then cut
/// into consecutive runs. Every index appears in exactly one batch.
pub(crate) fn by_length(tokens: &[Tokens], size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..tokens.len()).collect();
    order.sort_by_key(|&i| tokens[i].ids.len());
    order.chunks(size.max(1)).map(<[usize]>::to_vec).collect()
}

/// The rows `members` of `tokens` as one right-padded batch: padding has id 0 (`[PAD]`) and
/// attention mask 0, so the model does not attend to it and pooling leaves it out.
pub(crate) fn padded(tokens: &[Tokens], members: &[usize]) -> Batch {
    let len = members.iter().map(|&i| tokens[i].ids.len()).max().unwrap_or(0);
    let mut ids = vec![0i64; members.len() * len];
    let mut mask = vec![0i64; members.len() * len];
    for (row, &i) in members.iter().enumerate() {
        let text = &tokens[i].ids;
        let start = row * len;
        ids[start..start + text.len()].iter_mut().zip(text).for_each(|(dst, &id)| *dst = i64::from(id));
        mask[start..start + text.len()].fill(1);
    }
    Batch { rows: members.len(), len, ids, mask }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lengths: &[usize]) -> Vec<Tokens> {
        lengths.iter().map(|&n| Tokens { ids: (1..=n as u32).collect(), truncated: false }).collect()
    }

    #[test]
    fn batches_hold_similar_lengths_and_every_text_once() {
        let t = tokens(&[9, 2, 5, 2, 8, 3]);
        assert_eq!(by_length(&t, 2), vec![vec![1, 3], vec![5, 2], vec![4, 0]]);
        assert_eq!(by_length(&t, 4), vec![vec![1, 3, 5, 2], vec![4, 0]]);
        assert!(by_length(&[], 4).is_empty());
    }

    #[test]
    fn padding_is_masked() {
        let t = tokens(&[3, 1]);
        let b = padded(&t, &[0, 1]);
        assert_eq!((b.rows, b.len), (2, 3));
        assert_eq!(b.ids, vec![1, 2, 3, 1, 0, 0]);
        assert_eq!(b.mask, vec![1, 1, 1, 1, 0, 0]);
    }
}
