//! Offline evaluation: parsing public data sets, seeded splits, ranking and rating metrics,
//! and full-ranking evaluation of any [`BlockScorer`].
//!
//! The metric functions are pure and take one user's ranked list and relevant items.
//! [`evaluate_ranking`] scores every item for every test user (a block of users at a time,
//! as one matrix product), removes the user's training items, keeps the top `k` by partial
//! selection, and averages the metrics over users.

use std::collections::HashMap;

use ndarray::{s, Array1, Array2, ArrayViewMut2, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;
use serde::Serialize;

use crate::error::{Error, Result};
pub use crate::interactions::{kgat_lines, KgatLine};
use crate::mf::{Fitted, MfModel, Rating, Ratings};

// ---------------------------------------------------------------------------------------
// Parsing

/// A ratings file with its user and item tokens mapped to dense rows in first-seen order.
#[derive(Debug, Clone)]
pub struct RatingData {
    pub ratings: Ratings,
    /// `user_ids[row]` is the token the file used for that user.
    pub user_ids: Vec<String>,
    pub item_ids: Vec<String>,
}

/// Parses `user<sep>item<sep>rating[<sep>timestamp]` lines, where `<sep>` is a tab (as in
/// MovieLens `u.data`) or a comma. Users and items are arbitrary tokens. Blank lines are
/// skipped, and so is a first line whose rating field is the word `rating` (a CSV header).
///
/// # Errors
/// [`Error::RatingLine`] with the 1-based line number for a wrong field count, an empty
/// token, or a rating that is not a finite number.
///
/// # Example
/// ```
/// let data = wayfinder::eval::parse_ratings("u1\tm9\t4\t881250949\nu2\tm9\t3.5\n").unwrap();
/// assert_eq!((data.ratings.n_users(), data.ratings.n_items()), (2, 1));
/// assert_eq!(data.item_ids, ["m9"]);
/// ```
pub fn parse_ratings(text: &str) -> Result<RatingData> {
    let mut users: HashMap<&str, usize> = HashMap::new();
    let mut items: HashMap<&str, usize> = HashMap::new();
    let (mut user_ids, mut item_ids) = (Vec::new(), Vec::new());
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let sep = if line.contains('\t') { '\t' } else { ',' };
        let fields: Vec<&str> = line.split(sep).map(str::trim).collect();
        let bad = |reason: String| Error::RatingLine { line: line_no, reason };
        if !(3..=4).contains(&fields.len()) {
            let reason = format!(
                "expected user, item, rating[, timestamp] separated by tabs or commas, found {} fields",
                fields.len()
            );
            return Err(bad(reason));
        }
        if line_no == 1 && fields[2].eq_ignore_ascii_case("rating") {
            continue;
        }
        if fields[0].is_empty() || fields[1].is_empty() {
            return Err(bad("empty user or item".into()));
        }
        let value: f32 = fields[2].parse().map_err(|_| bad(format!("rating {:?} is not a number", fields[2])))?;
        if !value.is_finite() {
            return Err(bad(format!("rating {:?} is not a finite number", fields[2])));
        }
        let user = intern(&mut users, &mut user_ids, fields[0]);
        let item = intern(&mut items, &mut item_ids, fields[1]);
        entries.push(Rating { user, item, value });
    }
    let ratings = Ratings::new(user_ids.len(), item_ids.len(), entries)?;
    Ok(RatingData { ratings, user_ids, item_ids })
}

fn intern<'a>(index: &mut HashMap<&'a str, usize>, ids: &mut Vec<String>, token: &'a str) -> usize {
    *index.entry(token).or_insert_with(|| {
        ids.push(token.to_string());
        ids.len() - 1
    })
}

/// A train/test split of implicit feedback, with dense rows and the ids behind them.
#[derive(Debug, Clone)]
pub struct ImplicitSplit {
    /// Value 1 per `(user, item)`; its items are rows `0..train.n_items()`.
    pub train: Ratings,
    /// Test items never seen in training get rows from `train.n_items()` on, so a model
    /// cannot rank them and they count as misses.
    pub test: Ratings,
    pub user_ids: Vec<u64>,
    pub item_ids: Vec<u64>,
    /// Repeated training `(user, item)` pairs that were dropped.
    pub duplicates_dropped: usize,
    /// Test pairs whose item never occurs in training.
    pub unseen_test_items: usize,
}

