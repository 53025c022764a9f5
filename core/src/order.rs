//! The one sort of the officer app's download: a stable bottom-up merge
//! sort over `Copy` items (references, small values). The slice sorts of
//! std each bring their own quicksort, heapsort and small-sort code per
//! element type, kilobytes of the download for a few lists that are sorted
//! once per load; this one is a few hundred bytes per element type.

/// Sorts `items` stably: `before(a, b)` says `a` must come before `b`.
/// O(n log n) comparisons; one buffer of `items.len()` copies.
pub fn sort_by<T: Copy>(items: &mut [T], before: impl Fn(&T, &T) -> bool) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let mut from: Vec<T> = items.to_vec();
    let mut to: Vec<T> = items.to_vec();
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in to.iter_mut().take(end).skip(start) {
                // Take from the right run only when it is strictly before:
                // equal items keep their order (stable).
                let take_right = match (from.get(i), from.get(j)) {
                    (Some(a), Some(b)) if i < mid && j < end => before(b, a),
                    _ => i >= mid,
                };
                let next = if take_right { j } else { i };
                if let Some(item) = from.get(next) {
                    *slot = *item;
                }
                if take_right {
                    j += 1;
                } else {
                    i += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut from, &mut to);
        width *= 2;
    }
    items.copy_from_slice(&from);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as std's stable sort, equal keys included.
        #[test]
        fn sorts_like_the_stable_std_sort(keys in proptest::collection::vec(0u8..8, 0..300)) {
            let mut ours: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let mut std_sorted = ours.clone();
            sort_by(&mut ours, |a, b| a.0 < b.0);
            std_sorted.sort_by_key(|p| p.0);
            prop_assert_eq!(ours, std_sorted);
        }
    }

    #[test]
    fn descending_and_single_items_sort() {
        let mut v = [5, 4, 3, 2, 1];
        sort_by(&mut v, |a, b| a < b);
        assert_eq!(v, [1, 2, 3, 4, 5]);
        let mut one = [7];
        sort_by(&mut one, |a, b| a < b);
        assert_eq!(one, [7]);
    }
}