/// Builds an [`ImplicitSplit`] from parsed train and test lines. Repeated pairs are kept once.
/// With `max_users`, a seeded sample of that many users (and only their items) is kept, for
/// bounded runs.
///
/// # Errors
/// [`Error::NoData`] when no training pair remains.
pub fn implicit_split(
    train: &[KgatLine],
    test: &[KgatLine],
    max_users: Option<usize>,
    seed: u64,
) -> Result<ImplicitSplit> {
    let mut user_ids: Vec<u64> = train.iter().chain(test).map(|l| l.user).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    if let Some(n) = max_users.filter(|&n| n < user_ids.len()) {
        user_ids.shuffle(&mut Pcg64::seed_from_u64(seed));
        user_ids.truncate(n);
        user_ids.sort_unstable();
    }
    let user_row: HashMap<u64, usize> = user_ids.iter().enumerate().map(|(r, &u)| (u, r)).collect();
    let pairs = |lines: &[KgatLine]| -> (Vec<(usize, u64)>, usize) {
        let mut pairs: Vec<(usize, u64)> = lines
            .iter()
            .filter_map(|l| user_row.get(&l.user).map(|&r| (r, l)))
            .flat_map(|(r, l)| l.items.iter().map(move |&i| (r, i)))
            .collect();
        let before = pairs.len();
        pairs.sort_unstable();
        pairs.dedup();
        let dropped = before - pairs.len();
        (pairs, dropped)
    };
    let (train_pairs, duplicates_dropped) = pairs(train);
    let (test_pairs, _) = pairs(test);
    if train_pairs.is_empty() {
        return Err(Error::NoData("no training pairs".into()));
    }
    let mut item_ids: Vec<u64> = train_pairs.iter().map(|&(_, i)| i).collect();
    item_ids.sort_unstable();
    item_ids.dedup();
    let n_train_items = item_ids.len();
    let mut item_row: HashMap<u64, usize> = item_ids.iter().enumerate().map(|(r, &i)| (i, r)).collect();
    let mut unseen_test_items = 0;
    let mut test_entries = Vec::with_capacity(test_pairs.len());
    for &(user, id) in &test_pairs {
        let item = *item_row.entry(id).or_insert_with(|| {
            item_ids.push(id);
            item_ids.len() - 1
        });
        unseen_test_items += usize::from(item >= n_train_items);
        test_entries.push(Rating { user, item, value: 1.0 });
    }
    let train_entries =
        train_pairs.iter().map(|&(user, id)| Rating { user, item: item_row[&id], value: 1.0 }).collect();
    Ok(ImplicitSplit {
        train: Ratings::new(user_ids.len(), n_train_items, train_entries)?,
        test: Ratings::new(user_ids.len(), item_ids.len(), test_entries)?,
        user_ids,
        item_ids,
        duplicates_dropped,
        unseen_test_items,
    })
}

// ---------------------------------------------------------------------------------------
// Splits

/// Training and held-out observations over the same users and items.
#[derive(Debug, Clone)]
pub struct Split {
    pub train: Ratings,
    pub test: Ratings,
}

/// Seeded k-fold split: the observations are shuffled once and dealt into `folds` parts;
/// split `f` tests on part `f` and trains on the rest.
///
/// # Errors
/// [`Error::InvalidParameter`] unless `2 <= folds <= data.len()`.
pub fn kfold(data: &Ratings, folds: usize, seed: u64) -> Result<Vec<Split>> {
    if folds < 2 || folds > data.len() {
        return Err(Error::param(
            "folds",
            format!("{folds} folds for {} ratings; need 2 <= folds <= ratings", data.len()),
        ));
    }
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.shuffle(&mut Pcg64::seed_from_u64(seed));
    let mut fold_of = vec![0; data.len()];
    for (position, &entry) in order.iter().enumerate() {
        fold_of[entry] = position % folds;
    }
    Ok((0..folds).map(|f| split_where(data, |n| fold_of[n] == f)).collect())
}

/// Seeded leave-one-out split: one observation, chosen at random, of every user who has at
/// least two is held out; everything else trains.
pub fn leave_one_out(data: &Ratings, seed: u64) -> Split {
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut by_user: Vec<Vec<usize>> = vec![Vec::new(); data.n_users()];
    for (n, r) in data.entries().iter().enumerate() {
        by_user[r.user].push(n);
    }
    let mut held_out = vec![false; data.len()];
    for entries in by_user.iter().filter(|e| e.len() >= 2) {
        held_out[entries[rng.gen_range(0..entries.len())]] = true;
    }
    split_where(data, |n| held_out[n])
}

/// Tests on the entries whose position satisfies `is_test`, trains on the rest.
fn split_where(data: &Ratings, is_test: impl Fn(usize) -> bool) -> Split {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (n, &r) in data.entries().iter().enumerate() {
        if is_test(n) {
            test.push(r)
        } else {
            train.push(r)
        }
    }
    let rebuild =
        |entries| Ratings::new(data.n_users(), data.n_items(), entries).expect("a subset of valid ratings is valid");
    Split { train: rebuild(train), test: rebuild(test) }
}

// ---------------------------------------------------------------------------------------
// Metrics for one user's ranked list

/// 1 if any of the first `k` ranked items is relevant, else 0 (averaged over users: hit rate).
pub fn hit_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> f64 {
    f64::from(u8::from(hits(ranked, relevant, k) > 0))
}

/// Relevant items among the first `k`, divided by `k`.
pub fn precision_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    hits(ranked, relevant, k) as f64 / k as f64
}

/// Relevant items among the first `k`, divided by the number of relevant items (0 if none).
pub fn recall_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    hits(ranked, relevant, k) as f64 / relevant.len() as f64
}

/// Normalised discounted cumulative gain with binary relevance: a hit at rank `r` (1-based)
/// gains `1 / log2(r + 1)`, divided by the gain of the ideal list.
///
/// # Example
/// ```
/// // One relevant item, found at rank 3.
/// let ndcg = wayfinder::eval::ndcg_at_k(&[7, 8, 9], &[9], 10);
/// assert!((ndcg - 1.0 / 4f64.log2()).abs() < 1e-12);
/// ```
pub fn ndcg_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> f64 {
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = ranked.iter().take(k).enumerate().filter(|(_, i)| relevant.contains(i)).map(|(r, _)| gain(r)).sum();
    let ideal: f64 = (0..relevant.len().min(k)).map(gain).sum();
    if ideal == 0.0 {
        0.0
    } else {
        dcg / ideal
    }
}

/// Average precision at `k`: the mean of precision@r over the ranks `r <= k` that hold a
/// relevant item, divided by `min(|relevant|, k)`.
pub fn average_precision_at_k(ranked: &[usize], relevant: &[usize], k: usize) -> f64 {
    let denominator = relevant.len().min(k);
    if denominator == 0 {
        return 0.0;
    }
    let mut found = 0;
    let mut sum = 0.0;
    for (r, item) in ranked.iter().take(k).enumerate() {
        if relevant.contains(item) {
            found += 1;
            sum += found as f64 / (r + 1) as f64;
        }
    }
    sum / denominator as f64
}

fn hits(ranked: &[usize], relevant: &[usize], k: usize) -> usize {
    ranked.iter().take(k).filter(|i| relevant.contains(i)).count()
}

/// The fraction of the `n_items` catalog that appears in at least one list.
pub fn coverage<'a>(lists: impl IntoIterator<Item = &'a [usize]>, n_items: usize) -> f64 {
    let mut seen = vec![false; n_items];
    for &item in lists.into_iter().flatten() {
        if let Some(s) = seen.get_mut(item) {
            *s = true;
        }
    }
    if n_items == 0 {
        return 0.0;
    }
    seen.iter().filter(|&&s| s).count() as f64 / n_items as f64
}

/// The fraction of recommended items that the user was not ready for, by a caller-supplied
/// `ready(user, item)` (for example the prerequisite graph's readiness). Lists are
/// `(user, items)`; 0 when nothing was recommended.
pub fn violation_rate<'a>(
    lists: impl IntoIterator<Item = (usize, &'a [usize])>,
    ready: impl Fn(usize, usize) -> bool,
) -> f64 {
    let (mut total, mut violations) = (0usize, 0usize);
    for (user, items) in lists {
        total += items.len();
        violations += items.iter().filter(|&&i| !ready(user, i)).count();
    }
    if total == 0 {
        0.0
    } else {
        violations as f64 / total as f64
    }
}

/// Root mean squared error of `predicted` against `actual`.
///
/// # Errors
/// [`Error::Dimension`] for different lengths, [`Error::NoData`] when empty.
pub fn rmse(predicted: &[f32], actual: &[f32]) -> Result<f64> {
    Ok(mean_of(predicted, actual, |e| e * e)?.sqrt())
}

/// Mean absolute error of `predicted` against `actual`.
///
/// # Errors
/// As [`rmse`].
pub fn mae(predicted: &[f32], actual: &[f32]) -> Result<f64> {
    mean_of(predicted, actual, f64::abs)
}

fn mean_of(predicted: &[f32], actual: &[f32], f: impl Fn(f64) -> f64) -> Result<f64> {
    if predicted.len() != actual.len() {
        return Err(Error::Dimension { what: "predictions", expected: actual.len(), got: predicted.len() });
    }
    if actual.is_empty() {
        return Err(Error::NoData("no predictions to score".into()));
    }
    let sum: f64 = predicted.iter().zip(actual).map(|(&p, &a)| f(p as f64 - a as f64)).sum();
    Ok(sum / actual.len() as f64)
}

// ---------------------------------------------------------------------------------------
// Top-k selection

/// Writes the indices of the `k` highest scores into `out`, best first (ties go to the lower
/// index). NaN and negative-infinite scores are skipped, so a caller removes an item by
/// setting its score to `f32::NEG_INFINITY`. Partial selection: each score is compared with
/// the current `k`-th best and only a better one is inserted, so it costs `O(n + k·inserts)`.
///
/// # Example
/// ```
/// let mut top = Vec::new();
/// wayfinder::eval::top_k_into(&[0.1, 0.9, f32::NEG_INFINITY, 0.5], 2, &mut top);
/// assert_eq!(top, [1, 3]);
/// ```
pub fn top_k_into(scores: &[f32], k: usize, out: &mut Vec<usize>) {
    out.clear();
    if k == 0 {
        return;
    }
    for (i, &s) in scores.iter().enumerate() {
        if s.is_nan() || s == f32::NEG_INFINITY {
            continue;
        }
        if out.len() == k && s <= scores[out[k - 1]] {
            continue;
        }
        // Insert after every kept score that is at least as high (stable for ties).
        let at = out.partition_point(|&j| scores[j] >= s);
        if out.len() == k {
            out.pop();
        }
        out.insert(at, i);
    }
}

// ---------------------------------------------------------------------------------------
// Full-ranking evaluation

/// Every user of `train` folded into `model` from their training items (value 1 each for an
/// implicit model, their ratings for an explicit one), as the browser would fold them in:
/// the way to evaluate item factors trained elsewhere, whose user factors never ship.
///
/// # Errors
/// [`Error::Dimension`] when `train` has more items than the model, and fold-in's errors.
pub fn folded_in(model: MfModel, train: &Ratings) -> Result<Fitted> {
    if train.n_items() > model.n_items() {
        return Err(Error::Dimension { what: "training items", expected: model.n_items(), got: train.n_items() });
    }
    let by_user = train.by_user();
    let k = model.n_factors();
    let mut user_factors = Array2::zeros((train.n_users(), k));
    let mut user_bias = Array1::zeros(train.n_users());
    for u in 0..train.n_users() {
        let observations: Vec<(usize, f32)> =
            by_user.cols(u).iter().copied().zip(by_user.values(u).iter().copied()).collect();
        let user = model.fold_in(&observations)?;
        user_factors.row_mut(u).assign(&Array1::from(user.factors));
        user_bias[u] = user.bias;
    }
    Ok(Fitted { model, user_factors, user_bias })
}

/// Anything that scores every item for a block of users at once.
pub trait BlockScorer {
    /// The number of items scored (the width of every row of the block).
    fn n_items(&self) -> usize;
    /// Writes the scores of `users` (one row each) over all items into `out`
    /// (`users.len() × n_items`).
    ///
    /// # Errors
    /// [`Error::Dimension`] for a user outside the scorer or a wrong-sized block.
    fn score_block(&self, users: &[usize], out: ArrayViewMut2<f32>) -> Result<()>;
}

impl BlockScorer for Fitted {
    fn n_items(&self) -> usize {
        self.model.n_items()
    }
    fn score_block(&self, users: &[usize], out: ArrayViewMut2<f32>) -> Result<()> {
        if let Some(&u) = users.iter().find(|&&u| u >= self.n_users()) {
            return Err(Error::Dimension { what: "user row", expected: self.n_users(), got: u });
        }
        let factors = self.user_factors.select(Axis(0), users);
        let bias: Vec<f32> = users.iter().map(|&u| self.user_bias[u]).collect();
        self.model.score_block(factors.view(), &bias, out)
    }
}

/// The popularity baseline: every user gets the items with the most training observations.
#[derive(Debug, Clone)]
pub struct Popularity {
    counts: Array1<f32>,
}

impl Popularity {
    /// Counts each item's distinct training users.
    pub fn fit(train: &Ratings) -> Popularity {
        let by_item = train.by_item();
        Popularity { counts: (0..by_item.n_rows()).map(|i| by_item.cols(i).len() as f32).collect() }
    }
    /// Training users per item.
    pub fn counts(&self) -> &[f32] {
        self.counts.as_slice().expect("a new Array1 is contiguous")
    }
}

impl BlockScorer for Popularity {
    fn n_items(&self) -> usize {
        self.counts.len()
    }
    fn score_block(&self, users: &[usize], mut out: ArrayViewMut2<f32>) -> Result<()> {
        if out.dim() != (users.len(), self.counts.len()) {
            return Err(Error::Dimension { what: "score block rows", expected: users.len(), got: out.nrows() });
        }
        out.rows_mut().into_iter().for_each(|mut row| row.assign(&self.counts));
        Ok(())
    }
}

/// Ranking metrics averaged over the users with at least one test item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingReport {
    pub k: usize,
    /// Users evaluated.
    pub users: usize,
    /// Mean of [`hit_at_k`].
    pub hr: f64,
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    /// Mean of [`average_precision_at_k`].
    pub map: f64,
    /// [`coverage`] of all top-k lists over the scorer's items.
    pub coverage: f64,
    /// [`violation_rate`], when a readiness predicate was given.
    pub violation_rate: Option<f64>,
}

/// Full-ranking evaluation: for every user with test items, scores all items, removes the
/// user's training items, keeps the top `k`, and scores that list against the test items.
/// Test items the scorer does not know (rows `>= scorer.n_items()`) count as misses.
/// `ready(user, item)`, when given, adds the prerequisite-violation rate.
///
/// # Errors
/// [`Error::Dimension`] when `train` and `test` disagree on users or `train` on items with the
/// scorer, [`Error::InvalidParameter`] for `k == 0`, [`Error::NoData`] with no test items.
pub fn evaluate_ranking<S: BlockScorer + ?Sized>(
    scorer: &S,
    train: &Ratings,
    test: &Ratings,
    k: usize,
    ready: Option<&dyn Fn(usize, usize) -> bool>,
) -> Result<RankingReport> {
    if k == 0 {
        return Err(Error::param("k", "must be at least 1"));
    }
    if train.n_users() != test.n_users() {
        return Err(Error::Dimension { what: "test users", expected: train.n_users(), got: test.n_users() });
    }
    let n_items = scorer.n_items();
    if train.n_items() != n_items {
        return Err(Error::Dimension { what: "training items", expected: n_items, got: train.n_items() });
    }
    let (seen, held_out) = (train.by_user(), test.by_user());
    let users: Vec<usize> = (0..test.n_users()).filter(|&u| !held_out.cols(u).is_empty()).collect();
    if users.is_empty() {
        return Err(Error::NoData("no user has a test item".into()));
    }
    // About 4 MB of scores per block.
    let block = ((1 << 20) / n_items.max(1)).clamp(1, 1024);
    let mut scores = Array2::<f32>::zeros((block.min(users.len()), n_items));
    let (mut sums, mut top) = ([0f64; 5], Vec::with_capacity(k));
    let mut recommended = vec![false; n_items];
    let (mut shown, mut violations) = (0usize, 0usize);
    for chunk in users.chunks(block) {
        let mut out = scores.slice_mut(s![..chunk.len(), ..]);
        scorer.score_block(chunk, out.view_mut())?;
        for (&u, mut row) in chunk.iter().zip(out.rows_mut()) {
            let row = row.as_slice_mut().expect("rows of a standard-layout block are contiguous");
            for &i in seen.cols(u) {
                row[i] = f32::NEG_INFINITY;
            }
            top_k_into(row, k, &mut top);
            let relevant = held_out.cols(u);
            sums[0] += hit_at_k(&top, relevant, k);
            sums[1] += precision_at_k(&top, relevant, k);
            sums[2] += recall_at_k(&top, relevant, k);
            sums[3] += ndcg_at_k(&top, relevant, k);
            sums[4] += average_precision_at_k(&top, relevant, k);
            for &i in &top {
                recommended[i] = true;
            }
            if let Some(ready) = ready {
                shown += top.len();
                violations += top.iter().filter(|&&i| !ready(u, i)).count();
            }
        }
    }
    let n = users.len() as f64;
    Ok(RankingReport {
        k,
        users: users.len(),
        hr: sums[0] / n,
        precision: sums[1] / n,
        recall: sums[2] / n,
        ndcg: sums[3] / n,
        map: sums[4] / n,
        coverage: recommended.iter().filter(|&&r| r).count() as f64 / n_items.max(1) as f64,
        violation_rate: ready.map(|_| if shown == 0 { 0.0 } else { violations as f64 / shown as f64 }),
    })
}

/// Rating-prediction errors on held-out ratings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RatingReport {
    pub rmse: f64,
    pub mae: f64,
    /// Ratings scored.
    pub n: usize,
}

/// RMSE and MAE of a fitted model's predictions (clipped to the training range) on `test`.
///
/// # Errors
/// [`Error::Dimension`] for a test user or item outside the model, [`Error::NoData`] when
/// `test` is empty.
pub fn rating_errors(fit: &Fitted, test: &Ratings) -> Result<RatingReport> {
    let predicted = test.entries().iter().map(|r| fit.predict(r.user, r.item)).collect::<Result<Vec<f32>>>()?;
    let actual: Vec<f32> = test.entries().iter().map(|r| r.value).collect();
    Ok(RatingReport { rmse: rmse(&predicted, &actual)?, mae: mae(&predicted, &actual)?, n: actual.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn metrics_on_hand_computed_lists() {
        let ranked = [4, 1, 7, 2];
        let relevant = [7, 2, 9];
        assert_eq!(hit_at_k(&ranked, &relevant, 2), 0.0);
        assert_eq!(hit_at_k(&ranked, &relevant, 3), 1.0);
        assert!(close(precision_at_k(&ranked, &relevant, 4), 0.5));
        assert!(close(recall_at_k(&ranked, &relevant, 4), 2.0 / 3.0));
        // Hits at ranks 3 and 4; ideal has 3 relevant items in the first 4.
        let dcg = 1.0 / 4f64.log2() + 1.0 / 5f64.log2();
        let ideal = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2();
        assert!(close(ndcg_at_k(&ranked, &relevant, 4), dcg / ideal));
        // AP@4 = (1/3 + 2/4) / min(3, 4).
        assert!(close(average_precision_at_k(&ranked, &relevant, 4), (1.0 / 3.0 + 0.5) / 3.0));
    }

    #[test]
    fn ndcg_single_hit_at_rank_three() {
        assert!(close(ndcg_at_k(&[5, 6, 3], &[3], 10), 1.0 / 4f64.log2()));
        assert!(close(ndcg_at_k(&[3], &[3], 10), 1.0));
        assert_eq!(ndcg_at_k(&[1, 2], &[], 10), 0.0);
    }

    #[test]
    fn coverage_and_violations() {
        let lists: [&[usize]; 2] = [&[0, 1], &[1, 2]];
        assert!(close(coverage(lists, 6), 0.5));
        let ready = |user: usize, item: usize| item != user;
        assert!(close(violation_rate([(0, lists[0]), (2, lists[1])], ready), 0.5));
    }

    #[test]
    fn rmse_and_mae() {
        assert!(close(rmse(&[1.0, 3.0], &[2.0, 5.0]).unwrap(), (2.5f64).sqrt()));
        assert!(close(mae(&[1.0, 3.0], &[2.0, 5.0]).unwrap(), 1.5));
        assert!(rmse(&[1.0], &[]).is_err());
        assert!(mae(&[], &[]).is_err());
    }

    #[test]
    fn top_k_is_ordered_stable_and_skips_masked() {
        let scores = [0.5, 0.9, 0.5, f32::NAN, 0.7, f32::NEG_INFINITY, 0.9];
        let mut top = Vec::new();
        top_k_into(&scores, 4, &mut top);
        assert_eq!(top, [1, 6, 4, 0]);
        top_k_into(&scores, 10, &mut top);
        assert_eq!(top, [1, 6, 4, 0, 2]);
    }

    #[test]
    fn parse_ratings_reports_the_line() {
        let err = parse_ratings("a\tb\t3\nc\td\n").unwrap_err();
        assert!(matches!(err, Error::RatingLine { line: 2, .. }), "{err}");
        let err = parse_ratings("a,b,4\na,c,NaN\n").unwrap_err();
        assert!(matches!(err, Error::RatingLine { line: 2, .. }), "{err}");
        let data = parse_ratings("userId,movieId,rating,timestamp\n1,10,4.5,0\n2,10,3\n").unwrap();
        assert_eq!((data.ratings.len(), data.ratings.mean()), (2, 3.75));
    }

    #[test]
    fn kgat_split_dedupes_and_keeps_unseen_test_items() {
        let train = kgat_lines("0 5 9 5\n1 9\n\n").unwrap();
        let test = kgat_lines("0 7\n1 5\n").unwrap();
        let split = implicit_split(&train, &test, None, 1).unwrap();
        assert_eq!(split.duplicates_dropped, 1);
        assert_eq!(split.train.len(), 3);
        assert_eq!(split.train.n_items(), 2);
        assert_eq!(split.unseen_test_items, 1);
        assert_eq!(split.item_ids, [5, 9, 7]);
        assert!(matches!(kgat_lines("0 1\n2 x\n"), Err(Error::InteractionLine { line: 2, .. })));
    }

    #[test]
    fn kfold_partitions_every_rating_once() {
        let entries = (0..23).map(|n| Rating { user: n % 4, item: n % 5, value: n as f32 }).collect();
        let data = Ratings::new(4, 5, entries).unwrap();
        let folds = kfold(&data, 5, 3).unwrap();
        let mut seen: Vec<f32> = folds.iter().flat_map(|f| f.test.entries().iter().map(|r| r.value)).collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..23).map(|n| n as f32).collect::<Vec<_>>());
        assert!(folds.iter().all(|f| f.train.len() + f.test.len() == 23 && f.test.len() >= 4));
        assert!(kfold(&data, 1, 3).is_err());
        assert_eq!(kfold(&data, 5, 3).unwrap()[0].test, folds[0].test);
    }

    #[test]
    fn leave_one_out_holds_one_per_user_with_two() {
        let r = |user, item| Rating { user, item, value: 1.0 };
        let data = Ratings::new(3, 4, vec![r(0, 0), r(0, 1), r(0, 2), r(1, 3), r(2, 0), r(2, 1)]).unwrap();
        let split = leave_one_out(&data, 9);
        let mut users: Vec<usize> = split.test.entries().iter().map(|r| r.user).collect();
        users.sort_unstable();
        assert_eq!(users, [0, 2]);
        assert_eq!(split.train.len(), 4);
    }

    #[test]
    fn popularity_ranking_excludes_training_items() {
        let r = |user, item| Rating { user, item, value: 1.0 };
        // Item 0 is most popular; user 0 already has it, so their top-1 is item 1.
        let train = Ratings::new(3, 3, vec![r(0, 0), r(1, 0), r(2, 0), r(1, 1), r(2, 1)]).unwrap();
        let test = Ratings::new(3, 4, vec![r(0, 1), r(1, 3)]).unwrap();
        let pop = Popularity::fit(&train);
        let report = evaluate_ranking(&pop, &train, &test, 1, Some(&|_, item| item != 1)).unwrap();
        assert_eq!(report.users, 2);
        assert!(close(report.hr, 0.5)); // user 1's test item was never trained on: a miss
        assert!(close(report.coverage, 2.0 / 3.0));
        assert!(close(report.violation_rate.unwrap(), 0.5));
    }
}
